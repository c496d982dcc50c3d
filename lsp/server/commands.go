package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/asyncbook/asyncbook/lsp/catalog"
	"github.com/asyncbook/asyncbook/lsp/documents"
	"github.com/asyncbook/asyncbook/lsp/explain"
)

// HintResult is what the hint command returns (and shows).
type HintResult struct {
	N     int    `json:"n"`
	Total int    `json:"total"`
	Title string `json:"title"`
	Body  string `json:"body"`
}

// CheckResult is what the check command returns.
type CheckResult struct {
	Passed   bool   `json:"passed"`
	Summary  string `json:"summary"`
	Problems int    `json:"problems"`
}

func (s *Server) executeCommand(ctx context.Context, params json.RawMessage) (any, error) {
	var p protocol.ExecuteCommandParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	var args CommandArgs
	if len(p.Arguments) > 0 {
		raw, err := json.Marshal(p.Arguments[0])
		if err == nil {
			err = json.Unmarshal(raw, &args)
		}
		if err != nil {
			return nil, jsonrpc2.NewError(jsonrpc2.InvalidParams, p.Command+": bad argument: "+err.Error())
		}
	}
	switch p.Command {
	case CmdHint:
		return s.showHint(args)
	case CmdOpenGuide:
		return s.openGuide(ctx, args)
	case CmdCheckExercise:
		return s.checkExercise(ctx, args, p.WorkDoneToken)
	default:
		return nil, jsonrpc2.NewError(jsonrpc2.InvalidParams, "unknown command "+p.Command)
	}
}

func (s *Server) showMessage(typ protocol.MessageType, msg string) {
	s.out.notify("window/showMessage", &protocol.ShowMessageParams{Type: typ, Message: msg})
}

// exerciseFor resolves a command's exercise from its URI.
func (s *Server) exerciseFor(args CommandArgs) (*catalog.Exercise, error) {
	path := documents.PathOf(args.URI)
	if path == "" {
		return nil, jsonrpc2.NewError(jsonrpc2.InvalidParams, "the command needs the uri of a file of the exercise")
	}
	ex, ok := s.opts.Catalog.ExerciseFor(path)
	if !ok || (args.Exercise != "" && ex.Slug != args.Exercise) {
		return nil, jsonrpc2.NewError(jsonrpc2.InvalidParams, fmt.Sprintf("%s is not a file of exercise %q", path, args.Exercise))
	}
	return ex, nil
}

func (s *Server) showHint(args CommandArgs) (any, error) {
	if args.Exercise == "" && args.Analyzer == "" && s.opts.Catalog != nil {
		// Only a file: its exercise's hints, so editors can bind the
		// command without knowing exercise names.
		if ex, ok := s.opts.Catalog.ExerciseFor(documents.PathOf(args.URI)); ok {
			args.Exercise = ex.Slug
		}
	}
	switch {
	case args.Exercise != "":
		ex, err := s.exerciseFor(args)
		if err != nil {
			return nil, err
		}
		if len(ex.Hints) == 0 {
			return nil, jsonrpc2.NewError(jsonrpc2.InvalidParams, "hint: there are no hints")
		}
		// The workbook steps and records it, as `asyncbook hint` does: file
		// I/O, so no lock is held.
		h, err := s.opts.Catalog.NextHint(documents.PathOf(args.URI))
		if err != nil {
			return nil, fmt.Errorf("hint: %w", err)
		}
		s.showMessage(protocol.MessageTypeInfo, hintTitle(h.N, len(ex.Hints), h.Title)+"\n\n"+h.Body)
		return HintResult{N: h.N, Total: len(ex.Hints), Title: h.Title, Body: h.Body}, nil
	case args.Analyzer != "":
		a := s.opts.Lookup(args.Analyzer)
		if a == nil {
			return nil, jsonrpc2.NewError(jsonrpc2.InvalidParams, "no analyzer named "+args.Analyzer)
		}
		hints := explain.Parse(a).Hints()
		if len(hints) == 0 {
			return nil, jsonrpc2.NewError(jsonrpc2.InvalidParams, "hint: there are no hints")
		}
		n := s.takeHint(analyzerKey(a.Name), len(hints))
		h := hints[n-1]
		s.showMessage(protocol.MessageTypeInfo, hintTitle(n, len(hints), h.Title)+"\n\n"+h.Body)
		return HintResult{N: n, Total: len(hints), Title: h.Title, Body: h.Body}, nil
	default:
		return nil, jsonrpc2.NewError(jsonrpc2.InvalidParams, "hint: name an exercise or an analyzer")
	}
}

// openGuide opens the interview guide of the exercise of args.URI. A guide
// path, if given, must be that exercise's guide: the command opens guides
// of the catalog, nothing else.
func (s *Server) openGuide(ctx context.Context, args CommandArgs) (any, error) {
	ex, err := s.exerciseFor(args)
	if err != nil {
		return nil, err
	}
	path := ex.GuidePath
	if path == "" {
		return nil, jsonrpc2.NewError(jsonrpc2.InvalidParams, "the exercise has no interview guide")
	}
	if args.Guide != "" && (!filepath.IsAbs(args.Guide) || filepath.Clean(args.Guide) != filepath.Clean(path)) {
		return nil, jsonrpc2.NewError(jsonrpc2.InvalidParams, fmt.Sprintf("%q is not the interview guide of exercise %q: openGuide opens only the guides of the exercises", args.Guide, ex.Slug))
	}
	target := uri.File(path)
	s.mu.Lock()
	canShow := s.caps.Window != nil && s.caps.Window.ShowDocument != nil && s.caps.Window.ShowDocument.Support
	s.mu.Unlock()
	if canShow {
		var res protocol.ShowDocumentResult
		if _, err := s.conn.Call(ctx, "window/showDocument", &protocol.ShowDocumentParams{URI: target, TakeFocus: true}, &res); err != nil {
			return nil, fmt.Errorf("ask the editor to show %s: %w", path, err)
		}
		if res.Success {
			return map[string]any{"uri": target}, nil
		}
	}
	s.showMessage(protocol.MessageTypeInfo, "Interview guide: "+path)
	return map[string]any{"uri": target}, nil
}

// progressReporter sends $/progress for one token, or nothing.
type progressReporter struct {
	s     *Server
	token json.RawMessage // nil: no progress
}

type progressParams struct {
	Token json.RawMessage `json:"token"`
	Value any             `json:"value"`
}

func (p progressReporter) send(value any) {
	if p.token != nil {
		p.s.out.notify("$/progress", &progressParams{Token: p.token, Value: value})
	}
}

// newProgress picks the token: the client's workDoneToken, or one the
// server creates when the client supports it.
func (s *Server) newProgress(ctx context.Context, clientToken *protocol.ProgressToken) progressReporter {
	if clientToken != nil {
		if raw, err := json.Marshal(clientToken); err == nil {
			return progressReporter{s: s, token: raw}
		}
	}
	s.mu.Lock()
	supported := s.caps.Window != nil && s.caps.Window.WorkDoneProgress
	s.tokenSeq++
	token := fmt.Sprintf("asyncbook-check-%d", s.tokenSeq)
	s.mu.Unlock()
	if !supported {
		return progressReporter{s: s}
	}
	raw, _ := json.Marshal(token)
	if _, err := s.conn.Call(ctx, "window/workDoneProgress/create", map[string]json.RawMessage{"token": raw}, nil); err != nil {
		s.opts.Logf("create progress: %v", err)
		return progressReporter{s: s}
	}
	return progressReporter{s: s, token: raw}
}

func (s *Server) checkExercise(ctx context.Context, args CommandArgs, token *protocol.ProgressToken) (any, error) {
	if s.isUntrusted() {
		return nil, jsonrpc2.NewError(jsonrpc2.InvalidRequest, "the workspace is not trusted: checking an exercise builds and runs its code")
	}
	ex, err := s.exerciseFor(args)
	if err != nil {
		return nil, err
	}
	if err := s.inWorkspace(documents.PathOf(args.URI)); err != nil {
		return nil, err
	}
	settings := s.currentSettings()
	if args.Settings != nil {
		st, err := args.Settings.driverSettings()
		if err != nil {
			return nil, jsonrpc2.NewError(jsonrpc2.InvalidParams, "settings: "+err.Error())
		}
		settings = settings.With(st)
	}
	progress := s.newProgress(ctx, token)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if progress.token != nil {
		key := string(progress.token)
		s.mu.Lock()
		s.progress[key] = cancel
		s.mu.Unlock()
		defer func() {
			s.mu.Lock()
			delete(s.progress, key)
			s.mu.Unlock()
		}()
	}
	progress.send(&protocol.WorkDoneProgressBegin{Kind: protocol.WorkDoneProgressKindBegin, Title: "Checking " + ex.Title, Cancellable: true})
	res, err := s.opts.Catalog.Check(ctx, documents.PathOf(args.URI), catalog.CheckOptions{Settings: settings, Progress: func(step string, percent int) {
		progress.send(&protocol.WorkDoneProgressReport{Kind: protocol.WorkDoneProgressKindReport, Message: step, Percentage: uint32(max(0, min(percent, 100)))})
	}})
	if err != nil {
		progress.send(&protocol.WorkDoneProgressEnd{Kind: protocol.WorkDoneProgressKindEnd, Message: "check did not run"})
		if errors.Is(err, context.Canceled) || ctx.Err() != nil {
			return nil, jsonrpc2.NewError(requestCancelled, "check cancelled")
		}
		return nil, fmt.Errorf("check %s: %w", ex.Slug, err)
	}
	progress.send(&protocol.WorkDoneProgressEnd{Kind: protocol.WorkDoneProgressKindEnd, Message: res.Summary})
	s.setCheckProblems(res.Problems)
	typ := protocol.MessageTypeInfo
	if !res.Passed {
		typ = protocol.MessageTypeWarning
	}
	s.showMessage(typ, fmt.Sprintf("%s: %s", ex.Title, res.Summary))
	return CheckResult{Passed: res.Passed, Summary: res.Summary, Problems: len(res.Problems)}, nil
}

// setCheckProblems replaces the last check's problems and publishes the
// files whose diagnostics changed.
func (s *Server) setCheckProblems(problems []catalog.Problem) {
	open, closed := s.checkItems(problems)
	s.diagMu.Lock()
	defer s.diagMu.Unlock()
	touched := map[protocol.DocumentURI]bool{}
	for u := range s.checks {
		touched[u] = true
	}
	for u := range s.diskChecks {
		touched[u] = true
	}
	for u := range open {
		touched[u] = true
	}
	for u := range closed {
		touched[u] = true
	}
	s.checks, s.diskChecks = open, closed
	for u := range touched {
		s.publishLocked(u)
	}
}

// inWorkspace refuses a path outside the workspace folders the client
// declared: checking an exercise builds and runs its code.
func (s *Server) inWorkspace(path string) error {
	s.mu.Lock()
	folders := append([]string(nil), s.folders...)
	s.mu.Unlock()
	if path == "" {
		return jsonrpc2.NewError(jsonrpc2.InvalidParams, "the command needs the uri of a file of the exercise")
	}
	real := resolve(path) // a link inside a folder may lead out of it
	for _, f := range folders {
		if isWithin(resolve(f), real) {
			return nil
		}
	}
	if len(folders) == 0 {
		return jsonrpc2.NewError(jsonrpc2.InvalidRequest, "the editor declared no workspace folder: checking an exercise builds and runs its code, so it is done only inside one")
	}
	return jsonrpc2.NewError(jsonrpc2.InvalidRequest, fmt.Sprintf("%s is outside the workspace folders (%s): checking an exercise builds and runs its code, so it is done only inside them", path, strings.Join(folders, ", ")))
}

// resolve returns path with its symbolic links resolved, as far as it
// exists.
func resolve(path string) string {
	if r, err := filepath.EvalSymlinks(path); err == nil {
		return r
	}
	return path
}

// isWithin reports whether path is dir or below it.
func isWithin(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../") && !filepath.IsAbs(rel)
}

// isUntrusted reports whether the client marked the workspace untrusted.
func (s *Server) isUntrusted() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.untrusted
}
