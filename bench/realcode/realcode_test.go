package realcode

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/asyncbook/asyncbook/analyzers/registry"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// FullRunEnv makes TestEveryFindingHasAVerdict analyse the pinned modules
// and std itself (over ten minutes cold) instead of reading findings.tsv.
const FullRunEnv = "ASYNCBOOK_REALCODE_FULL"

// TestEveryFindingHasAVerdict fails on a finding of the benchmark with no
// verdict, or a verdict whose finding is gone: a rule change shows its
// effect on real code here. It reads the findings of the last full run
// (findings.tsv, written by bash bench/realcode/run.sh) and fails when the
// analyzers changed since that run; with ASYNCBOOK_REALCODE_FULL=1 it runs
// go vet over the pinned modules and std itself.
func TestEveryFindingHasAVerdict(t *testing.T) {
	b, err := Find(".")
	require.NoError(t, err)
	verdicts, err := LoadVerdicts(b.VerdictsFile())
	require.NoError(t, err)
	repo := filepath.Join(b.Dir, "..", "..")
	var findings []Finding
	if os.Getenv(FullRunEnv) == "1" {
		findings, err = b.Run(context.Background(), repo)
		require.NoError(t, err)
	} else {
		digest, snap, err := ReadSnapshot(b.SnapshotFile())
		require.NoError(t, err, "bash bench/realcode/run.sh writes it")
		now, err := AnalyzersDigest(repo)
		require.NoError(t, err)
		require.Equal(t, now, digest, "the analyzers changed since bench/realcode/findings.tsv was written: "+
			"run bash bench/realcode/run.sh (it analyses the pinned modules again, over ten minutes cold), "+
			"judge any new finding, and commit findings.tsv with the change")
		findings = snap
	}
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

func TestSnapshotRoundTrip(t *testing.T) {
	fs := []Finding{
		{Module: "std", File: "net/http/server.go", Line: 12, Analyzer: "chanleak", Message: "send may block\tforever"},
		{Module: "github.com/IBM/sarama", File: "admin.go", Line: 3, Analyzer: "unboundedgo", Message: "goroutine per broker"},
	}
	path := filepath.Join(t.TempDir(), "findings.tsv")
	var sb strings.Builder
	require.NoError(t, WriteSnapshot(&sb, "abc123", fs))
	require.NoError(t, os.WriteFile(path, []byte(sb.String()), 0o644))
	digest, got, err := ReadSnapshot(path)
	require.NoError(t, err)
	assert.Equal(t, "abc123", digest)
	fs[0].Message = "send may block forever" // a tab would split the line
	assert.Equal(t, fs, got)

	require.NoError(t, os.WriteFile(path, []byte("std\ta.go\t1\tx\tmsg\n"), 0o644))
	_, _, err = ReadSnapshot(path)
	assert.ErrorContains(t, err, "no \"# analyzers\" line", "a snapshot without its digest is refused")
	require.NoError(t, os.WriteFile(path, []byte("# analyzers abc\nstd\ta.go\tten\tx\tmsg\n"), 0o644))
	_, _, err = ReadSnapshot(path)
	assert.Error(t, err, "a bad line number")
}

func TestAnalyzersDigestFollowsTheAnalyzers(t *testing.T) {
	repo := t.TempDir()
	write := func(rel, content string) {
		p := filepath.Join(repo, filepath.FromSlash(rel))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	write("go.mod", "module m\n")
	write("go.sum", "")
	write("analyzers/a/a.go", "package a\n")
	write("cmd/asyncvet/main.go", "package main\n")
	d0, err := AnalyzersDigest(repo)
	require.NoError(t, err)

	write("analyzers/a/a_test.go", "package a\n// a test\n")
	write("analyzers/a/testdata/src/p/p.go", "package p\n")
	write("workbook/w.go", "package workbook\n")
	d1, err := AnalyzersDigest(repo)
	require.NoError(t, err)
	assert.Equal(t, d0, d1, "tests, test data and other packages do not decide findings")

	write("analyzers/a/a.go", "package a\n\nvar rule = 1\n")
	d2, err := AnalyzersDigest(repo)
	require.NoError(t, err)
	assert.NotEqual(t, d0, d2, "an analyzer's change does")
	write("analyzers/a/a.go", "package a\n")
	write("go.sum", "x v1 h1:y\n")
	d3, err := AnalyzersDigest(repo)
	require.NoError(t, err)
	assert.NotEqual(t, d0, d3, "so does a dependency's")
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
