;;; asyncbook-eglot-test.el --- tests of asyncbook-eglot.el in real Emacs  -*- lexical-binding: t; -*-

;; Run (editors/emacs/test.sh does):
;;
;;   ASYNCBOOK_BIN=/path/to/asyncbook emacs --batch -Q -l editors/emacs/test/asyncbook-eglot-test.el
;;
;; The end-to-end test copies the workbook (go.mod, go.sum, .asyncbook.json, exercises/) into
;; a temporary folder, makes a practice copy with `asyncbook start', adds a
;; file with a stranded sender (chanleak, which has a quick fix) and an
;; unstopped ticker (timerstop), opens it in go-mode and connects Eglot to
;; `asyncbook lsp' through asyncbook-eglot.el.  It prints ERT's report, then
;; "N passed, M failed", and exits non-zero on any failure.  Every wait is
;; bounded (60 s) and ends as soon as its condition holds.

;;; Code:

(require 'package)
;; Debian's elpa-* packages (eglot, go-mode) live here; -Q skips site-start.
(setq package-directory-list '("/usr/share/emacs/site-lisp/elpa"))
(package-initialize)

(require 'cl-lib)
(require 'ert)
(require 'subr-x)
(require 'flymake)

(defconst abt-dir (file-name-directory (or load-file-name buffer-file-name)))
(defconst abt-repo (file-name-as-directory
                    (or (getenv "ASYNCBOOK_REPO")
                        (expand-file-name "../../.." abt-dir))))
(defconst abt-bin (or (getenv "ASYNCBOOK_BIN") ""))
(defconst abt-wait 60 "Seconds any one wait may take.")

(load (expand-file-name "../asyncbook-eglot.el" abt-dir) nil t)
(require 'go-mode)

(defun abt-wait (what pred &optional seconds)
  "Process events until PRED holds, or fail after SECONDS naming WHAT."
  (let ((deadline (+ (float-time) (or seconds abt-wait))))
    (while (and (not (funcall pred)) (< (float-time) deadline))
      (accept-process-output nil 0.05))
    (or (funcall pred)
        (ert-fail (format "timed out after %ss waiting for %s"
                          (or seconds abt-wait) what)))))

(defun abt-run (program &rest args)
  "Run PROGRAM with ARGS in `default-directory'; fail unless it exits 0."
  (with-temp-buffer
    (let ((status (apply #'call-process program nil t nil args)))
      (unless (eq status 0)
        (ert-fail (format "%s %s exited %s:\n%s" program
                          (string-join args " ") status (buffer-string))))
      (buffer-string))))

(defun abt-make-workspace ()
  "A temporary asyncbook workspace with a practice copy; returns its root."
  (let ((ws (file-name-as-directory (make-temp-file "asyncbook-eglot-" t))))
    (copy-file (expand-file-name "go.mod" abt-repo) ws)
    (copy-file (expand-file-name "go.sum" abt-repo) ws)
    ;; The workbook's settings: practice copies take the strict profile.
    (copy-file (expand-file-name ".asyncbook.json" abt-repo) ws)
    (copy-directory (expand-file-name "exercises" abt-repo)
                    (expand-file-name "exercises" ws) nil t t)
    (let ((default-directory ws))
      (abt-run abt-bin "start" "batch-inference"))
    (copy-file (expand-file-name "../../nvim/test/testdata/stranded.go" abt-dir)
               (expand-file-name "practice/batchinference/stranded.go" ws))
    ws))

(defun abt-diags (&optional code)
  "Flymake's diagnostics in this buffer from asyncbook (with CODE)."
  (cl-loop for d in (flymake-diagnostics)
           for lsp = (cdr (assoc 'eglot-lsp-diag (flymake-diagnostic-data d)))
           when (and lsp
                     (equal (plist-get lsp :source) "asyncbook")
                     (or (null code) (equal (plist-get lsp :code) code)))
           collect d))

(defun abt-line-of (text)
  "The 1-based line of the first line containing TEXT."
  (save-excursion
    (goto-char (point-min))
    (unless (search-forward text nil t)
      (ert-fail (format "no line contains %S" text)))
    (line-number-at-pos)))

;;; The configuration, on its own.

(ert-deftest asyncbook-eglot-registers-for-go-modes ()
  (let ((eglot-server-programs eglot-server-programs))
    (asyncbook-eglot-setup)
    (should (equal (car eglot-server-programs)
                   '((go-mode go-ts-mode) . asyncbook-eglot-contact)))
    ;; Idempotent: a second setup does not add a second entry.
    (asyncbook-eglot-setup)
    (should (= 1 (cl-count 'asyncbook-eglot-contact eglot-server-programs
                           :key #'cdr)))))

(ert-deftest asyncbook-eglot-contact-chooses-by-workspace ()
  (let* ((tmp (file-name-as-directory (make-temp-file "asyncbook-contact-" t)))
         (ws (expand-file-name "ws/" tmp))
         (nested (expand-file-name "ws/analyzers/corpus/cases/" tmp))
         (other (expand-file-name "other/" tmp))
         (asyncbook-eglot-program "/opt/asyncbook")
         (asyncbook-eglot-analyzers nil)
         (asyncbook-eglot-fallback '("gopls")))
    (unwind-protect
        (progn
          (make-directory nested t)
          (make-directory other t)
          (with-temp-file (expand-file-name "go.mod" ws)
            (insert "module github.com/asyncbook/asyncbook\n\ngo 1.26\n"))
          ;; A nested module of its own: the workspace is still the one above.
          (with-temp-file (expand-file-name "go.mod" nested)
            (insert "module example.com/cases\n"))
          ;; A near miss: a module whose path only starts the same.
          (with-temp-file (expand-file-name "go.mod" other)
            (insert "module github.com/asyncbook/asyncbook-fork\n"))
          (let ((default-directory nested))
            (should (equal (asyncbook-eglot-workspace-root) ws))
            (should (equal (asyncbook-eglot-contact) '("/opt/asyncbook" "lsp"))))
          (let ((default-directory other))
            (should-not (asyncbook-eglot-workspace-root))
            (should (equal (asyncbook-eglot-contact) '("gopls")))
            (let ((asyncbook-eglot-fallback nil))
              (should (equal (asyncbook-eglot-contact) '("/opt/asyncbook" "lsp")))))
          (let ((default-directory ws)
                (asyncbook-eglot-analyzers '(("timerstop" . nil) ("chanleak" . t))))
            (should (equal (asyncbook-eglot-contact)
                           '("/opt/asyncbook" "lsp" :initializationOptions
                             (:asyncbook (:analyzers (:timerstop :json-false
                                                      :chanleak t)))))))
          (let ((default-directory ws)
                (asyncbook-eglot-profile "strict")
                (asyncbook-eglot-severity '(("chanleak" . "hint"))))
            (let ((opts (plist-get (cadr (member :initializationOptions (asyncbook-eglot-contact)))
                                   :asyncbook)))
              (should (hash-table-p (plist-get opts :analyzers))) ; {}
              (should (equal (plist-get opts :severity) '(:chanleak "hint")))
              (should (equal (plist-get opts :profile) "strict")))))
      (delete-directory tmp t))))

;;; The real thing: Eglot, Flymake and `asyncbook lsp'.

(ert-deftest asyncbook-eglot-end-to-end ()
  (should (file-executable-p abt-bin))
  (let* ((ws (abt-make-workspace))
         (file (expand-file-name "practice/batchinference/stranded.go" ws))
         (eglot-server-programs eglot-server-programs)
         (asyncbook-eglot-program abt-bin)
         ;; Sent as initializationOptions: timerstop's finding must not
         ;; show, chanleak's shows as a note (information).
         (asyncbook-eglot-analyzers (list (cons "timerstop" nil)))
         (asyncbook-eglot-severity (list (cons "chanleak" "information")))
         (eglot-sync-connect abt-wait)
         (eglot-connect-timeout abt-wait)
         ;; The test ends the server itself, below: no reconnecting.
         (eglot-autoreconnect nil)
         (inhibit-message t)
         (buf nil)
         (server nil)
         (ok nil))
    (asyncbook-eglot-setup)
    (unwind-protect
        (progn
          (setq buf (find-file-noselect file))
          (set-buffer buf)
          (should (eq major-mode 'go-mode))
          ;; M-x eglot: the contact is guessed from eglot-server-programs.
          (call-interactively #'eglot)
          (abt-wait "Eglot to connect"
                    (lambda () (and (eglot-current-server) eglot--managed-mode)))
          (setq server (eglot-current-server))
          (should (equal (plist-get (eglot--server-info server) :name) "asyncbook"))
          (should (equal (process-command (jsonrpc--process server))
                         (list abt-bin "lsp")))
          (flymake-start nil t)

          ;; The finding reaches Flymake, at the send.
          (abt-wait "an asyncbook chanleak diagnostic in Flymake"
                    (lambda () (abt-diags "chanleak")))
          (let ((d (car (abt-diags "chanleak"))))
            (should (= (line-number-at-pos (flymake-diagnostic-beg d))
                       (abt-line-of "res <- outcome{p, err}")))
            (should (string-match-p "asyncbook \\[chanleak\\]: .*unbuffered channel res"
                                    (flymake-diagnostic-text d)))
            (should (eq (flymake-diagnostic-type d) 'eglot-note)))
          ;; Findings of a file are published together: timerstop is off.
          (should-not (abt-diags "timerstop"))

          ;; Code actions at the finding: the quick fix and a hint.
          (let* ((d (car (abt-diags "chanleak")))
                 (actions (eglot-code-actions (flymake-diagnostic-beg d)
                                              (flymake-diagnostic-end d)))
                 (kinds (mapcar (lambda (a) (plist-get a :kind)) actions))
                 (hint (cl-find "quickfix.asyncbook.hint" actions
                                :key (lambda (a) (plist-get a :kind)) :test #'equal)))
            (should (member "quickfix" kinds))
            (should hint)
            (should (string-match-p "\\`Hint 1/[0-9]+: " (plist-get hint :title)))
            ;; The hint command, as asyncbook-eglot-hint runs it.
            (goto-char (flymake-diagnostic-beg d))
            (let ((res (asyncbook-eglot-hint)))
              (should (equal (plist-get res :n) 1))
              (should (> (plist-get res :total) 1))))

          ;; workspace/didChangeConfiguration switches timerstop back on.
          (asyncbook-eglot-set-analyzer "timerstop" t)
          (abt-wait "a timerstop diagnostic" (lambda () (abt-diags "timerstop")))
          (should (= (line-number-at-pos
                      (flymake-diagnostic-beg (car (abt-diags "timerstop"))))
                     (abt-line-of "t := time.NewTicker(d)")))

          ;; The quick fix, as M-x eglot-code-action-quickfix picks it.
          (let ((d (car (abt-diags "chanleak"))))
            (eglot-code-actions (flymake-diagnostic-beg d) (flymake-diagnostic-end d)
                                "quickfix" t))
          (should (save-excursion
                    (goto-char (point-min))
                    (search-forward "res := make(chan outcome, 1)" nil t)))
          ;; Eglot sends the change from an idle timer, which batch Emacs
          ;; never runs: send it as that timer would.
          (eglot--signal-textDocument/didChange)
          (abt-wait "the chanleak diagnostic to clear"
                    (lambda () (null (abt-diags "chanleak"))))
          (should (abt-diags "timerstop"))

          ;; The guide command answers with the guide's file.
          (let ((res (asyncbook-eglot--execute 'asyncbook.openGuide)))
            (should (equal (asyncbook-eglot--uri-to-path (plist-get res :uri))
                           (expand-file-name "exercises/batchinference/guide.md" ws))))

          ;; The exercise check runs the property suite on the practice
          ;; copy (the file on disk): the sequential Solve fails.
          (let (res)
            (asyncbook-eglot-check (lambda (r) (setq res (or r :null))))
            (abt-wait "the exercise check" (lambda () res) 600)
            (should-not (plist-get res :error))
            (should (eq (plist-get res :passed) :json-false))
            (should (string-match-p "properties pass" (plist-get res :summary))))

          ;; shutdown, then exit: the server ends by itself with status 0.
          ;; (eglot-shutdown sends the same two messages, but Emacs 28's
          ;; jsonrpc deletes the process right after exit, so its status
          ;; would be a signal whatever the server did.)
          (let ((proc (jsonrpc--process server)))
            (should-not (jsonrpc-request server :shutdown nil :timeout abt-wait))
            (jsonrpc-notify server :exit nil)
            (abt-wait "the server process to end"
                      (lambda () (memq (process-status proc) '(exit signal))))
            (should (eq (process-status proc) 'exit))
            (should (= (process-exit-status proc) 0))
            (abt-wait "Eglot to let go of the buffer"
                      (lambda () (null (eglot-current-server)))))
          (setq server nil ok t))
      (when (and server (jsonrpc-running-p server))
        (ignore-errors (eglot-shutdown server)))
      (when (buffer-live-p buf)
        (with-current-buffer buf (set-buffer-modified-p nil))
        (kill-buffer buf))
      (if ok
          (delete-directory ws t)
        (message "workspace kept for inspection: %s" ws)))))

(let* ((stats (ert-run-tests-batch t))
       (passed (ert-stats-completed-expected stats))
       (failed (- (ert-stats-total stats) passed)))
  (princ (format "%d passed, %d failed\n" passed failed))
  (kill-emacs (if (zerop failed) 0 1)))

;;; asyncbook-eglot-test.el ends here
