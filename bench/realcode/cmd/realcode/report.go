package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"golang.org/x/mod/modfile"

	"github.com/asyncbook/asyncbook/analyzers/registry"
	"github.com/asyncbook/asyncbook/bench/realcode"
)

// writeReport renders docs/reports/realcode.md from the judged findings.
func writeReport(w io.Writer, judged []realcode.Judged) error {
	b, err := realcode.Find(".")
	if err != nil {
		return err
	}
	mods, err := pinned(filepath.Join(b.ModulesDir(), "go.mod"))
	if err != nil {
		return err
	}
	pkgs, err := b.Packages()
	if err != nil {
		return err
	}
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("# asyncvet on code nobody here wrote\n\n")
	p("Reproduce with `bash bench/realcode/run.sh` (%s). The benchmark runs every analyzer of the registry as `go vet -vettool` over %d packages, ", runtime.Version(), len(pkgs)-1)
	p("with their tests, of these modules (pinned in `bench/realcode/modules/go.mod`), and over the standard library (`std`, with its tests):\n\n")
	for _, m := range mods {
		p("- `%s` %s\n", m[0], m[1])
	}
	p("\nEvery finding has a verdict in `bench/realcode/verdicts.tsv`, with one line of why: ")
	p("**real** (a bug worth fixing), **debatable** (defensible either way, worth a look) or **false** (a false alarm: the code is right). ")
	p("`go test ./bench/realcode` fails when a finding has no verdict or a verdict no longer has its finding; ")
	p("`go run ./bench/realcode/cmd/realcode -show` prints the lines to add, with their code.\n\n")

	type row struct{ n, real, deb, fa int }
	add := func(r *row, k realcode.Kind) {
		r.n++
		switch k {
		case realcode.Real:
			r.real++
		case realcode.Debatable:
			r.deb++
		default:
			r.fa++
		}
	}
	rows := map[string]*row{}
	byProfile := map[registry.Profile]*row{registry.Default: {}, registry.Strict: {}}
	for _, j := range judged {
		r := rows[j.Finding.Analyzer]
		if r == nil {
			r = &row{}
			rows[j.Finding.Analyzer] = r
		}
		add(r, j.Verdict.Kind)
		e, _ := registry.Find(j.Finding.Analyzer)
		for _, pr := range registry.Profiles {
			if pr.Includes(e.Profile) {
				add(byProfile[pr], j.Verdict.Kind)
			}
		}
	}
	prec := func(r *row) string {
		if r.n == 0 {
			return "—"
		}
		return fmt.Sprintf("%.0f%%", 100*float64(r.real+r.deb)/float64(r.n))
	}
	p("## Precision\n\n")
	p("Precision is the share of findings that are real or debatable. The default profile holds the rules precise enough here; ")
	p("the strict profile (`-profile=strict`) adds the rules that teach learners but are noisy on code like this.\n\n")
	p("| profile | findings | real | debatable | false alarm | precision |\n|---|---|---|---|---|---|\n")
	for _, pr := range registry.Profiles {
		r := byProfile[pr]
		p("| %s | %d | %d | %d | %d | %s |\n", pr, r.n, r.real, r.deb, r.fa, prec(r))
	}
	p("\n| analyzer | profile | findings | real | debatable | false alarm | precision |\n|---|---|---|---|---|---|---|\n")
	for _, e := range registry.Entries() {
		r := rows[e.Analyzer.Name]
		if r == nil {
			r = &row{}
		}
		p("| `%s` | %s | %d | %d | %d | %d | %s |\n", e.Analyzer.Name, e.Profile, r.n, r.real, r.deb, r.fa, prec(r))
	}

	sorted := append([]realcode.Judged(nil), judged...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Finding.Module < sorted[j].Finding.Module })
	list := func(title string, k realcode.Kind) {
		p("\n## %s\n\n| module | place | analyzer | why |\n|---|---|---|---|\n", title)
		for _, j := range sorted {
			if j.Verdict.Kind == k {
				f := j.Finding
				p("| `%s` | `%s:%d` | %s | %s |\n", f.Module, f.File, f.Line, f.Analyzer, esc(j.Verdict.Why))
			}
		}
	}
	list("Real findings", realcode.Real)
	list("Debatable findings", realcode.Debatable)
	return nil
}

func esc(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// pinned returns the module requirements of go.mod that are not indirect.
func pinned(path string) ([][2]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := modfile.Parse(path, data, nil)
	if err != nil {
		return nil, err
	}
	var out [][2]string
	for _, r := range f.Require {
		if !r.Indirect {
			out = append(out, [2]string{r.Mod.Path, r.Mod.Version})
		}
	}
	return out, nil
}
