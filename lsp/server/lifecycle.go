package server

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"golang.org/x/tools/go/analysis"
)

// The commands the server executes.
const (
	CmdCheckExercise = "asyncbook.checkExercise"
	CmdHint          = "asyncbook.hint"
	CmdOpenGuide     = "asyncbook.openGuide"
)

// Code action kinds beyond quickfix: hints and the guide show with the
// quick fixes, where a learner looks.
const (
	KindHint  protocol.CodeActionKind = "quickfix.asyncbook.hint"
	KindGuide protocol.CodeActionKind = "quickfix.asyncbook.guide"
)

// Settings are the client's configuration, from initializationOptions or
// didChangeConfiguration, either at the top level or under "asyncbook".
type Settings struct {
	// Analyzers turns analyzers on (true) and off (false) by name; those
	// not named are on.
	Analyzers map[string]bool `json:"analyzers,omitempty"`
	// DebounceMS is the pause after an edit before analysing.
	DebounceMS *int `json:"debounceMs,omitempty"`
	// Trusted false marks an untrusted workspace: exercise checks, which
	// build and run the workspace's code, are refused. Analysis runs none
	// of it and goes on.
	Trusted *bool `json:"trusted,omitempty"`
}

func parseSettings(raw json.RawMessage) (*Settings, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var wrapped struct {
		Asyncbook *Settings `json:"asyncbook"`
	}
	if err := json.Unmarshal(raw, &wrapped); err == nil && wrapped.Asyncbook != nil {
		return wrapped.Asyncbook, nil
	}
	var st Settings
	if err := json.Unmarshal(raw, &st); err != nil {
		return nil, fmt.Errorf("decode settings: %w", err)
	}
	return &st, nil
}

// applySettingsLocked applies st; s.mu is held.
func (s *Server) applySettingsLocked(st *Settings) {
	if st == nil {
		return
	}
	if st.Analyzers != nil {
		s.enabled = map[string]bool{}
		for name, on := range st.Analyzers {
			if s.opts.Lookup(name) == nil {
				s.opts.Logf("settings: no analyzer named %q", name)
			}
			s.enabled[name] = on
		}
	}
	if st.Trusted != nil {
		s.untrusted = !*st.Trusted
	}
	if st.DebounceMS != nil && *st.DebounceMS >= 0 {
		s.debounce = time.Duration(*st.DebounceMS) * time.Millisecond
	}
}

// analyzers returns the suite as configured.
func (s *Server) analyzers() []*analysis.Analyzer {
	s.mu.Lock()
	enabled := make(map[string]bool, len(s.enabled))
	for k, v := range s.enabled {
		enabled[k] = v
	}
	s.mu.Unlock()
	return s.opts.Analyzers(enabled)
}

// initializeLocked handles initialize; s.mu is held.
func (s *Server) initializeLocked(params json.RawMessage) (any, error) {
	var p struct {
		Capabilities          protocol.ClientCapabilities `json:"capabilities"`
		InitializationOptions json.RawMessage             `json:"initializationOptions"`
	}
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	st, err := parseSettings(p.InitializationOptions)
	if err != nil {
		return nil, jsonrpc2.NewError(jsonrpc2.InvalidParams, "initializationOptions: "+err.Error())
	}
	s.applySettingsLocked(st)
	s.caps = p.Capabilities
	s.initialized = true
	return &protocol.InitializeResult{
		Capabilities: capabilities(),
		ServerInfo:   &protocol.ServerInfo{Name: "asyncbook", Version: s.opts.Version},
	}, nil
}

// capabilities advertises exactly what the server implements.
func capabilities() protocol.ServerCapabilities {
	return protocol.ServerCapabilities{
		TextDocumentSync: &protocol.TextDocumentSyncOptions{
			OpenClose: true,
			Change:    protocol.TextDocumentSyncKindIncremental,
			Save:      &protocol.SaveOptions{IncludeText: false},
		},
		HoverProvider: true,
		CodeActionProvider: &protocol.CodeActionOptions{
			CodeActionKinds: []protocol.CodeActionKind{protocol.QuickFix, KindHint, KindGuide},
		},
		CodeLensProvider: &protocol.CodeLensOptions{ResolveProvider: false},
		ExecuteCommandProvider: &protocol.ExecuteCommandOptions{
			Commands: []string{CmdCheckExercise, CmdHint, CmdOpenGuide},
		},
	}
}

func (s *Server) didChangeConfiguration(params json.RawMessage) error {
	var p struct {
		Settings json.RawMessage `json:"settings"`
	}
	if err := json.Unmarshal(params, &p); err != nil {
		return fmt.Errorf("decode params: %w", err)
	}
	st, err := parseSettings(p.Settings)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.applySettingsLocked(st)
	s.mu.Unlock()
	s.reanalyseAll()
	return nil
}

// openDirs returns the directories of the open files, sorted.
func (s *Server) openDirs() []string {
	dirs := map[string]bool{}
	for _, d := range s.docs.All() {
		if d.Path != "" {
			dirs[dirOf(d.Path)] = true
		}
	}
	var out []string
	for d := range dirs {
		out = append(out, d)
	}
	sort.Strings(out)
	return out
}

// reanalyseAll schedules every directory with open files.
func (s *Server) reanalyseAll() {
	for _, dir := range s.openDirs() {
		s.schedule(dir, 0)
	}
}
