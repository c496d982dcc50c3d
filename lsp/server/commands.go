package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/asyncbook/asyncbook/lsp/catalog"
	"github.com/asyncbook/asyncbook/lsp/documents"
	"github.com/asyncbook/asyncbook/lsp/explain"
	"github.com/asyncbook/asyncbook/lsp/position"
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
	var hints []explain.Hint
	var take func(total int) int
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
		for _, h := range ex.Hints {
			hints = append(hints, explain.Hint{Title: h.Title, Body: h.Body})
		}
		path := documents.PathOf(args.URI)
		take = func(total int) int { return s.takeExerciseHint(path, total) }
	case args.Analyzer != "":
		a := s.opts.Lookup(args.Analyzer)
		if a == nil {
			return nil, jsonrpc2.NewError(jsonrpc2.InvalidParams, "no analyzer named "+args.Analyzer)
		}
		hints = explain.Parse(a).Hints()
		take = func(total int) int { return s.takeHint(analyzerKey(a.Name), total) }
	default:
		return nil, jsonrpc2.NewError(jsonrpc2.InvalidParams, "hint: name an exercise or an analyzer")
	}
	if len(hints) == 0 {
		return nil, jsonrpc2.NewError(jsonrpc2.InvalidParams, "hint: there are no hints")
	}
	n := take(len(hints))
	h := hints[n-1]
	s.showMessage(protocol.MessageTypeInfo, hintTitle(n, len(hints), h.Title)+"\n\n"+h.Body)
	return HintResult{N: n, Total: len(hints), Title: h.Title, Body: h.Body}, nil
}

func (s *Server) openGuide(ctx context.Context, args CommandArgs) (any, error) {
	path := args.Guide
	if path == "" {
		ex, err := s.exerciseFor(args)
		if err != nil {
			return nil, err
		}
		path = ex.GuidePath
	}
	if path == "" {
		return nil, jsonrpc2.NewError(jsonrpc2.InvalidParams, "the exercise has no interview guide")
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
	res, err := s.opts.Catalog.Check(ctx, documents.PathOf(args.URI), func(step string, percent int) {
		progress.send(&protocol.WorkDoneProgressReport{Kind: protocol.WorkDoneProgressKindReport, Message: step, Percentage: uint32(max(0, min(percent, 100)))})
	})
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

// setCheckProblems replaces the last check's diagnostics and publishes the
// files whose diagnostics changed.
func (s *Server) setCheckProblems(problems []catalog.Problem) {
	next := map[protocol.DocumentURI][]protocol.Diagnostic{}
	mappers := map[string]*position.Mapper{}
	for _, p := range problems {
		m := mappers[p.File]
		if m == nil {
			if d, ok := s.docs.ByPath(p.File); ok {
				m = d.Mapper
			} else if src, err := os.ReadFile(p.File); err == nil {
				m = position.NewMapper(string(src))
			} else {
				s.opts.Logf("check: %v", err)
				continue
			}
			mappers[p.File] = m
		}
		d := protocol.Diagnostic{
			Range:    problemRange(m, p.Line, p.Col),
			Severity: protocol.DiagnosticSeverityError,
			Code:     p.Code,
			Source:   Source,
			Message:  p.Message,
		}
		for _, r := range p.Related {
			rm := mappers[r.File]
			if rm == nil {
				if src, err := os.ReadFile(r.File); err == nil {
					rm = position.NewMapper(string(src))
					mappers[r.File] = rm
				} else {
					continue
				}
			}
			d.RelatedInformation = append(d.RelatedInformation, protocol.DiagnosticRelatedInformation{
				Location: protocol.Location{URI: s.uriOf(r.File), Range: problemRange(rm, r.Line, 0)},
				Message:  r.Message,
			})
		}
		u := s.uriOf(p.File)
		next[u] = append(next[u], d)
	}
	s.diagMu.Lock()
	defer s.diagMu.Unlock()
	touched := map[protocol.DocumentURI]bool{}
	for u := range s.checks {
		touched[u] = true
	}
	for u := range next {
		touched[u] = true
	}
	s.checks = next
	for u := range touched {
		s.publishLocked(u)
	}
}

// problemRange is the range of a 1-based line and byte column: the word at
// the column, or the line's text without its indentation for column 0.
func problemRange(m *position.Mapper, line, col int) protocol.Range {
	if line < 1 {
		line = 1
	}
	start := m.Offset(protocol.Position{Line: uint32(line - 1)})
	end := m.Offset(protocol.Position{Line: uint32(line - 1), Character: 1 << 30})
	text := m.Text()
	if col > 0 && start+col-1 <= end {
		s := start + col - 1
		e := s
		for e < end {
			r, size := utf8.DecodeRuneInString(text[e:])
			if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '.') {
				break
			}
			e += size
		}
		if e == s {
			e = min(s+1, end)
		}
		return m.Range(s, e)
	}
	lineText := text[start:end]
	trimmed := strings.TrimLeft(lineText, " \t")
	return m.Range(start+len(lineText)-len(trimmed), end)
}

// isUntrusted reports whether the client marked the workspace untrusted.
func (s *Server) isUntrusted() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.untrusted
}
