// Package registry lists asyncbook's analyzer suite in one place. The vet
// tool, the CLI's check and the language server all take the list from here,
// so the three can never disagree.
package registry

import (
	"sort"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/copylock"
	"golang.org/x/tools/go/analysis/passes/lostcancel"
	"golang.org/x/tools/go/analysis/passes/waitgroup"

	"github.com/asyncbook/asyncbook/analyzers/busyselect"
	"github.com/asyncbook/asyncbook/analyzers/chanleak"
	"github.com/asyncbook/asyncbook/analyzers/ctxcancel"
	"github.com/asyncbook/asyncbook/analyzers/ctxprop"
	"github.com/asyncbook/asyncbook/analyzers/droppederr"
	"github.com/asyncbook/asyncbook/analyzers/lockblock"
	"github.com/asyncbook/asyncbook/analyzers/timerstop"
	"github.com/asyncbook/asyncbook/analyzers/unboundedgo"
	"github.com/asyncbook/asyncbook/analyzers/wgmisuse"
)

// Ours returns asyncbook's own analyzers, one per antipattern.
func Ours() []*analysis.Analyzer {
	return []*analysis.Analyzer{
		unboundedgo.Analyzer,
		ctxcancel.Analyzer,
		ctxprop.Analyzer,
		chanleak.Analyzer,
		wgmisuse.Analyzer,
		lockblock.Analyzer,
		timerstop.Analyzer,
		droppederr.Analyzer,
		busyselect.Analyzer,
	}
}

// GoTeam returns the Go team's passes that belong in the same run.
func GoTeam() []*analysis.Analyzer {
	return []*analysis.Analyzer{lostcancel.Analyzer, waitgroup.Analyzer, copylock.Analyzer}
}

// All returns the whole suite: asyncbook's analyzers, then the Go team's.
func All() []*analysis.Analyzer {
	return append(Ours(), GoTeam()...)
}

// Names returns the names of the whole suite, sorted.
func Names() []string {
	var out []string
	for _, a := range All() {
		out = append(out, a.Name)
	}
	sort.Strings(out)
	return out
}

// Lookup returns the analyzer of the suite with the given name, or nil.
func Lookup(name string) *analysis.Analyzer {
	for _, a := range All() {
		if a.Name == name {
			return a
		}
	}
	return nil
}

// Select returns the analyzers of the suite that enabled allows, in order.
// enabled maps analyzer names to on/off; names it lacks are on.
func Select(enabled map[string]bool) []*analysis.Analyzer {
	var out []*analysis.Analyzer
	for _, a := range All() {
		if on, ok := enabled[a.Name]; ok && !on {
			continue
		}
		out = append(out, a)
	}
	return out
}
