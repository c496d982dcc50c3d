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

// writeReport renders docs/reports/realcode.md from the judged findings of
// the default profile; all holds every finding, other profiles included.
func writeReport(w io.Writer, judged []realcode.Judged, all, def []realcode.Finding) error {
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
	p("Reproduce with `bash bench/realcode/run.sh` (%s). The benchmark runs asyncvet as `go vet -vettool` over %d packages, ", runtime.Version(), len(pkgs))
	p("with their tests, of these modules (pinned in `bench/realcode/modules/go.mod`) and over the standard library (`std`):\n\n")
	for _, m := range mods {
		p("- `%s` %s\n", m[0], m[1])
	}
	p("\nEvery finding of the default profile has a verdict in `bench/realcode/verdicts.tsv`, with one line of why: ")
	p("**real** (a bug worth fixing), **debatable** (defensible either way, worth a look) or **false** (a false alarm: the code is right). ")
	p("`go test ./bench/realcode` fails when a finding has no verdict or a verdict no longer has its finding; ")
	p("`go run ./bench/realcode/cmd/realcode` prints the lines to add.\n\n")

	type row struct{ n, real, deb, fa int }
	rows := map[string]*row{}
	total := &row{}
	for _, j := range judged {
		r := rows[j.Finding.Analyzer]
		if r == nil {
			r = &row{}
			rows[j.Finding.Analyzer] = r
		}
		for _, x := range []*row{r, total} {
			x.n++
			switch j.Verdict.Kind {
			case realcode.Real:
				x.real++
			case realcode.Debatable:
				x.deb++
			default:
				x.fa++
			}
		}
	}
	prec := func(r *row) string {
		if r.n == 0 {
			return "—"
		}
		return fmt.Sprintf("%.0f%%", 100*float64(r.real+r.deb)/float64(r.n))
	}
	p("## Default profile\n\n")
	p("Precision is the share of findings that are real or debatable.\n\n")
	p("| analyzer | findings | real | debatable | false alarm | precision |\n|---|---|---|---|---|---|\n")
	for _, a := range registry.InProfile(registry.Default) {
		r := rows[a.Name]
		if r == nil {
			r = &row{}
		}
		p("| `%s` | %d | %d | %d | %d | %s |\n", a.Name, r.n, r.real, r.deb, r.fa, prec(r))
	}
	p("| **all** | **%d** | **%d** | **%d** | **%d** | **%s** |\n\n", total.n, total.real, total.deb, total.fa, prec(total))

	p("## Real findings\n\n")
	p("Each is in the pinned version, the newest the module proxy served when the benchmark was pinned; its status upstream is in the note where known.\n\n")
	p("| module | place | analyzer | why |\n|---|---|---|---|\n")
	sorted := append([]realcode.Judged(nil), judged...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Finding.Module < sorted[j].Finding.Module })
	for _, j := range sorted {
		if j.Verdict.Kind == realcode.Real {
			f := j.Finding
			p("| `%s` | `%s:%d` | %s | %s |\n", f.Module, f.File, f.Line, f.Analyzer, esc(j.Verdict.Why))
		}
	}
	p("\n## Debatable findings\n\n| module | place | analyzer | why |\n|---|---|---|---|\n")
	for _, j := range sorted {
		if j.Verdict.Kind == realcode.Debatable {
			f := j.Finding
			p("| `%s` | `%s:%d` | %s | %s |\n", f.Module, f.File, f.Line, f.Analyzer, esc(j.Verdict.Why))
		}
	}

	other := map[string]int{}
	inDefault := map[string]bool{}
	for _, f := range def {
		inDefault[f.Analyzer] = true
	}
	for _, f := range all {
		if !inDefault[f.Analyzer] {
			other[f.Analyzer]++
		}
	}
	p("\n## Outside the default profile\n\n")
	p("Rules that teach learners but are not precise enough on real code run with `-profile=strict`; their findings here are not judged:\n\n")
	p("| analyzer | profile | findings |\n|---|---|---|\n")
	for _, e := range registry.Entries() {
		if e.Profile != registry.Default {
			p("| `%s` | %s | %d |\n", e.Analyzer.Name, e.Profile, other[e.Analyzer.Name])
		}
	}
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
