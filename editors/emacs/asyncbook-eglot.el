;;; asyncbook-eglot.el --- asyncbook's language server in Eglot  -*- lexical-binding: t; -*-

;; Package-Requires: ((emacs "28.1") (eglot "1.9"))

;;; Commentary:

;; Registers `asyncbook lsp' with Eglot for Go buffers (go-mode and
;; go-ts-mode), so that M-x eglot in a file of the workbook shows
;; asyncbook's findings through Flymake, its quick fixes and hints as code
;; actions (M-x eglot-code-actions), and the exercise commands.
;;
;;   (load "/path/to/asyncbook/editors/emacs/asyncbook-eglot.el")
;;   (setq asyncbook-eglot-program "/path/to/asyncbook")  ; unless on PATH
;;   (asyncbook-eglot-setup)
;;   (add-hook 'go-mode-hook #'eglot-ensure)               ; optional
;;
;; Eglot runs ONE server per major mode and project: it cannot run gopls and
;; asyncbook together for the same Go buffer.  So the contact function below
;; chooses: asyncbook for files inside an asyncbook workspace (a folder whose
;; go.mod declares github.com/asyncbook/asyncbook), and
;; `asyncbook-eglot-fallback' (gopls) for every other Go file.  To have both
;; servers on the same buffer, use lsp-mode, which runs add-on servers beside
;; the main one (see editors/README.md); to switch one project by hand,
;; C-u M-x eglot and type the other command.
;;
;; Settings: `asyncbook-eglot-analyzers', `asyncbook-eglot-profile' and
;; `asyncbook-eglot-severity' are sent as initializationOptions, on top of
;; the workspace's .asyncbook.json (which asyncvet and `asyncbook check'
;; read too); `asyncbook-eglot-set-analyzer' changes an analyzer in a
;; running server (workspace/didChangeConfiguration).  `eglot-workspace-configuration'
;; works too, e.g. in .dir-locals.el:
;;
;;   ((go-mode . ((eglot-workspace-configuration
;;                 . (:asyncbook (:analyzers (:timerstop :json-false)))))))

;;; Code:

(require 'cl-lib)
(require 'eglot)

(defgroup asyncbook-eglot nil
  "asyncbook's language server in Eglot."
  :group 'tools
  :prefix "asyncbook-eglot-")

(defcustom asyncbook-eglot-program "asyncbook"
  "The asyncbook command: a name on PATH or an absolute file name."
  :type 'string)

(defcustom asyncbook-eglot-analyzers nil
  "Analyzers on or off by name, as an alist of (NAME . ON).
NAME is a string such as \"chanleak\"; ON is t (even outside the
profile) or nil.  Analyzers not named follow the profile."
  :type '(alist :key-type string :value-type boolean))

(defcustom asyncbook-eglot-profile nil
  "The analyzers to start from: \"default\" or \"strict\".
nil leaves it to the workspace's .asyncbook.json (else default)."
  :type '(choice (const :tag "The settings file's" nil)
                 (const "default") (const "strict")))

(defcustom asyncbook-eglot-severity nil
  "Severities by analyzer, as an alist of (NAME . SEVERITY).
SEVERITY is \"warning\", \"information\" or \"hint\"."
  :type '(alist :key-type string
                :value-type (choice (const "warning") (const "information") (const "hint"))))

(defcustom asyncbook-eglot-fallback '("gopls")
  "The Eglot contact for Go files outside an asyncbook workspace.
nil means asyncbook for every Go file."
  :type '(choice (const :tag "asyncbook everywhere" nil)
                 (repeat :tag "Command" string)))

(defconst asyncbook-eglot-module "github.com/asyncbook/asyncbook"
  "The module path that marks an asyncbook workspace.")

(defun asyncbook-eglot--declares-module-p (dir)
  "Non-nil if DIR has a go.mod declaring `asyncbook-eglot-module'."
  (let ((gomod (expand-file-name "go.mod" dir)))
    (and (file-readable-p gomod)
         (with-temp-buffer
           (insert-file-contents gomod)
           (re-search-forward
            (concat "^[ \t]*module[ \t]+\"?"
                    (regexp-quote asyncbook-eglot-module)
                    "\"?[ \t]*\\(//.*\\)?$")
            nil t)))))

(defun asyncbook-eglot-workspace-root (&optional dir)
  "The asyncbook workspace DIR (default: `default-directory') is in, or nil.
Like `asyncbook' itself, look in DIR and every folder above it."
  (let ((root (locate-dominating-file (or dir default-directory)
                                      #'asyncbook-eglot--declares-module-p)))
    (and root (file-name-as-directory (expand-file-name root)))))

(defun asyncbook-eglot--bool (on)
  (if on t :json-false))

(defun asyncbook-eglot--object (alist value)
  "ALIST as a JSON object plist, VALUE mapping each value; {} when empty."
  (if alist
      (cl-loop for (name . v) in alist
               append (list (intern (concat ":" name)) (funcall value v)))
    ;; An empty JSON object, not null.
    (make-hash-table)))

(defun asyncbook-eglot-settings ()
  "The server's settings, as a plist to encode as JSON."
  (list :asyncbook
        (append
         (list :analyzers (asyncbook-eglot--object asyncbook-eglot-analyzers #'asyncbook-eglot--bool))
         (when asyncbook-eglot-severity
           (list :severity (asyncbook-eglot--object asyncbook-eglot-severity #'identity)))
         (when asyncbook-eglot-profile
           (list :profile asyncbook-eglot-profile)))))

(defun asyncbook-eglot-command ()
  "The contact that starts asyncbook's server."
  (append (list asyncbook-eglot-program "lsp")
          (when (or asyncbook-eglot-analyzers asyncbook-eglot-profile asyncbook-eglot-severity)
            (list :initializationOptions (asyncbook-eglot-settings)))))

(defun asyncbook-eglot-contact (&optional _interactive)
  "Eglot contact for a Go buffer: asyncbook in a workspace, else the fallback."
  (if (or (null asyncbook-eglot-fallback)
          (asyncbook-eglot-workspace-root))
      (asyncbook-eglot-command)
    asyncbook-eglot-fallback))

;;;###autoload
(defun asyncbook-eglot-setup ()
  "Make Eglot start asyncbook's server for Go buffers in a workspace."
  (interactive)
  (add-to-list 'eglot-server-programs
               '((go-mode go-ts-mode) . asyncbook-eglot-contact)))

(defun asyncbook-eglot--server ()
  (let ((server (eglot-current-server)))
    (unless server
      (user-error "No language server manages this buffer (M-x eglot)"))
    server))

(defun asyncbook-eglot-set-analyzer (name on)
  "Switch analyzer NAME on (ON non-nil) or off, in the running server too."
  (interactive
   (list (read-string "Analyzer: ")
         (y-or-n-p "On? ")))
  (setf (alist-get name asyncbook-eglot-analyzers nil nil #'equal) on)
  (when-let ((server (eglot-current-server)))
    (jsonrpc-notify server :workspace/didChangeConfiguration
                    (list :settings (asyncbook-eglot-settings)))))

(defun asyncbook-eglot--path-to-uri (path)
  (if (fboundp 'eglot-path-to-uri) (eglot-path-to-uri path)
    (eglot--path-to-uri path)))

(defun asyncbook-eglot--uri-to-path (uri)
  (if (fboundp 'eglot-uri-to-path) (eglot-uri-to-path uri)
    (eglot--uri-to-path uri)))

(defun asyncbook-eglot--execute (command)
  (eglot-execute-command (asyncbook-eglot--server) command
                         (vector (list :uri (asyncbook-eglot--path-to-uri
                                             (buffer-file-name))))))

(defcustom asyncbook-eglot-check-timeout 300
  "Seconds to wait for an exercise check (it builds and runs the tests)."
  :type 'number)

(defun asyncbook-eglot-check (&optional callback)
  "Check the exercise of this file: its tests, goleak and the analyzers.
Runs in the background; the server shows the outcome.  CALLBACK, if
given, receives the result (:passed :summary :problems), or
\=(:error MESSAGE) when the check could not run."
  (interactive)
  (let ((done (or callback #'ignore)))
    (message "asyncbook: checking the exercise...")
    (jsonrpc-async-request
     (asyncbook-eglot--server) :workspace/executeCommand
     (list :command "asyncbook.checkExercise"
           :arguments (vector (list :uri (asyncbook-eglot--path-to-uri
                                          (buffer-file-name)))))
     :success-fn done
     :error-fn (lambda (err)
                 (message "asyncbook: check failed: %s" (plist-get err :message))
                 (funcall done (list :error (plist-get err :message))))
     :timeout-fn (lambda ()
                   (message "asyncbook: check timed out")
                   (funcall done (list :error "timed out")))
     :timeout asyncbook-eglot-check-timeout)))

(defun asyncbook-eglot-guide ()
  "Open the interview guide of this file's exercise."
  (interactive)
  (let ((res (asyncbook-eglot--execute 'asyncbook.openGuide)))
    (when-let ((uri (plist-get res :uri)))
      (find-file-other-window (asyncbook-eglot--uri-to-path uri)))
    res))

(defun asyncbook-eglot-hint ()
  "Show the next hint: the exercise's, or that of the finding at point."
  (interactive)
  (let ((action (cl-find "quickfix.asyncbook.hint"
                         (eglot-code-actions (point) (point))
                         :key (lambda (a) (plist-get a :kind))
                         :test #'equal)))
    (unless action
      (user-error "No hint here: open a file of an exercise, or go to a finding"))
    ;; The server shows the hint; the result is (:n :total :title :body).
    (let ((cmd (plist-get action :command)))
      (eglot-execute-command (asyncbook-eglot--server)
                             (intern (plist-get cmd :command))
                             (plist-get cmd :arguments)))))

(provide 'asyncbook-eglot)
;;; asyncbook-eglot.el ends here
