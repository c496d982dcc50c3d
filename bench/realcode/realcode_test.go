package realcode

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/asyncbook/asyncbook/analyzers/registry"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestEveryFindingHasAVerdict runs the default profile over the benchmark
// and fails on a finding with no verdict, or a verdict whose finding is
// gone: a rule change shows its effect on real code here.
func TestEveryFindingHasAVerdict(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go vet over the pinned modules and std")
	}
	b, err := Find(".")
	require.NoError(t, err)
	verdicts, err := LoadVerdicts(b.VerdictsFile())
	require.NoError(t, err)
	all, err := b.Run(context.Background(), filepath.Join(b.Dir, "..", ".."))
	require.NoError(t, err)
	findings := all
	require.NotEmpty(t, InProfile(findings, registry.Default), "the default profile finds something in real code")
	judged, unjudged, stale := Match(findings, verdicts)
	if len(unjudged) > 0 {
		var lines []string
		for _, f := range unjudged {
			lines = append(lines, Verdict{Kind: Todo, Finding: f, Why: "TODO"}.Format())
		}
		t.Errorf("%d findings have no verdict. Judge each: copy its line into bench/realcode/verdicts.tsv, "+
			"replace TODO by real, debatable or false, and say why in the last field "+
			"(go run ./bench/realcode/cmd/realcode -show prints them with their code):\n%s", len(unjudged), strings.Join(lines, "\n"))
	}
	if len(stale) > 0 {
		var lines []string
		for _, v := range stale {
			lines = append(lines, fmt.Sprintf("verdicts.tsv:%d: %s", v.Line, v.Format()))
		}
		t.Errorf("%d verdicts have no finding any more: a rule change removed them (check that a real one was meant to go), "+
			"then go run ./bench/realcode/cmd/realcode -prune:\n%s", len(stale), strings.Join(lines, "\n"))
	}
	kinds := map[Kind]int{}
	for _, j := range judged {
		kinds[j.Verdict.Kind]++
	}
	t.Logf("%d findings: %d real, %d debatable, %d false alarms", len(judged), kinds[Real], kinds[Debatable], kinds[FalseAlarm])
}

func TestParseVerdicts(t *testing.T) {
	vs, err := ParseVerdicts(strings.NewReader(header + "\n" +
		"real\tstd\tnet/http/server.go\t12\tchanleak\tsend may block\tnobody receives on timeout\n" +
		"# a comment\n\n" +
		"false\tgithub.com/IBM/sarama\tadmin.go\t3\tunboundedgo\tgoroutine per broker\tone per broker of the cluster\n"))
	require.NoError(t, err)
	require.Len(t, vs, 2)
	assert.Equal(t, Verdict{Kind: Real, Finding: Finding{Module: "std", File: "net/http/server.go", Line: 12, Analyzer: "chanleak", Message: "send may block"}, Why: "nobody receives on timeout", Line: 2}, vs[0])
	assert.Equal(t, "github.com/IBM/sarama", vs[1].Finding.Module)

	for name, bad := range map[string]string{
		"unknown verdict": "TODO\tstd\ta.go\t1\tx\tmsg\twhy\n",
		"no why":          "real\tstd\ta.go\t1\tx\tmsg\t\n",
		"why left TODO":   "real\tstd\ta.go\t1\tx\tmsg\tTODO\n",
		"bad line":        "real\tstd\ta.go\tten\tx\tmsg\twhy\n",
		"too few fields":  "real\tstd\ta.go\t1\tx\tmsg\n",
	} {
		_, err := ParseVerdicts(strings.NewReader(bad))
		assert.Error(t, err, name)
	}
}

func TestMatch(t *testing.T) {
	f := func(line int, msg string) Finding {
		return Finding{Module: "m", File: "a.go", Line: line, Analyzer: "unboundedgo", Message: msg}
	}
	v := func(line int, msg string) Verdict { return Verdict{Kind: Real, Finding: f(line, msg), Why: "w"} }
	judged, unjudged, stale := Match(
		[]Finding{f(105, "x"), f(300, "x"), f(12, "y"), f(14, "y")},
		[]Verdict{v(100, "x"), v(10, "y"), v(13, "y"), v(500, "z")},
	)
	require.Len(t, judged, 3)
	assert.Equal(t, []Finding{f(300, "x")}, unjudged, "a finding beyond the slack is new")
	assert.Equal(t, []Verdict{v(500, "z")}, stale)
	for _, j := range judged {
		if j.Finding.Line == 14 {
			assert.Equal(t, 13, j.Verdict.Finding.Line, "the nearest verdict judges each finding")
		}
	}
	_, unjudged, _ = Match([]Finding{f(100, "x")}, []Verdict{{Kind: Real, Finding: Finding{Module: "m", File: "b.go", Line: 100, Analyzer: "unboundedgo", Message: "x"}, Why: "w"}})
	assert.Len(t, unjudged, 1, "another file is another finding")
}

func TestPlace(t *testing.T) {
	p := Places{ModCache: "/home/u/go/pkg/mod", GoRoot: "/usr/local/go"}
	mod, file, ok := p.Place("/home/u/go/pkg/mod/github.com/!i!b!m/sarama@v1.61.1/admin.go")
	require.True(t, ok)
	assert.Equal(t, "github.com/IBM/sarama", mod)
	assert.Equal(t, "admin.go", file)
	mod, file, ok = p.Place("/usr/local/go/src/net/http/server.go")
	require.True(t, ok)
	assert.Equal(t, "std", mod)
	assert.Equal(t, "net/http/server.go", file)
	_, _, ok = p.Place("/tmp/elsewhere/x.go")
	assert.False(t, ok)
}

func TestParseVet(t *testing.T) {
	p := Places{ModCache: "/mc", GoRoot: "/gr"}
	out := "# google.golang.org/grpc\n{\n\t\"google.golang.org/grpc\": {\n\t\t\"droppederr\": [\n\t\t\t{\n\t\t\t\t\"posn\": \"/mc/google.golang.org/grpc@v1.85.0/server.go:10:2\",\n\t\t\t\t\"message\": \"error dropped\"\n\t\t\t}\n\t\t]\n\t}\n}\n" +
		"# google.golang.org/grpc [google.golang.org/grpc.test]\n{\n\t\"google.golang.org/grpc [google.golang.org/grpc.test]\": {\n\t\t\"droppederr\": [\n\t\t\t{\n\t\t\t\t\"posn\": \"/mc/google.golang.org/grpc@v1.85.0/server.go:10:2\",\n\t\t\t\t\"message\": \"error dropped\"\n\t\t\t}\n\t\t]\n\t}\n}\n"
	fs, err := ParseVet([]byte(out), p)
	require.NoError(t, err)
	assert.Equal(t, []Finding{{Module: "google.golang.org/grpc", File: "server.go", Line: 10, Analyzer: "droppederr", Message: "error dropped"}}, fs, "a package and its test variant report a shared file once")
	_, err = ParseVet([]byte("{\n\t\"p\": {\"a\": [{\"posn\": \"/elsewhere/x.go:1:1\", \"message\": \"m\"}]}\n}\n"), p)
	assert.Error(t, err, "a finding outside the module cache and GOROOT")
	_, err = ParseVet([]byte("{\n\t\"p\": {\n"), p)
	assert.Error(t, err, "truncated output")
}
