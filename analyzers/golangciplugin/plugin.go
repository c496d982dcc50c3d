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
//	          analyzers: {busyselect: false}   # optional: turn analyzers off
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

	"github.com/asyncbook/asyncbook/analyzers/registry"
)

// Name is the linter's name in golangci-lint's configuration.
const Name = "asyncbook"

func init() {
	register.Plugin(Name, New)
}

// Settings are the plugin's settings in .golangci.yml.
type Settings struct {
	// Analyzers turns analyzers on (true) or off (false) by name; the ones
	// it does not name are on.
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
	ours := map[string]bool{}
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

// BuildAnalyzers returns asyncbook's analyzers that the settings leave on.
func (p *Plugin) BuildAnalyzers() ([]*analysis.Analyzer, error) {
	var out []*analysis.Analyzer
	for _, a := range registry.Ours() {
		if on, ok := p.settings.Analyzers[a.Name]; ok && !on {
			continue
		}
		out = append(out, a)
	}
	if len(out) == 0 {
		return nil, errors.New("asyncbook plugin: every analyzer is turned off")
	}
	return out, nil
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
