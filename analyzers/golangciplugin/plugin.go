// Package golangciplugin registers asyncbook's analyzers with golangci-lint
// v2's module plugin system, as the linter "asyncbook". Build a
// golangci-lint that includes it with `golangci-lint custom` (see
// editors/ci/golangci), then enable it in .golangci.yml:
//
//	linters:
//	  enable: [asyncbook]
//	  settings:
//	    custom:
//	      asyncbook:
//	        type: module
//	        description: async antipatterns (asyncbook)
//	        settings:
//	          profile: strict                  # optional: default or strict
//	          analyzers: {busyselect: false}   # optional: turn analyzers on or off
//
// The analyzers are those of asyncbook's driver (analyzers/driver), as
// asyncvet and go vet -vettool run them: the workspace's .asyncbook.json
// applies (these settings go on top of it), //asyncvet:ignore NAME reason
// silences a finding, and the linter's "ignore" analyzer reports directives
// that silence nothing. golangci-lint caches results without looking at
// .asyncbook.json: clear its cache (golangci-lint cache clean) after
// editing the file.
//
// Only asyncbook's own analyzers are in the plugin: the Go team's passes of
// the suite (lostcancel, waitgroup, copylocks) are already golangci-lint's,
// in govet.
package golangciplugin

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/golangci/plugin-module-register/register"
	"golang.org/x/tools/go/analysis"

	"github.com/asyncbook/asyncbook/analyzers/driver"
	"github.com/asyncbook/asyncbook/analyzers/registry"
)

// Name is the linter's name in golangci-lint's configuration.
const Name = "asyncbook"

func init() {
	register.Plugin(Name, New)
}

// Settings are the plugin's settings in .golangci.yml.
type Settings struct {
	// Profile is the set of analyzers to start from: default or strict
	// ("": the settings file's, else default).
	Profile string `json:"profile"`
	// Analyzers turns analyzers on (true) or off (false) by name, on top
	// of the profile.
	Analyzers map[string]bool `json:"analyzers"`
}

// Plugin is asyncbook's golangci-lint module plugin.
type Plugin struct {
	settings Settings
}

var _ register.LinterPlugin = (*Plugin)(nil)

// New reads the plugin's settings (nil when there are none) and checks
// that they name asyncbook's analyzers.
func New(conf any) (register.LinterPlugin, error) {
	s, err := register.DecodeSettings[Settings](conf)
	if err != nil {
		return nil, fmt.Errorf("asyncbook plugin settings: %w", err)
	}
	if _, err := registry.ParseProfile(s.Profile); err != nil {
		return nil, fmt.Errorf("asyncbook plugin settings: %w", err)
	}
	ours := map[string]bool{driver.IgnoreName: true}
	for _, a := range registry.Ours() {
		ours[a.Name] = true
	}
	for name := range s.Analyzers {
		switch {
		case ours[name]:
		case registry.Lookup(name) != nil:
			return nil, fmt.Errorf("asyncbook plugin settings: %s is one of the Go team's passes, which golangci-lint runs in govet: configure it under linters.settings.govet", name)
		default:
			return nil, fmt.Errorf("asyncbook plugin settings: unknown analyzer %q (asyncbook's analyzers: %s)", name, strings.Join(names(registry.Ours()), ", "))
		}
	}
	return &Plugin{settings: s}, nil
}

// BuildAnalyzers returns the driver's suite of asyncbook's analyzers: all
// of them, each reporting in the packages its settings turn it on in.
func (p *Plugin) BuildAnalyzers() ([]*analysis.Analyzer, error) {
	var entries []registry.Entry
	off := 0
	for _, e := range registry.Entries() {
		if !e.Ours {
			continue
		}
		entries = append(entries, e)
		if on, ok := p.settings.Analyzers[e.Analyzer.Name]; ok && !on {
			off++
		}
	}
	if off == len(entries) {
		return nil, errors.New("asyncbook plugin: every analyzer is turned off")
	}
	override := driver.Settings{Profile: registry.Profile(p.settings.Profile), Analyzers: p.settings.Analyzers}
	resolver := driver.NewResolver(entries, override, true)
	return driver.NewSuite(entries, resolver.For).Analyzers(), nil
}

// GetLoadMode asks for type information: the analyzers resolve callees and
// types, never identifier text.
func (p *Plugin) GetLoadMode() string { return register.LoadModeTypesInfo }

func names(as []*analysis.Analyzer) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Name)
	}
	sort.Strings(out)
	return out
}
