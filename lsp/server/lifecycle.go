package server

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/asyncbook/asyncbook/analyzers/driver"
	"github.com/asyncbook/asyncbook/analyzers/registry"
	"github.com/asyncbook/asyncbook/lsp/documents"
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
// The analyzer settings go on top of the workspace's .asyncbook.json, for
// the editor's analysis and for the checks it asks for.
type Settings struct {
	// Analyzers turns analyzers on (true, even outside the profile) and
	// off (false) by name.
	Analyzers map[string]bool `json:"analyzers,omitempty"`
	// Profile is the analyzers to start from: "default" or "strict"
	// ("": the settings file's, else default).
	Profile string `json:"profile,omitempty"`
	// Severity overrides analyzers' severities by name: "warning",
	// "information" or "hint".
	Severity map[string]string `json:"severity,omitempty"`
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

// driverSettings converts st's analyzer settings, checking the names.
func (st *Settings) driverSettings() (driver.Settings, error) {
	out := driver.Settings{Profile: registry.Profile(st.Profile), Analyzers: st.Analyzers}
	if len(st.Severity) > 0 {
		out.Severity = map[string]registry.Severity{}
		for name, sev := range st.Severity {
			out.Severity[name] = registry.Severity(sev)
		}
	}
	return out, out.Validate()
}

// applySettingsLocked applies st; s.mu is held. Settings that name unknown
// analyzers, profiles or severities are logged and the rest applies.
func (s *Server) applySettingsLocked(st *Settings) {
	if st == nil {
		return
	}
	ds, err := st.driverSettings()
	if err != nil {
		s.opts.Logf("settings: %v", err)
	}
	if st.Analyzers != nil {
		s.settings.Analyzers = ds.Analyzers
	}
	if _, perr := registry.ParseProfile(st.Profile); perr == nil {
		s.settings.Profile = ds.Profile
	}
	if st.Severity != nil {
		s.settings.Severity = map[string]registry.Severity{}
		for name, sev := range ds.Severity {
			if _, serr := registry.ParseSeverity(string(sev)); serr == nil {
				s.settings.Severity[name] = sev
			}
		}
	}
	if st.Trusted != nil {
		s.untrusted = !*st.Trusted
	}
	if st.DebounceMS != nil && *st.DebounceMS >= 0 {
		s.debounce = time.Duration(*st.DebounceMS) * time.Millisecond
	}
}

// currentSettings returns the client's analyzer settings.
func (s *Server) currentSettings() driver.Settings {
	s.mu.Lock()
	defer s.mu.Unlock()
	return driver.Settings{}.With(s.settings) // a copy
}

// initializeLocked handles initialize; s.mu is held.
func (s *Server) initializeLocked(params json.RawMessage) (any, error) {
	var p struct {
		Capabilities          protocol.ClientCapabilities `json:"capabilities"`
		InitializationOptions json.RawMessage             `json:"initializationOptions"`
		WorkspaceFolders      []protocol.WorkspaceFolder  `json:"workspaceFolders"`
		RootURI               protocol.DocumentURI        `json:"rootUri"`
		RootPath              string                      `json:"rootPath"`
	}
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	// The folders the client opened: workspaceFolders, else the older
	// rootUri, else rootPath.
	for _, f := range p.WorkspaceFolders {
		if path := documents.PathOf(protocol.DocumentURI(f.URI)); path != "" {
			s.folders = append(s.folders, path)
		}
	}
	if len(p.WorkspaceFolders) == 0 {
		if path := documents.PathOf(p.RootURI); path != "" {
			s.folders = append(s.folders, path)
		} else if filepath.IsAbs(p.RootPath) {
			s.folders = append(s.folders, filepath.Clean(p.RootPath))
		}
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
		Workspace: &protocol.ServerCapabilitiesWorkspace{
			WorkspaceFolders: &protocol.ServerCapabilitiesWorkspaceFolders{Supported: true, ChangeNotifications: true},
		},
	}
}

func (s *Server) didChangeWorkspaceFolders(params json.RawMessage) error {
	var p protocol.DidChangeWorkspaceFoldersParams
	if err := json.Unmarshal(params, &p); err != nil {
		return fmt.Errorf("decode params: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range p.Event.Removed {
		path := documents.PathOf(protocol.DocumentURI(f.URI))
		for i, g := range s.folders {
			if g == path {
				s.folders = append(s.folders[:i], s.folders[i+1:]...)
				break
			}
		}
	}
	for _, f := range p.Event.Added {
		if path := documents.PathOf(protocol.DocumentURI(f.URI)); path != "" {
			s.folders = append(s.folders, path)
		}
	}
	return nil
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
