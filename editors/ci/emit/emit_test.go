package emit_test

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/asyncbook/asyncbook/editors/ci/emit"
	"github.com/asyncbook/asyncbook/editors/ci/report"
)

// command is a parsed workflow command, read back the way the Actions
// runner reads one.
type command struct {
	Name  string
	Props map[string]string
	Data  string
}

var commandLine = regexp.MustCompile(`^::([a-z]+)(?: ([^:]*))?::(.*)$`)

func parseCommands(t *testing.T, out string) []command {
	t.Helper()
	unescape := strings.NewReplacer("%0D", "\r", "%0A", "\n", "%3A", ":", "%2C", ",", "%25", "%")
	var cmds []command
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		m := commandLine.FindStringSubmatch(line)
		require.NotNil(t, m, "not a workflow command: %q", line)
		c := command{Name: m[1], Props: map[string]string{}, Data: unescape.Replace(m[3])}
		if m[2] != "" {
			for _, kv := range strings.Split(m[2], ",") {
				k, v, ok := strings.Cut(kv, "=")
				require.True(t, ok, "property %q", kv)
				c.Props[k] = unescape.Replace(v)
			}
		}
		cmds = append(cmds, c)
	}
	return cmds
}

func TestGitHub(t *testing.T) {
	ps := []report.Problem{
		{Tool: "asyncvet", Rule: "timerstop", Severity: report.Warning, File: "pkg/a,b:c.go", Line: 9, Col: 7, EndLine: 9, EndCol: 24,
			Title: "asyncvet timerstop", Message: "ticker t is never stopped: 100% sure,\nreally", URL: "https://example.com/timerstop.md"},
		{Tool: "asyncbook grade", Rule: "property/cancellation", Severity: report.Error, File: "sub/solve.go", Line: 12, EndLine: 15, Col: 3,
			Title: "property cancellation fails", Message: "returned late", Whole: true},
		{Tool: "asyncvet", Rule: "chanleak", Severity: report.Notice, Message: "chanleak failed on example.com/p"},
	}
	var out bytes.Buffer
	require.NoError(t, emit.GitHub(&out, ps))
	cmds := parseCommands(t, out.String())
	require.Len(t, cmds, 3)

	assert.Equal(t, command{Name: "warning", Props: map[string]string{
		"file": "pkg/a,b:c.go", "line": "9", "endLine": "9", "col": "7", "endColumn": "24", "title": "asyncvet timerstop",
	}, Data: "ticker t is never stopped: 100% sure,\nreally\nSee https://example.com/timerstop.md"}, cmds[0])

	assert.Equal(t, command{Name: "error", Props: map[string]string{
		"file": "sub/solve.go", "line": "12", "endLine": "15", "title": "property cancellation fails",
	}, Data: "returned late"}, cmds[1], "no columns on a multi-line annotation")

	assert.Equal(t, command{Name: "notice", Props: map[string]string{}, Data: "chanleak failed on example.com/p"}, cmds[2], "no place, no file")
	assert.Equal(t, 3, strings.Count(out.String(), "\n"), "one line per command: newlines are escaped")
}

func TestGitHubNothing(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, emit.GitHub(&out, nil))
	assert.Empty(t, out.String())
}

type issue struct {
	Type        string   `json:"type"`
	CheckName   string   `json:"check_name"`
	Description string   `json:"description"`
	Categories  []string `json:"categories"`
	Severity    string   `json:"severity"`
	Fingerprint string   `json:"fingerprint"`
	Location    struct {
		Path  string `json:"path"`
		Lines struct {
			Begin int `json:"begin"`
			End   int `json:"end"`
		} `json:"lines"`
	} `json:"location"`
}

func gitlab(t *testing.T, ps []report.Problem) ([]issue, []report.Problem) {
	t.Helper()
	var out bytes.Buffer
	unplaced, err := emit.GitLab(&out, ps)
	require.NoError(t, err)
	var issues []issue
	dec := json.NewDecoder(&out)
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&issues))
	require.NotNil(t, issues, "an empty report is [], not null")
	return issues, unplaced
}

func TestGitLab(t *testing.T) {
	leak := report.Problem{Tool: "asyncbook grade", Rule: "leak", Severity: report.Error, File: "sub/solve.go", Line: 31, Message: "still running"}
	finding := report.Problem{Tool: "asyncvet", Rule: "timerstop", Severity: report.Warning, File: "pkg/a.go", Line: 9, EndLine: 11, Message: "ticker t is never stopped", URL: "https://example.com/t"}
	note := report.Problem{Tool: "asyncvet", Rule: "x", Severity: report.Notice, File: "pkg/b.go", Message: "m"}
	nowhere := report.Problem{Tool: "asyncvet", Rule: "chanleak", Severity: report.Error, Message: "chanleak failed"}
	again := leak
	again.Line = 40 // the same problem twice in one file

	issues, unplaced := gitlab(t, []report.Problem{leak, finding, note, nowhere, again})
	require.Len(t, issues, 4)
	assert.Equal(t, []report.Problem{nowhere}, unplaced)

	assert.Equal(t, "issue", issues[1].Type)
	assert.Equal(t, "asyncvet/timerstop", issues[1].CheckName)
	assert.Equal(t, "minor", issues[1].Severity)
	assert.Equal(t, "pkg/a.go", issues[1].Location.Path)
	assert.Equal(t, 9, issues[1].Location.Lines.Begin)
	assert.Equal(t, 11, issues[1].Location.Lines.End)
	assert.Contains(t, issues[1].Description, "https://example.com/t")
	assert.Equal(t, "asyncbook/leak", issues[0].CheckName)
	assert.Equal(t, "major", issues[0].Severity)
	assert.Equal(t, "info", issues[2].Severity)
	assert.Equal(t, 1, issues[2].Location.Lines.Begin, "GitLab needs a line: the first")

	seen := map[string]bool{}
	for _, is := range issues {
		assert.Regexp(t, `^[0-9a-f]{32}$`, is.Fingerprint)
		assert.False(t, seen[is.Fingerprint], "fingerprints are unique")
		seen[is.Fingerprint] = true
	}

	// An edit above a problem moves it; it keeps its fingerprint, so GitLab
	// does not show it as new.
	moved := finding
	moved.Line, moved.EndLine = 19, 21
	issues2, _ := gitlab(t, []report.Problem{leak, moved, note})
	assert.Equal(t, issues[1].Fingerprint, issues2[1].Fingerprint)
	assert.Equal(t, 19, issues2[1].Location.Lines.Begin)
	changedMsg := finding
	changedMsg.Message = "timer t is never stopped"
	issues3, _ := gitlab(t, []report.Problem{changedMsg})
	assert.NotEqual(t, issues[1].Fingerprint, issues3[0].Fingerprint)

	empty, _ := gitlab(t, nil)
	assert.Empty(t, empty)
}

func TestMarkdown(t *testing.T) {
	grade := `{"schema":1,"exercise":"batch-inference","submission":"/repo/submissions/ada","passed":false,"score":60,
		"reason":"fails properties: parallel-per-model","properties":[
			{"property":"results-in-order","pass":true,"observed":"all 72 in order"},
			{"property":"parallel-per-model","pass":false,"observed":"max 1 at once | limit 4"}],
		"leaks":[],"findings":[{"analyzer":"timerstop","file":"/tmp/x/practice/grade-batchinference-0123456789ab/solve.go","line":33,"col":7,"message":"ticker t is never stopped","url":"https://example.com/t"}],
		"speedup":{"measured":1.04,"ideal":11.2},"timed_out":false,"duration_ms":10270}`
	rep, err := report.Read([]byte(grade), report.Options{Root: "/repo"})
	require.NoError(t, err)
	require.Len(t, rep.Problems, 2)

	var out bytes.Buffer
	require.NoError(t, emit.Markdown(&out, rep, rep.Problems[:1]))
	md := out.String()
	assert.Contains(t, md, "### asyncbook grade: batch-inference, `submissions/ada`: ❌ failed, score 60/100")
	assert.Contains(t, md, "| results-in-order | ✅ | all 72 in order |")
	assert.Contains(t, md, `| parallel-per-model | ❌ | max 1 at once \| limit 4 |`, "pipes are escaped")
	assert.Contains(t, md, "Speedup: 1.0× over the sequential version (ideal 11.2×)")
	assert.Contains(t, md, "| `submissions/ada/solve.go:33` | timerstop | ticker t is never stopped ([docs](https://example.com/t)) |")
	assert.Contains(t, md, "1 more outside the changed lines.")

	vet, err := report.Read([]byte(`{"p":{"chanleak":[{"posn":"/repo/a.go:3:1","message":"leaks"}]}}`), report.Options{Root: "/repo"})
	require.NoError(t, err)
	out.Reset()
	require.NoError(t, emit.Markdown(&out, vet, vet.Problems))
	assert.Contains(t, out.String(), "### asyncvet: 1 finding(s)")
	assert.Contains(t, out.String(), "| `a.go:3` | chanleak | leaks")
	assert.NotContains(t, out.String(), "more outside")
}
