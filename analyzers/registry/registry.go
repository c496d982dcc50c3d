// Package registry lists asyncbook's analyzer suite in one place, with each
// analyzer's profile and default severity. Every driver (asyncvet, the vet
// tool, the CLI's check and grade, the language server, the golangci-lint
// plugin) takes the list from here, so they can never disagree.
package registry

import (
	"fmt"
	"sort"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/copylock"
	"golang.org/x/tools/go/analysis/passes/lostcancel"
	"golang.org/x/tools/go/analysis/passes/waitgroup"

	"github.com/asyncbook/asyncbook/analyzers/busyselect"
	"github.com/asyncbook/asyncbook/analyzers/chanleak"
	"github.com/asyncbook/asyncbook/analyzers/condsignal"
	"github.com/asyncbook/asyncbook/analyzers/ctxcancel"
	"github.com/asyncbook/asyncbook/analyzers/ctxprop"
	"github.com/asyncbook/asyncbook/analyzers/doublelock"
	"github.com/asyncbook/asyncbook/analyzers/droppederr"
	"github.com/asyncbook/asyncbook/analyzers/lockblock"
	"github.com/asyncbook/asyncbook/analyzers/lockleak"
	"github.com/asyncbook/asyncbook/analyzers/lockorder"
	"github.com/asyncbook/asyncbook/analyzers/timerstop"
	"github.com/asyncbook/asyncbook/analyzers/unboundedgo"
	"github.com/asyncbook/asyncbook/analyzers/wgmisuse"
)

// Profile names a set of analyzers. Each analyzer belongs to the narrowest
// profile that holds it; a wider profile holds the narrower ones too.
type Profile string

const (
	// Default holds the rules that are precise on code nobody here wrote
	// (measured on the real-code benchmark, bench/realcode): what asyncvet,
	// go vet -vettool and the editor run unless told otherwise.
	Default Profile = "default"
	// Strict adds rules that teach learners but are noisier on real code.
	Strict Profile = "strict"
)

// Profiles lists the profiles from narrowest to widest.
var Profiles = []Profile{Default, Strict}

// ParseProfile returns the profile named s ("" is Default).
func ParseProfile(s string) (Profile, error) {
	if s == "" {
		return Default, nil
	}
	for _, p := range Profiles {
		if string(p) == s {
			return p, nil
		}
	}
	return "", fmt.Errorf("unknown profile %q (known: %s)", s, joinProfiles())
}

func joinProfiles() string {
	var names []string
	for _, p := range Profiles {
		names = append(names, string(p))
	}
	return strings.Join(names, ", ")
}

// Includes reports whether profile p holds the analyzers of profile q.
func (p Profile) Includes(q Profile) bool { return rank(p) >= rank(q) }

func rank(p Profile) int {
	for i, q := range Profiles {
		if p == q {
			return i
		}
	}
	return -1
}

// Severity is how loudly a finding is shown by default.
type Severity string

const (
	Warning     Severity = "warning"
	Information Severity = "information"
	Hint        Severity = "hint"
)

// ParseSeverity returns the severity named s.
func ParseSeverity(s string) (Severity, error) {
	switch Severity(s) {
	case Warning, Information, Hint:
		return Severity(s), nil
	}
	return "", fmt.Errorf("unknown severity %q (known: warning, information, hint)", s)
}

// Entry is one analyzer of the suite with its place in it.
type Entry struct {
	Analyzer *analysis.Analyzer
	// Ours is true for asyncbook's analyzers, false for the Go team's.
	Ours     bool
	Profile  Profile
	Severity Severity
}

// Entries returns the whole suite in order: asyncbook's analyzers, then the
// Go team's.
//
// The profiles follow the real-code benchmark (bench/realcode,
// docs/reports/realcode.md), where every finding has a verdict: the default
// profile holds the rules whose findings there are mostly real or
// debatable, the lock rules (lockblock, lockleak, doublelock, lockorder;
// docs/reports/locks.md) among them. The others teach learners but are too
// noisy on code nobody here wrote, and run with -profile=strict (and in
// learners' practice files): ctxprop (context.Background for logging and
// detached work), unboundedgo (fan-outs bounded by their input), chanleak
// (channels whose other side is out of sight), droppederr (best-effort
// clean-up after cancellation) and the Go team's lostcancel (cancel
// functions called through closures it cannot see; go vet runs it anyway).
func Entries() []Entry {
	return []Entry{
		{Analyzer: unboundedgo.Analyzer, Ours: true, Profile: Strict, Severity: Warning},
		{Analyzer: ctxcancel.Analyzer, Ours: true, Profile: Default, Severity: Warning},
		{Analyzer: ctxprop.Analyzer, Ours: true, Profile: Strict, Severity: Warning},
		{Analyzer: chanleak.Analyzer, Ours: true, Profile: Strict, Severity: Warning},
		{Analyzer: wgmisuse.Analyzer, Ours: true, Profile: Default, Severity: Warning},
		{Analyzer: condsignal.Analyzer, Ours: true, Profile: Default, Severity: Warning},
		{Analyzer: lockblock.Analyzer, Ours: true, Profile: Default, Severity: Warning},
		{Analyzer: lockleak.Analyzer, Ours: true, Profile: Default, Severity: Warning},
		{Analyzer: doublelock.Analyzer, Ours: true, Profile: Default, Severity: Warning},
		{Analyzer: lockorder.Analyzer, Ours: true, Profile: Default, Severity: Warning},
		{Analyzer: timerstop.Analyzer, Ours: true, Profile: Default, Severity: Warning},
		{Analyzer: droppederr.Analyzer, Ours: true, Profile: Strict, Severity: Warning},
		{Analyzer: busyselect.Analyzer, Ours: true, Profile: Default, Severity: Warning},
		{Analyzer: lostcancel.Analyzer, Profile: Strict, Severity: Warning},
		{Analyzer: waitgroup.Analyzer, Profile: Default, Severity: Warning},
		{Analyzer: copylock.Analyzer, Profile: Default, Severity: Warning},
	}
}

// Ours returns asyncbook's own analyzers, one per antipattern.
func Ours() []*analysis.Analyzer {
	var out []*analysis.Analyzer
	for _, e := range Entries() {
		if e.Ours {
			out = append(out, e.Analyzer)
		}
	}
	return out
}

// GoTeam returns the Go team's passes that belong in the same run.
func GoTeam() []*analysis.Analyzer {
	var out []*analysis.Analyzer
	for _, e := range Entries() {
		if !e.Ours {
			out = append(out, e.Analyzer)
		}
	}
	return out
}

// All returns the whole suite, every profile: asyncbook's analyzers, then
// the Go team's.
func All() []*analysis.Analyzer {
	return append(Ours(), GoTeam()...)
}

// InProfile returns the analyzers that profile p holds, in suite order.
func InProfile(p Profile) []*analysis.Analyzer {
	var out []*analysis.Analyzer
	for _, e := range Entries() {
		if p.Includes(e.Profile) {
			out = append(out, e.Analyzer)
		}
	}
	return out
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
	if e, ok := Find(name); ok {
		return e.Analyzer
	}
	return nil
}

// Find returns the suite's entry for the named analyzer.
func Find(name string) (Entry, bool) {
	for _, e := range Entries() {
		if e.Analyzer.Name == name {
			return e, true
		}
	}
	return Entry{}, false
}

// Select returns the analyzers of the whole suite that enabled allows, in
// order. enabled maps analyzer names to on/off; names it lacks are on.
func Select(enabled map[string]bool) []*analysis.Analyzer {
	return SelectProfile(Strict, enabled)
}

// SelectProfile returns the analyzers of profile p, with enabled's choices
// applied on top: an analyzer it turns on runs even outside the profile, one
// it turns off does not run.
func SelectProfile(p Profile, enabled map[string]bool) []*analysis.Analyzer {
	var out []*analysis.Analyzer
	for _, e := range Entries() {
		on, set := enabled[e.Analyzer.Name]
		if set && !on || !set && !p.Includes(e.Profile) {
			continue
		}
		out = append(out, e.Analyzer)
	}
	return out
}
