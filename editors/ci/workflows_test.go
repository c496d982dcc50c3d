// Package ci_test checks the CI files teams copy: the GitHub Actions
// workflow and the GitLab CI jobs parse, have the shape their platform
// needs, and their scripts run: each job's shell steps are executed in
// order, as the runner would, against a repository with a change, with
// asyncbook installed by `go install …@version` from a module proxy that
// serves this checkout. The platform's own actions (checkout, setup-go,
// upload-sarif) are replaced by what they leave behind.
package ci_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"go.yaml.in/yaml/v3"

	"github.com/asyncbook/asyncbook/editors/ci/internal/citest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		citest.Cleanup()
		os.Exit(code)
	}))
}

type ghWorkflow struct {
	Name        string            `yaml:"name"`
	On          map[string]any    `yaml:"on"`
	Permissions map[string]string `yaml:"permissions"`
	Env         map[string]string `yaml:"env"`
	Defaults    struct {
		Run struct {
			Shell string `yaml:"shell"`
		} `yaml:"run"`
	} `yaml:"defaults"`
	Jobs map[string]ghJob `yaml:"jobs"`
}

type ghJob struct {
	RunsOn      string            `yaml:"runs-on"`
	Permissions map[string]string `yaml:"permissions"`
	Env         map[string]string `yaml:"env"`
	Steps       []ghStep          `yaml:"steps"`
}

type ghStep struct {
	Name string            `yaml:"name"`
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	If   string            `yaml:"if"`
	With map[string]string `yaml:"with"`
	Env  map[string]string `yaml:"env"`
}

// decodeStrict decodes YAML, failing on keys the struct does not know: a
// misspelt key ("run-on") is an error, not a silent default.
func decodeStrict(t *testing.T, file string, v any) {
	t.Helper()
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	require.NoError(t, dec.Decode(v), file)
}

func loadGitHub(t *testing.T) ghWorkflow {
	t.Helper()
	var w ghWorkflow
	decodeStrict(t, filepath.Join("github", "asyncbook.yml"), &w)
	return w
}

type glJob struct {
	Image        string            `yaml:"image"`
	Stage        string            `yaml:"stage"`
	Extends      string            `yaml:"extends"`
	Variables    map[string]string `yaml:"variables"`
	BeforeScript []string          `yaml:"before_script"`
	Script       []string          `yaml:"script"`
	Rules        []map[string]any  `yaml:"rules"`
	Artifacts    *struct {
		When    string   `yaml:"when"`
		Paths   []string `yaml:"paths"`
		Reports struct {
			CodeQuality string `yaml:"codequality"`
		} `yaml:"reports"`
	} `yaml:"artifacts"`
}

// loadGitLab returns the global variables and the jobs, with extends
// applied (for the keys these jobs use).
func loadGitLab(t *testing.T) (map[string]string, map[string]glJob) {
	t.Helper()
	var raw map[string]yaml.Node
	decodeStrict(t, filepath.Join("gitlab", "asyncbook.gitlab-ci.yml"), &raw)
	vars := map[string]string{}
	all := map[string]glJob{}
	for key, node := range raw {
		if key == "variables" {
			require.NoError(t, node.Decode(&vars))
			continue
		}
		var j glJob
		dec := node
		require.NoError(t, dec.Decode(&j), key)
		// Decode again strictly: unknown job keys are mistakes here.
		var buf bytes.Buffer
		enc := yaml.NewEncoder(&buf)
		require.NoError(t, enc.Encode(&node))
		strict := yaml.NewDecoder(&buf)
		strict.KnownFields(true)
		require.NoError(t, strict.Decode(&glJob{}), "job %s", key)
		all[key] = j
	}
	jobs := map[string]glJob{}
	for key, j := range all {
		if strings.HasPrefix(key, ".") {
			continue
		}
		if j.Extends != "" {
			base, ok := all[j.Extends]
			require.True(t, ok, "job %s extends %s, which is not defined", key, j.Extends)
			if j.Image == "" {
				j.Image = base.Image
			}
			if j.Stage == "" {
				j.Stage = base.Stage
			}
			if j.Rules == nil {
				j.Rules = base.Rules
			}
			if j.BeforeScript == nil {
				j.BeforeScript = base.BeforeScript
			}
		}
		jobs[key] = j
	}
	return vars, jobs
}

var (
	pinnedAction  = regexp.MustCompile(`^[\w.-]+/[\w.-]+(/[\w.-]+)*@v\d+$`)
	pinnedRelease = regexp.MustCompile(`^v\d+\.\d+\.\d+$`)
	goInstall     = regexp.MustCompile(`github\.com/asyncbook/asyncbook/([\w/]+)@\$\{ASYNCBOOK_VERSION\}`)
	writesFile    = regexp.MustCompile(`(?:>|-o)\s*"?([\w.-]+\.(?:sarif|json))"?`)
)

// bashSyntax checks a script with bash -n.
func bashSyntax(t *testing.T, name, script string) {
	t.Helper()
	cmd := exec.Command("bash", "-n")
	cmd.Stdin = strings.NewReader(script)
	out, err := cmd.CombinedOutput()
	assert.NoError(t, err, "%s: bash -n: %s\n%s", name, out, script)
}

// installsRealCommands checks that every package a script installs is a
// command of this checkout.
func installsRealCommands(t *testing.T, script string) {
	t.Helper()
	root := citest.Root(t)
	for _, m := range goInstall.FindAllStringSubmatch(script, -1) {
		src, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(m[1]), "main.go"))
		if assert.NoError(t, err, "go install of %s", m[1]) {
			assert.Contains(t, string(src), "package main", m[1])
		}
	}
}

func TestGitHubWorkflowShape(t *testing.T) {
	w := loadGitHub(t)
	assert.NotEmpty(t, w.Name)
	assert.Contains(t, w.On, "pull_request")
	assert.Contains(t, w.On, "push")
	assert.Equal(t, map[string]string{"contents": "read"}, w.Permissions, "least privilege by default")
	assert.Regexp(t, pinnedRelease, w.Env["ASYNCBOOK_VERSION"])
	assert.Equal(t, "bash", w.Defaults.Run.Shell)
	require.Contains(t, w.Jobs, "asyncvet")
	require.Contains(t, w.Jobs, "grade")

	for name, job := range w.Jobs {
		assert.NotEmpty(t, job.RunsOn, name)
		require.NotEmpty(t, job.Steps, name)
		written := map[string]bool{}
		for i, s := range job.Steps {
			where := fmt.Sprintf("%s step %d (%s)", name, i+1, s.Name)
			require.True(t, (s.Uses == "") != (s.Run == ""), "%s: exactly one of uses and run", where)
			if s.Uses != "" {
				assert.Regexp(t, pinnedAction, s.Uses, where)
				if strings.HasPrefix(s.Uses, "github/codeql-action/upload-sarif@") {
					assert.Equal(t, "write", job.Permissions["security-events"], "%s: uploading SARIF needs security-events: write", where)
					assert.True(t, written[s.With["sarif_file"]], "%s: %s is written by an earlier step", where, s.With["sarif_file"])
					assert.NotEmpty(t, s.With["category"], where)
				}
				continue
			}
			assert.Empty(t, s.If, "%s: run steps branch in the script, where the test runs them", where)
			assert.NotContains(t, s.Run, "${{", "%s: expressions go through env:, never into the script", where)
			bashSyntax(t, where, s.Run)
			installsRealCommands(t, s.Run)
			for _, m := range writesFile.FindAllStringSubmatch(s.Run, -1) {
				written[m[1]] = true
			}
		}
	}
}

func TestGitLabJobsShape(t *testing.T) {
	vars, jobs := loadGitLab(t)
	assert.Regexp(t, pinnedRelease, vars["ASYNCBOOK_VERSION"])
	require.Contains(t, jobs, "asyncvet")
	require.Contains(t, jobs, "grade")
	for name, j := range jobs {
		assert.True(t, strings.HasPrefix(j.Image, "golang:"), "%s: image %q", name, j.Image)
		assert.Equal(t, "test", j.Stage, name)
		assert.NotEmpty(t, j.Rules, name)
		require.NotEmpty(t, j.Script, name)
		script := strings.Join(append(append([]string{}, j.BeforeScript...), j.Script...), "\n")
		bashSyntax(t, name, script)
		installsRealCommands(t, script)
		require.NotNil(t, j.Artifacts, name)
		assert.Equal(t, "always", j.Artifacts.When, "%s: the report is kept when the job fails", name)
		report := j.Artifacts.Reports.CodeQuality
		assert.Equal(t, "gl-code-quality-report.json", report, name)
		assert.Contains(t, script, "-o "+report, "%s: annotate writes the report", name)
	}
}

// runner runs a CI job's shell steps the way a runner does, in repo, and
// records what each printed.
type runner struct {
	t       *testing.T
	repo    string
	env     []string
	summary string // GitHub's $GITHUB_STEP_SUMMARY
	ghEnv   string // GitHub's $GITHUB_ENV
}

func newRunner(t *testing.T, repo string, env []string) *runner {
	t.Helper()
	tmp := t.TempDir()
	r := &runner{t: t, repo: repo, summary: filepath.Join(tmp, "summary.md"), ghEnv: filepath.Join(tmp, "github.env")}
	for _, f := range []string{r.summary, r.ghEnv} {
		require.NoError(t, os.WriteFile(f, nil, 0o644))
	}
	runnerTemp := filepath.Join(tmp, "runner-temp")
	require.NoError(t, os.MkdirAll(runnerTemp, 0o755))
	r.env = append(append(os.Environ(), "CI=true", "RUNNER_TEMP="+runnerTemp, "GITHUB_STEP_SUMMARY="+r.summary, "GITHUB_ENV="+r.ghEnv), env...)
	return r
}

// shell runs script with bash as GitHub's `shell: bash` and GitLab's bash
// do (-e, -o pipefail), with extra environment, and returns its exit code
// and output.
func (r *runner) shell(script string, extra map[string]string) citest.Result {
	r.t.Helper()
	file := filepath.Join(r.t.TempDir(), "step.sh")
	require.NoError(r.t, os.WriteFile(file, []byte(script), 0o644))
	env := append([]string{}, r.env...)
	// Variables a step wrote to $GITHUB_ENV hold for the steps after it.
	data, err := os.ReadFile(r.ghEnv)
	require.NoError(r.t, err)
	for _, line := range strings.Split(string(data), "\n") {
		if strings.Contains(line, "=") {
			env = append(env, line)
		}
	}
	for k, v := range extra {
		env = append(env, k+"="+v)
	}
	cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", file)
	cmd.Dir = r.repo
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(r.t, err)
	}
	return citest.Result{Code: code, Stdout: out.String(), Stderr: errb.String()}
}

// ghExpressions are the expressions the workflow puts in env:, with what
// they stand for in the event the test plays.
func ghExpressions(baseSHA string) map[string]string {
	return map[string]string{"${{ github.event.pull_request.base.sha }}": baseSHA}
}

// runGitHubJob plays a job's steps in order, stopping at the first that
// fails, as the runner does, and returns the last step's result.
func runGitHubJob(t *testing.T, w ghWorkflow, name string, r *runner, version, baseSHA string) citest.Result {
	t.Helper()
	job := w.Jobs[name]
	var last citest.Result
	for _, s := range job.Steps {
		switch {
		case strings.HasPrefix(s.Uses, "actions/checkout@"):
			// The repository is checked out; the scripts diff against the
			// base, so the whole history must be fetched.
			require.Equal(t, "0", s.With["fetch-depth"], "%s: checkout needs the history", name)
			continue
		case strings.HasPrefix(s.Uses, "actions/setup-go@"):
			continue // go is on PATH, and so is the folder go install writes to
		case strings.HasPrefix(s.Uses, "github/codeql-action/upload-sarif@"):
			require.Equal(t, fmt.Sprintf("always() && hashFiles('%s') != ''", s.With["sarif_file"]), s.If, "the condition the test knows")
			data, err := os.ReadFile(filepath.Join(r.repo, s.With["sarif_file"]))
			require.NoError(t, err, "upload-sarif: the file exists")
			var log struct {
				Version string `json:"version"`
				Runs    []struct {
					Results []struct {
						RuleID string `json:"ruleId"`
					} `json:"results"`
				} `json:"runs"`
			}
			require.NoError(t, json.Unmarshal(data, &log), "upload-sarif: the file is JSON")
			require.Equal(t, "2.1.0", log.Version)
			require.Len(t, log.Runs, 1)
			var rules []string
			for _, res := range log.Runs[0].Results {
				rules = append(rules, res.RuleID)
			}
			want := map[string][]string{
				"asyncvet.sarif": {"timerstop", "chanleak", "chanleak"}, // the second: Stream's test stops receiving
				"leaks.sarif":    {"goroutineleak"},                     // the producer Stream's test abandons
			}
			require.Contains(t, want, s.With["sarif_file"])
			assert.ElementsMatch(t, want[s.With["sarif_file"]], rules, "code scanning gets every finding of %s", s.With["sarif_file"])
			continue
		case s.Uses != "":
			t.Fatalf("%s: the test has no stand-in for %s", name, s.Uses)
		}
		extra := map[string]string{}
		for k, v := range w.Env {
			extra[k] = v
		}
		extra["ASYNCBOOK_VERSION"] = version
		for k, v := range job.Env {
			extra[k] = v
		}
		for k, v := range s.Env {
			if strings.Contains(v, "${{") {
				sub, ok := ghExpressions(baseSHA)[v]
				require.True(t, ok, "%s: the test does not know the expression %s", s.Name, v)
				v = sub
			}
			extra[k] = v
		}
		extra["GITHUB_WORKSPACE"] = r.repo
		last = r.shell(s.Run, extra)
		t.Logf("step %q: exit %d\n%s%s", s.Name, last.Code, last.Stdout, last.Stderr)
		if last.Code != 0 {
			break
		}
	}
	return last
}

func commandLines(out string) []string {
	var ls []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "::") {
			ls = append(ls, l)
		}
	}
	return ls
}

// The Tick of BuggyFile was already there; the pull request adds Fetch.
var baseBuggy = citest.BuggyFile[:strings.Index(citest.BuggyFile, "// Fetch strands")]

// streamFile is a producer that is fine on its own; streamTest abandons it
// after the first value, so its goroutine is blocked forever on the next
// send: a leak only the tests show, which `asyncbook leaks` proves.
const (
	streamFile = `package pkg

// Stream sends xs on the channel it returns, then closes it.
func Stream(xs []int) <-chan int {
	ch := make(chan int)
	go func() {
		defer close(ch)
		for _, x := range xs {
			ch <- x
		}
	}()
	return ch
}
`
	streamTest = `package pkg

import "testing"

func TestStreamFirst(t *testing.T) {
	if got := <-Stream([]int{1, 2, 3}); got != 1 {
		t.Fatalf("first value %d, want 1", got)
	}
}
`
)

// teamRepo's pull request changes buggy.go and adds Stream with its test.
func teamRepo(t *testing.T) (string, string) {
	t.Helper()
	gomod := "module example.com/team\n\ngo 1.26\n"
	dir, base, _ := citest.Repo(t,
		map[string]string{"go.mod": gomod, ".asyncbook.json": citest.SettingsFile, "pkg/buggy.go": baseBuggy, "pkg/clean.go": citest.CleanFile},
		map[string]string{"pkg/buggy.go": citest.BuggyFile, "pkg/stream.go": streamFile, "pkg/stream_test.go": streamTest})
	return dir, base
}

// courseRepo has Ada's sequential submission under subs; the pull request
// adds a ticker that is never stopped to it, Bob's reference solution, and
// notes that are no submission. It returns Ada's and Bob's folders.
func courseRepo(t *testing.T, subs string) (dir, base, adaHead, ada, bob string) {
	t.Helper()
	seq, ref := citest.Sources(t, citest.Root(t))
	adaHead = citest.WithTicker(t, seq)
	ada, bob = subs+"/batch-inference/ada", subs+"/batch-inference/bob"
	dir, base, _ = citest.Repo(t,
		map[string]string{"README.md": "course\n", ada + "/solve.go": seq},
		map[string]string{ada + "/solve.go": adaHead, bob + "/solve.go": ref, subs + "/batch-inference/NOTES.md": "notes\n"})
	return dir, base, adaHead, ada, bob
}

// TestWorkflowsRun plays the GitHub jobs and the GitLab jobs on a team
// repository and a course repository whose last commit is the change.
func TestWorkflowsRun(t *testing.T) {
	proxy := citest.LocalProxy(t)
	bin := t.TempDir()
	env := append(proxy.Env(t), "GOBIN="+bin, "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	w := loadGitHub(t)
	glVars, glJobs := loadGitLab(t)
	tickLine := citest.LineOf(t, citest.BuggyFile, "time.NewTicker")
	sendLine := citest.LineOf(t, citest.BuggyFile, "ch <- 42")
	streamGoLine := citest.LineOf(t, streamFile, "go func()")
	streamRecvLine := citest.LineOf(t, streamTest, "<-Stream(")

	t.Run("github asyncvet on a pull request", func(t *testing.T) {
		repo, base := teamRepo(t)
		r := newRunner(t, repo, env)
		last := runGitHubJob(t, w, "asyncvet", r, proxy.Version, base)
		assert.Equal(t, 1, last.Code, "a finding on a changed line fails the job: %s", last.Stderr)
		ls := commandLines(last.Stdout)
		require.Len(t, ls, 3, "only the changed lines are annotated: %s", last.Stdout)
		assert.True(t, strings.HasPrefix(ls[0], fmt.Sprintf("::warning file=pkg/buggy.go,line=%d,", sendLine)), ls[0])
		assert.True(t, strings.HasPrefix(ls[1], fmt.Sprintf("::warning file=pkg/stream_test.go,line=%d,", streamRecvLine)), "the test that stops receiving from Stream, found statically: %s", ls[1])
		assert.Contains(t, ls[1], "title=asyncvet chanleak::")
		assert.True(t, strings.HasPrefix(ls[2], fmt.Sprintf("::warning file=pkg/stream.go,line=%d,", streamGoLine)), "the proven leak, at its go statement: %s", ls[2])
		assert.Contains(t, ls[2], "title=asyncbook goroutineleak::", "a proven leak is asyncbook's, not asyncvet's")
		assert.Contains(t, ls[2], "blocked forever on send to ch (proven by the goroutine-leak profile)")
		summary, err := os.ReadFile(r.summary)
		require.NoError(t, err)
		assert.Contains(t, string(summary), "### asyncvet: 3 finding(s)")
		assert.Contains(t, string(summary), "1 more outside the changed lines.")
		assert.Contains(t, string(summary), fmt.Sprintf("`pkg/stream.go:%d` | goroutineleak", streamGoLine), "the leaks file has its own table")
	})

	t.Run("github asyncvet on a push", func(t *testing.T) {
		repo, _ := teamRepo(t)
		r := newRunner(t, repo, env)
		last := runGitHubJob(t, w, "asyncvet", r, proxy.Version, "")
		assert.Equal(t, 0, last.Code, last.Stderr)
		assert.Empty(t, commandLines(last.Stdout), "code scanning has the findings")
		summary, err := os.ReadFile(r.summary)
		require.NoError(t, err)
		assert.Contains(t, string(summary), fmt.Sprintf("`pkg/buggy.go:%d` | timerstop", tickLine))
		assert.Contains(t, string(summary), fmt.Sprintf("`pkg/stream.go:%d` | goroutineleak", streamGoLine), "the proven leak is listed too")
	})

	t.Run("github grade on a pull request", func(t *testing.T) {
		repo, base, adaHead, ada, bob := courseRepo(t, "submissions")
		r := newRunner(t, repo, env)
		last := runGitHubJob(t, w, "grade", r, proxy.Version, base)
		assert.Equal(t, 1, last.Code, "Ada's submission fails: %s", last.Stderr)
		ls := commandLines(last.Stdout)
		require.NotEmpty(t, ls)
		solve := citest.LineOf(t, adaHead, "func Solve(")
		assert.True(t, strings.HasPrefix(ls[0], fmt.Sprintf("::error file=%s/solve.go,line=%d,", ada, citest.LineOf(t, adaHead, "time.NewTicker"))), ls[0])
		for _, l := range ls[1:] {
			assert.True(t, strings.HasPrefix(l, fmt.Sprintf("::error file=%s/solve.go,line=%d,", ada, solve)), l)
		}
		assert.NotContains(t, last.Stdout, bob, "Bob's solution passes: nothing to annotate")
		summary, err := os.ReadFile(r.summary)
		require.NoError(t, err)
		assert.Contains(t, string(summary), "`"+ada+"`: ❌ failed")
		assert.Contains(t, string(summary), "`"+bob+"`: ✅ passed")
	})

	// GitLab runs a job's script lines in one bash with -e and pipefail.
	gitlab := func(t *testing.T, name, repo string, extra map[string]string) (citest.Result, []map[string]any) {
		t.Helper()
		j := glJobs[name]
		vars := map[string]string{"CI_PROJECT_DIR": repo, "CI_PIPELINE_SOURCE": "merge_request_event"}
		for k, v := range glVars {
			vars[k] = v
		}
		for k, v := range j.Variables {
			vars[k] = v
		}
		vars["ASYNCBOOK_VERSION"] = proxy.Version
		for k, v := range extra { // after the file's variables, as a project's CI settings

			vars[k] = v
		}
		r := newRunner(t, repo, env)
		res := r.shell(strings.Join(append(append([]string{}, j.BeforeScript...), j.Script...), "\n"), vars)
		t.Logf("job %s: exit %d\n%s%s", name, res.Code, res.Stdout, res.Stderr)
		data, err := os.ReadFile(filepath.Join(repo, j.Artifacts.Reports.CodeQuality))
		require.NoError(t, err, "the code-quality report is written")
		var issues []map[string]any
		require.NoError(t, json.Unmarshal(data, &issues))
		return res, issues
	}
	location := func(is map[string]any) string {
		loc := is["location"].(map[string]any)
		return fmt.Sprintf("%s:%v %s", loc["path"], loc["lines"].(map[string]any)["begin"], is["check_name"])
	}

	t.Run("gitlab asyncvet", func(t *testing.T) {
		repo, base := teamRepo(t)
		res, issues := gitlab(t, "asyncvet", repo, map[string]string{"CI_MERGE_REQUEST_DIFF_BASE_SHA": base})
		assert.Equal(t, 0, res.Code, res.Stderr)
		var got []string
		for _, is := range issues {
			got = append(got, location(is))
		}
		assert.Equal(t, []string{
			fmt.Sprintf("pkg/buggy.go:%d asyncvet/timerstop", tickLine),
			fmt.Sprintf("pkg/buggy.go:%d asyncvet/chanleak", sendLine),
			fmt.Sprintf("pkg/stream_test.go:%d asyncvet/chanleak", streamRecvLine),
			fmt.Sprintf("pkg/stream.go:%d asyncbook/goroutineleak", streamGoLine),
		}, got, "every finding, the proven leak of asyncbook leaks too: GitLab works out which are new")
	})

	t.Run("gitlab grade on a merge request", func(t *testing.T) {
		// Submissions further down, named with a trailing slash.
		repo, base, adaHead, ada, bob := courseRepo(t, "course/2026")
		res, issues := gitlab(t, "grade", repo, map[string]string{"CI_MERGE_REQUEST_DIFF_BASE_SHA": base, "SUBMISSIONS_DIR": "course/2026/"})
		assert.Equal(t, 1, res.Code, "Ada's submission fails the job: %s", res.Stderr)
		require.NotEmpty(t, issues)
		assert.Equal(t, fmt.Sprintf("%s/solve.go:%d asyncbook/timerstop", ada, citest.LineOf(t, adaHead, "time.NewTicker")), location(issues[0]))
		for _, is := range issues {
			assert.True(t, strings.HasPrefix(location(is), ada+"/solve.go:"), location(is))
			assert.Equal(t, "major", is["severity"])
		}
		assert.Contains(t, res.Stdout, "`"+bob+"`: ✅ passed")
	})
}
