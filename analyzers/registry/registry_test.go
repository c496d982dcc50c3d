package registry

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSuite(t *testing.T) {
	names := map[string]bool{}
	for _, a := range All() {
		assert.False(t, names[a.Name], "duplicate analyzer %s", a.Name)
		names[a.Name] = true
		assert.NotEmpty(t, a.Doc, a.Name)
		assert.NotEmpty(t, a.URL, a.Name)
	}
	for _, n := range []string{"lostcancel", "waitgroup", "copylocks"} {
		assert.True(t, names[n], "the Go team's %s is in the suite", n)
	}
	assert.Len(t, Names(), len(All()))
	assert.Equal(t, "lostcancel", Lookup("lostcancel").Name)
	assert.Nil(t, Lookup("nope"))
}

func TestSelect(t *testing.T) {
	all := len(All())
	assert.Len(t, Select(nil), all)
	assert.Len(t, Select(map[string]bool{"lostcancel": false}), all-1)
	assert.Len(t, Select(map[string]bool{"lostcancel": true, "unknown": false}), all)
}

// TestOursRunDespiteErrors: asyncbook's analyzers must still report on
// packages that do not type-check (a learner's half-written code).
func TestOursRunDespiteErrors(t *testing.T) {
	for _, a := range Ours() {
		assert.True(t, a.RunDespiteErrors, "%s must set RunDespiteErrors", a.Name)
	}
}

func TestProfiles(t *testing.T) {
	p, err := ParseProfile("")
	assert.NoError(t, err)
	assert.Equal(t, Default, p)
	_, err = ParseProfile("loud")
	assert.ErrorContains(t, err, "unknown profile")
	assert.True(t, Strict.Includes(Default))
	assert.False(t, Default.Includes(Strict))
	assert.Len(t, InProfile(Strict), len(All()))
	for _, a := range InProfile(Default) {
		e, ok := Find(a.Name)
		assert.True(t, ok)
		assert.Equal(t, Default, e.Profile, a.Name)
	}
	for _, e := range Entries() {
		_, err := ParseSeverity(string(e.Severity))
		assert.NoError(t, err, e.Analyzer.Name)
		assert.Contains(t, SelectProfile(Default, map[string]bool{e.Analyzer.Name: true}), e.Analyzer, "an analyzer turned on runs whatever the profile")
		assert.NotContains(t, SelectProfile(Strict, map[string]bool{e.Analyzer.Name: false}), e.Analyzer)
	}
}
