// Command lspbench measures how fast language servers answer an edit with
// diagnostics: asyncbook's (`asyncbook lsp`) and, beside it for the same
// edits, gopls's. run.sh builds both and runs it; the results are committed
// next to it.
//
// For each server and each workspace it measures, over the servers' stdio
// as an editor drives them:
//
//   - first diagnostics: from didOpen of the file (in a freshly started
//     server) to the first publishDiagnostics for it;
//   - edit latency: from didChange to the publishDiagnostics of that version
//     that reflects the edit. Each edit toggles a lost cancel (a finding of
//     both servers) so every version's diagnostics differ; edits are sent one
//     at a time, each after the previous one's diagnostics;
//   - RSS of the server process at the end, and its peak.
//
// The workspaces: an exercise file (exercises/batchinference/exercise.go in
// a copy of the repository's exercises) and a synthetic package of 100
// files.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/asyncbook/asyncbook/lsp/lsptest"
)

// The probe's two states: with the cancel deferred (no finding) and with it
// discarded (lostcancel).
const (
	probeFixed = "ctx, cancel := context.WithCancel(parent)\n\tdefer cancel()"
	probeLeaky = "ctx, _ := context.WithCancel(parent)\n\t_ = 0"
	probeFunc  = "\n// benchProbe is edited by the benchmark.\nfunc benchProbe(parent context.Context) {\n\t" + probeFixed + "\n\t<-ctx.Done()\n}\n"
)

type server struct {
	Name    string
	Command []string
}

type workspace struct {
	Name string
	Root string
	File string // the file opened and edited
	Text string // its text, probe included
}

type result struct {
	Server        string    `json:"server"`
	Workspace     string    `json:"workspace"`
	FirstDiagMS   []float64 `json:"first_diagnostics_ms"`
	EditMS        []float64 `json:"edit_ms"`
	EditP50MS     float64   `json:"edit_p50_ms"`
	EditP95MS     float64   `json:"edit_p95_ms"`
	AppearMS      []float64 `json:"appear_ms"`    // edits that add the finding
	DisappearMS   []float64 `json:"disappear_ms"` // edits that remove it
	FirstP50MS    float64   `json:"first_diagnostics_p50_ms"`
	RSSMiB        float64   `json:"rss_mib"`
	PeakRSSMiB    float64   `json:"peak_rss_mib"`
	Error         string    `json:"error,omitempty"`
	Misses        int       `json:"timeouts,omitempty"`
	EditsMeasured int       `json:"edits"`
}

func main() {
	asyncbook := flag.String("asyncbook", "", "path of the asyncbook binary")
	gopls := flag.String("gopls", "", "path of the gopls binary (empty: skip gopls)")
	baseline := flag.String("baseline", "", "path of another asyncbook binary (an earlier build) to measure in the same run (empty: none)")
	baselineName := flag.String("baseline-name", "baseline", "what the baseline is, for the report (e.g. a git ref)")
	repo := flag.String("repo", ".", "root of the asyncbook module, for the exercises")
	edits := flag.Int("edits", 40, "edits measured per server and workspace")
	opens := flag.Int("opens", 5, "cold starts measured per server and workspace")
	out := flag.String("out", "", "write the JSON results here")
	md := flag.String("md", "", "write a Markdown report here")
	flag.Parse()
	loadAtStart = loadavg()
	if *asyncbook == "" {
		fmt.Fprintln(os.Stderr, "lspbench: -asyncbook is required")
		os.Exit(2)
	}
	servers := []server{{"asyncbook", []string{*asyncbook, "lsp", "-quiet"}}}
	if *baseline != "" {
		servers = append(servers, server{"asyncbook (" + *baselineName + ")", []string{*baseline, "lsp", "-quiet"}})
	}
	if *gopls != "" {
		servers = append(servers, server{"gopls", []string{*gopls}})
	}
	tmp, err := os.MkdirTemp("", "lspbench-")
	check(err)
	defer os.RemoveAll(tmp)
	workspaces := []workspace{exerciseWorkspace(*repo, filepath.Join(tmp, "exercise")), syntheticWorkspace(filepath.Join(tmp, "synthetic"))}

	var results []result
	for _, ws := range workspaces {
		for _, srv := range servers {
			r := measure(srv, ws, *opens, *edits)
			fmt.Fprintf(os.Stderr, "%s on %s: first diagnostics p50 %.0f ms; edit p50 %.0f ms, p95 %.0f ms; RSS %.0f MiB (peak %.0f) %s\n",
				r.Server, r.Workspace, r.FirstP50MS, r.EditP50MS, r.EditP95MS, r.RSSMiB, r.PeakRSSMiB, r.Error)
			results = append(results, r)
		}
	}
	if *out != "" {
		b, err := json.MarshalIndent(results, "", "  ")
		check(err)
		check(os.WriteFile(*out, append(b, '\n'), 0o644))
	}
	if *md != "" {
		check(os.WriteFile(*md, []byte(report(results, *gopls)), 0o644))
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "lspbench:", err)
		os.Exit(1)
	}
}

// exerciseWorkspace copies the module's go.mod, go.sum and exercises to dir.
func exerciseWorkspace(repo, dir string) workspace {
	for _, name := range []string{"go.mod", "go.sum"} {
		copyFile(filepath.Join(repo, name), filepath.Join(dir, name))
	}
	check(filepath.WalkDir(filepath.Join(repo, "exercises"), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(repo, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dir, rel), 0o755)
		}
		copyFile(path, filepath.Join(dir, rel))
		return nil
	}))
	file := filepath.Join(dir, "exercises", "batchinference", "exercise.go")
	b, err := os.ReadFile(file)
	check(err)
	wholeSuite(dir)
	return workspace{Name: "exercise file (batchinference/exercise.go)", Root: dir, File: file, Text: string(b) + probeFunc}
}

// wholeSuite makes asyncbook run every analyzer of its registry in the
// workspace (lostcancel, the probe's finding, is in the strict profile):
// gopls runs its lostcancel by default, so both servers report the probe.
func wholeSuite(dir string) {
	check(os.WriteFile(filepath.Join(dir, ".asyncbook.json"), []byte(`{"profile": "strict"}`+"\n"), 0o644))
}

// syntheticWorkspace writes a module with one package of 100 files, each
// with ten functions that use contexts, channels and a WaitGroup.
func syntheticWorkspace(dir string) workspace {
	pkg := filepath.Join(dir, "big")
	check(os.MkdirAll(pkg, 0o755))
	check(os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/synthetic\n\ngo 1.26\n"), 0o644))
	wholeSuite(dir)
	var first string
	for i := range 100 {
		var b strings.Builder
		fmt.Fprintf(&b, "package big\n\nimport (\n\t\"context\"\n\t\"sync\"\n\t\"time\"\n)\n")
		for j := range 10 {
			fmt.Fprintf(&b, `
// Work%[1]d_%[2]d fans out n jobs and waits for them.
func Work%[1]d_%[2]d(ctx context.Context, n int) []int {
	ctx, cancel := context.WithTimeout(ctx, time.Duration(n)*time.Millisecond)
	defer cancel()
	out := make([]int, n)
	var wg sync.WaitGroup
	for k := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case <-ctx.Done():
			case <-time.After(time.Microsecond):
				out[k] = k * %[2]d
			}
		}()
	}
	wg.Wait()
	return out
}
`, i, j)
		}
		text := b.String()
		if i == 0 {
			text += probeFunc
			first = text
		}
		check(os.WriteFile(filepath.Join(pkg, fmt.Sprintf("file%03d.go", i)), []byte(text), 0o644))
	}
	return workspace{Name: "synthetic package (100 files, 1000 functions)", Root: dir, File: filepath.Join(pkg, "file000.go"), Text: first}
}

func copyFile(from, to string) {
	b, err := os.ReadFile(from)
	check(err)
	check(os.MkdirAll(filepath.Dir(to), 0o755))
	check(os.WriteFile(to, b, 0o644))
}

// session is one server process and its client.
type session struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	c     *lsptest.Client
}

func startSession(srv server, ws workspace) (*session, error) {
	cmd := exec.Command(srv.Command[0], srv.Command[1:]...)
	cmd.Dir = ws.Root
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", srv.Name, err)
	}
	s := &session{cmd: cmd, stdin: stdin, c: lsptest.New(stdout, stdin)}
	root := uri.File(ws.Root)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err = s.c.Call(ctx, "initialize", map[string]any{
		"processId":        os.Getpid(),
		"rootUri":          root,
		"workspaceFolders": []any{map[string]any{"uri": root, "name": "bench"}},
		"capabilities": map[string]any{
			"textDocument": map[string]any{"publishDiagnostics": map[string]any{"versionSupport": true, "relatedInformation": true}},
			"workspace":    map[string]any{"configuration": true, "workspaceFolders": true},
		},
	}, nil)
	if err != nil {
		s.stop()
		return nil, fmt.Errorf("initialize %s: %w", srv.Name, err)
	}
	if err := s.c.Notify("initialized", map[string]any{}); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

func (s *session) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = s.c.Call(ctx, "shutdown", nil, nil)
	_ = s.c.Notify("exit", nil)
	s.stdin.Close()
	done := make(chan struct{})
	var waitErr error
	go func() { <-s.c.Done(); waitErr = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
	if waitErr != nil {
		fmt.Fprintf(os.Stderr, "lspbench: %s did not exit cleanly after shutdown and exit: %v\n", s.cmd.Path, waitErr)
	}
}

// hasLostCancel reports whether the diagnostics include the lost cancel.
func hasLostCancel(ds []protocol.Diagnostic) bool {
	for _, d := range ds {
		if strings.Contains(fmt.Sprint(d.Code), "lostcancel") || d.Source == "lostcancel" || strings.Contains(d.Message, "cancel function") {
			return true
		}
	}
	return false
}

// awaitVersion waits for the file's diagnostics at version v that agree with
// whether the lost cancel is there.
func (s *session) awaitVersion(u protocol.DocumentURI, v int32, leaky bool, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	_, err := s.c.AwaitDiagnostics(ctx, u, func(p protocol.PublishDiagnosticsParams) bool {
		return p.Version == uint32(v) && hasLostCancel(p.Diagnostics) == leaky
	})
	return err
}

func measure(srv server, ws workspace, opens, edits int) result {
	r := result{Server: srv.Name, Workspace: ws.Name}
	u := uri.File(ws.File)
	open := func(s *session) error {
		return s.c.Notify("textDocument/didOpen", map[string]any{
			"textDocument": map[string]any{"uri": u, "languageId": "go", "version": 1, "text": ws.Text},
		})
	}
	// Cold starts: a new server each time.
	for range opens {
		s, err := startSession(srv, ws)
		if err != nil {
			r.Error = err.Error()
			return r
		}
		start := time.Now()
		if err := open(s); err != nil {
			r.Error = err.Error()
		} else if err := s.awaitVersion(u, 1, false, 2*time.Minute); err != nil {
			r.Error = "first diagnostics: " + err.Error()
		} else {
			r.FirstDiagMS = append(r.FirstDiagMS, ms(time.Since(start)))
		}
		s.stop()
	}

	// Edits in one session.
	s, err := startSession(srv, ws)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	defer s.stop()
	if err := open(s); err != nil {
		r.Error = err.Error()
		return r
	}
	if err := s.awaitVersion(u, 1, false, 2*time.Minute); err != nil {
		r.Error = "first diagnostics: " + err.Error()
		return r
	}
	text := ws.Text
	leaky := false
	for i := range edits {
		from, to := probeFixed, probeLeaky
		if leaky {
			from, to = probeLeaky, probeFixed
		}
		off := strings.Index(text, from)
		rng := protocol.Range{Start: lspPos(text, off), End: lspPos(text, off+len(from))}
		text = text[:off] + to + text[off+len(from):]
		leaky = !leaky
		v := int32(i + 2)
		time.Sleep(150 * time.Millisecond) // typing pauses; lets both servers settle
		start := time.Now()
		err := s.c.Notify("textDocument/didChange", map[string]any{
			"textDocument":   map[string]any{"uri": u, "version": v},
			"contentChanges": []any{map[string]any{"range": rng, "text": to}},
		})
		if err == nil {
			err = s.awaitVersion(u, v, leaky, 30*time.Second)
		}
		if err != nil {
			r.Misses++
			continue
		}
		d := ms(time.Since(start))
		r.EditMS = append(r.EditMS, d)
		if leaky {
			r.AppearMS = append(r.AppearMS, d)
		} else {
			r.DisappearMS = append(r.DisappearMS, d)
		}
	}
	r.EditsMeasured = len(r.EditMS)
	if edits > 1 && len(r.AppearMS) == 0 && r.Error == "" {
		r.Error = "the probe's lost cancel never appeared: is lostcancel among the server's analyzers?"
	}
	r.RSSMiB, r.PeakRSSMiB = rss(s.cmd.Process.Pid)
	r.EditP50MS, r.EditP95MS = percentile(r.EditMS, 50), percentile(r.EditMS, 95)
	r.FirstP50MS = percentile(r.FirstDiagMS, 50)
	return r
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// lspPos is the LSP position of a byte offset (UTF-16 columns).
func lspPos(text string, off int) protocol.Position {
	line := strings.Count(text[:off], "\n")
	start := strings.LastIndex(text[:off], "\n") + 1
	col := 0
	for _, r := range text[start:off] {
		col++
		if r > 0xFFFF {
			col++
		}
	}
	return protocol.Position{Line: uint32(line), Character: uint32(col)}
}

// percentile is the nearest-rank percentile of xs.
func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	i := int(float64(len(s))*p/100+0.999999) - 1
	return s[max(0, min(i, len(s)-1))]
}

// rss returns the process's resident set and its peak, in MiB.
func rss(pid int) (cur, peak float64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "VmRSS:":
			cur = kb / 1024
		case "VmHWM:":
			peak = kb / 1024
		}
	}
	return cur, peak
}

// loadAtStart is the load average when the run began.
var loadAtStart string

func report(results []result, gopls string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Language server latency: asyncbook lsp beside gopls\n\n")
	fmt.Fprintf(&b, "Measured by `bench/lsp/run.sh` on %s, %d CPUs shared with other work (load average at the start: %s; at the end: %s), %s.\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), runtime.NumCPU(), loadAtStart, loadavg(), runtime.Version())
	if gopls != "" {
		if out, err := exec.Command(gopls, "version").Output(); err == nil {
			fmt.Fprintf(&b, "gopls: %s.\n", strings.SplitN(strings.TrimSpace(string(out)), "\n", 2)[0])
		}
	}
	b.WriteString(`
Edit latency is the time from didChange to the publishDiagnostics of that
version that reflects the edit. Each edit adds or removes a lost cancel, which
both servers report, so it is given for all edits and apart for the edits
that make the finding appear and disappear: gopls publishes its type-check
diagnostics at once and its analyzers' findings after its diagnostics delay,
so a finding that goes away leaves at once and one that comes takes longer.
First diagnostics is the time from didOpen, in a server started for it, to
its first publishDiagnostics for the file (the probe has no finding then).
RSS is the server process's at the end of the edit session, and its peak.
asyncbook waits 30 ms after an edit (its debounce) before it analyses; that
is in its numbers. It runs the registry's whole suite; gopls its defaults.

Goals for asyncbook on the 2-core machine: edit p50 ≤ 150 ms and p95 ≤ 400 ms
for an exercise file; first diagnostics ≤ 1 s; RSS ≤ 150 MiB.

| workspace | server | edit p50 | edit p95 | finding appears p50 / p95 | finding goes p50 / p95 | edits | first diagnostics p50 / max | RSS (peak) |
|---|---|---|---|---|---|---|---|---|
`)
	for _, r := range results {
		note := ""
		if r.Misses > 0 {
			note = fmt.Sprintf(" (%d timed out)", r.Misses)
		}
		if r.Error != "" {
			note += " error: " + r.Error
		}
		fmt.Fprintf(&b, "| %s | %s | %.0f ms | %.0f ms | %.0f / %.0f ms | %.0f / %.0f ms | %d%s | %.0f / %.0f ms | %.0f MiB (%.0f MiB) |\n",
			r.Workspace, r.Server, r.EditP50MS, r.EditP95MS,
			percentile(r.AppearMS, 50), percentile(r.AppearMS, 95), percentile(r.DisappearMS, 50), percentile(r.DisappearMS, 95),
			r.EditsMeasured, note, r.FirstP50MS, percentile(r.FirstDiagMS, 100), r.RSSMiB, r.PeakRSSMiB)
	}
	writeRatios(&b, results)
	b.WriteString("\nRaw numbers: results.json beside this file.\n")
	return b.String()
}

// writeRatios compares this build with the baseline measured in the same
// run, workspace by workspace: below 1 is faster (or smaller).
func writeRatios(b *strings.Builder, results []result) {
	byKey := map[string]result{}
	var base []result
	for _, r := range results {
		byKey[r.Workspace+"\x00"+r.Server] = r
		if strings.HasPrefix(r.Server, "asyncbook (") {
			base = append(base, r)
		}
	}
	if len(base) == 0 {
		return
	}
	b.WriteString("\nThis build against the baseline, measured in the same run (below 1: faster or smaller):\n\n")
	b.WriteString("| workspace | baseline | edit p50 | edit p95 | first diagnostics p50 | RSS | peak RSS |\n|---|---|---|---|---|---|---|\n")
	ratio := func(a, b float64) string {
		if b == 0 {
			return "n/a"
		}
		return fmt.Sprintf("%.2f×", a/b)
	}
	for _, old := range base {
		cur, ok := byKey[old.Workspace+"\x00asyncbook"]
		if !ok {
			continue
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s |\n", old.Workspace, strings.TrimSuffix(strings.TrimPrefix(old.Server, "asyncbook ("), ")"),
			ratio(cur.EditP50MS, old.EditP50MS), ratio(cur.EditP95MS, old.EditP95MS), ratio(cur.FirstP50MS, old.FirstP50MS),
			ratio(cur.RSSMiB, old.RSSMiB), ratio(cur.PeakRSSMiB, old.PeakRSSMiB))
	}
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
