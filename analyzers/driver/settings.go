package driver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/asyncbook/asyncbook/analyzers/registry"
)

// SettingsFile is the workspace file every entry point reads its settings
// from: asyncvet, go vet -vettool, the golangci-lint plugin, the editor and
// asyncbook check. The file nearest a package's folder applies, looking up
// to the module's root (the folder of go.mod).
//
//	{
//	  "profile": "default",
//	  "analyzers": {"unboundedgo": false},
//	  "severity": {"droppederr": "hint"},
//	  "overrides": [{"dir": "practice", "profile": "strict"}]
//	}
//
// An override applies to the packages in its folder (relative to the
// file's) and below it, on top of the file's own settings, in order.
const SettingsFile = ".asyncbook.json"

// Settings choose the analyzers of a run and how loudly they report.
type Settings struct {
	// Profile is the set of analyzers to start from ("" leaves the one
	// below unchanged; the default profile when none says otherwise).
	Profile registry.Profile `json:"profile,omitempty"`
	// Analyzers turns analyzers on (true, even outside the profile) and
	// off (false) by name.
	Analyzers map[string]bool `json:"analyzers,omitempty"`
	// Severity overrides analyzers' default severities by name.
	Severity map[string]registry.Severity `json:"severity,omitempty"`
}

// With returns s with over's choices on top: its profile if it names one,
// and its analyzers and severities name by name.
func (s Settings) With(over Settings) Settings {
	out := Settings{Profile: s.Profile}
	if over.Profile != "" {
		out.Profile = over.Profile
	}
	if len(s.Analyzers)+len(over.Analyzers) > 0 {
		out.Analyzers = map[string]bool{}
		for k, v := range s.Analyzers {
			out.Analyzers[k] = v
		}
		for k, v := range over.Analyzers {
			out.Analyzers[k] = v
		}
	}
	if len(s.Severity)+len(over.Severity) > 0 {
		out.Severity = map[string]registry.Severity{}
		for k, v := range s.Severity {
			out.Severity[k] = v
		}
		for k, v := range over.Severity {
			out.Severity[k] = v
		}
	}
	return out
}

// IsZero reports whether s chooses nothing.
func (s Settings) IsZero() bool {
	return s.Profile == "" && len(s.Analyzers) == 0 && len(s.Severity) == 0
}

// Validate checks that s names known profiles, analyzers and severities.
func (s Settings) Validate() error {
	var errs []error
	if s.Profile != "" {
		if _, err := registry.ParseProfile(string(s.Profile)); err != nil {
			errs = append(errs, err)
		}
	}
	names := knownNames()
	for _, name := range sortedNames(s.Analyzers) {
		if !isKnown(name) {
			errs = append(errs, unknownAnalyzer("analyzers", name, names))
		}
	}
	for _, name := range sortedNames(s.Severity) {
		if !isKnown(name) {
			errs = append(errs, unknownAnalyzer("severity", name, names))
			continue
		}
		if _, err := registry.ParseSeverity(string(s.Severity[name])); err != nil {
			errs = append(errs, fmt.Errorf("severity of %s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}

// isKnown reports whether name is an analyzer of the suite or Ignore.
func isKnown(name string) bool { return name == IgnoreName || registry.Lookup(name) != nil }

// knownNames returns the names of the suite's analyzers and Ignore, sorted.
func knownNames() []string {
	out := append(registry.Names(), IgnoreName)
	sort.Strings(out)
	return out
}

func unknownAnalyzer(field, name string, names []string) error {
	if best := closest(name, names); best != "" {
		return fmt.Errorf("%s: unknown analyzer %q: did you mean %q?", field, name, best)
	}
	return fmt.Errorf("%s: unknown analyzer %q (known: %s)", field, name, strings.Join(names, ", "))
}

func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// File is the content of a settings file.
type File struct {
	Settings
	Overrides []Override `json:"overrides,omitempty"`
}

// Override is settings for the packages of one folder and below.
type Override struct {
	// Dir is the folder, relative to the settings file's, with slashes.
	Dir string `json:"dir"`
	Settings
}

// ParseFile parses and validates a settings file's content.
func ParseFile(data []byte) (*File, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f File
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if dec.More() {
		return nil, errors.New("decode: more than one JSON value")
	}
	errs := []error{f.Validate()}
	for i, o := range f.Overrides {
		clean := filepath.ToSlash(filepath.Clean(filepath.FromSlash(o.Dir)))
		switch {
		case o.Dir == "":
			errs = append(errs, fmt.Errorf("overrides[%d]: dir is missing", i))
		case filepath.IsAbs(filepath.FromSlash(o.Dir)) || clean == ".." || strings.HasPrefix(clean, "../"):
			errs = append(errs, fmt.Errorf("overrides[%d]: dir %q must be a folder below the settings file's", i, o.Dir))
		}
		f.Overrides[i].Dir = clean
		if err := o.Settings.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("overrides[%d] (%s): %w", i, o.Dir, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &f, nil
}

// For returns the settings the file gives the packages of dir, which lies
// in base (the file's folder) or below.
func (f *File) For(base, dir string) Settings {
	s := f.Settings
	rel, err := filepath.Rel(base, dir)
	if err != nil {
		return s
	}
	rel = filepath.ToSlash(rel)
	for _, o := range f.Overrides {
		if o.Dir == "." || rel == o.Dir || strings.HasPrefix(rel, o.Dir+"/") {
			s = s.With(o.Settings)
		}
	}
	return s
}

// Selection is what the packages of one folder run: which analyzers, at
// which severity.
type Selection struct {
	// Settings are the effective settings: the file's, then the
	// overrides.
	Settings Settings
	// File is the settings file that applied ("" for none).
	File     string
	on       map[string]bool
	severity map[string]registry.Severity
}

// Runs reports whether the selection runs the named analyzer.
func (s *Selection) Runs(name string) bool { return s.on[name] }

// Severity returns the named analyzer's severity.
func (s *Selection) Severity(name string) registry.Severity {
	if sev, ok := s.severity[name]; ok {
		return sev
	}
	return registry.Warning
}

func newSelection(entries []registry.Entry, st Settings, file string) *Selection {
	profile := st.Profile
	if profile == "" {
		profile = registry.Default
	}
	sel := &Selection{Settings: st, File: file, on: map[string]bool{}, severity: map[string]registry.Severity{}}
	for _, e := range entries {
		name := e.Analyzer.Name
		on, set := st.Analyzers[name]
		sel.on[name] = set && on || !set && profile.Includes(e.Profile)
		sel.severity[name] = e.Severity
		if sev, ok := st.Severity[name]; ok {
			sel.severity[name] = sev
		}
	}
	on, set := st.Analyzers[IgnoreName]
	sel.on[IgnoreName] = !set || on
	sel.severity[IgnoreName] = registry.Warning
	if sev, ok := st.Severity[IgnoreName]; ok {
		sel.severity[IgnoreName] = sev
	}
	return sel
}

// Resolver finds the selection of each folder: the nearest settings file,
// its overrides, then the caller's settings on top. It caches what it
// reads, so make one per run. It is safe for concurrent use.
type Resolver struct {
	entries  []registry.Entry
	override Settings
	useFiles bool

	mu    sync.Mutex
	files map[string]*parsedFile // by the folder looked up from
	sels  map[string]*Selection  // by folder
	errs  map[string]error       // by folder
}

type parsedFile struct {
	path string
	file *File
	err  error
}

// NewResolver returns a resolver over the suite's entries. override goes
// on top of the files; with useFiles false, it is all there is.
func NewResolver(entries []registry.Entry, override Settings, useFiles bool) *Resolver {
	return &Resolver{entries: entries, override: override, useFiles: useFiles,
		files: map[string]*parsedFile{}, sels: map[string]*Selection{}, errs: map[string]error{}}
}

// For returns the selection of the packages in dir. When the settings file
// that applies is broken, the error says why and the selection is the
// caller's settings alone.
func (r *Resolver) For(dir string) (*Selection, error) {
	dir = filepath.Clean(dir)
	r.mu.Lock()
	defer r.mu.Unlock()
	if sel, ok := r.sels[dir]; ok {
		return sel, r.errs[dir]
	}
	st, file, err := Settings{}, "", error(nil)
	if r.useFiles {
		if pf := r.lookupLocked(dir); pf != nil {
			file = pf.path
			if pf.err != nil {
				err = fmt.Errorf("settings file %s: %w", pf.path, pf.err)
			} else {
				st = pf.file.For(filepath.Dir(pf.path), dir)
			}
		}
	}
	sel := newSelection(r.entries, st.With(r.override), file)
	r.sels[dir], r.errs[dir] = sel, err
	return sel, err
}

// lookupLocked returns the settings file nearest dir, up to the module
// root, or nil.
func (r *Resolver) lookupLocked(dir string) *parsedFile {
	if pf, ok := r.files[dir]; ok {
		return pf
	}
	var pf *parsedFile
	path := filepath.Join(dir, SettingsFile)
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		pf = &parsedFile{path: path}
		pf.file, pf.err = ParseFile(data)
	case !errors.Is(err, fs.ErrNotExist):
		pf = &parsedFile{path: path, err: err}
	default:
		_, modErr := os.Stat(filepath.Join(dir, "go.mod"))
		if up := filepath.Dir(dir); modErr != nil && up != dir {
			pf = r.lookupLocked(up)
		}
	}
	r.files[dir] = pf
	return pf
}
