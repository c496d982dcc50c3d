// Package catalog renders docs/analyzers.md, the index of every analyzer in
// the suite, from the registry, so the page cannot drift from the code.
package catalog

import (
	"bytes"
	"fmt"
	"strings"

	"golang.org/x/tools/go/analysis"

	"github.com/asyncbook/asyncbook/analyzers/registry"
)

// Markdown returns the catalog page.
func Markdown() []byte {
	var b bytes.Buffer
	b.WriteString("# asyncbook's analyzers\n\n")
	b.WriteString("Generated from the registry by `go run ./analyzers/registry/catalog/gen > docs/analyzers.md`; a test fails when it is stale.\n\n")
	b.WriteString("`asyncvet`, `asyncbook check` and the language server all run this list. Turn one off with `asyncvet -NAME=false`, ")
	b.WriteString("or in the editor with the `analyzers` setting.\n\n")
	b.WriteString("The default profile holds the rules that are precise on code nobody here wrote (measured on the real-code benchmark, ")
	b.WriteString("[docs/reports/realcode.md](reports/realcode.md)); the strict profile adds the rules that teach learners but are noisier on real code. ")
	b.WriteString("Severity is how a finding is shown by default (warning, information, hint).\n\n")
	b.WriteString("| analyzer | what it flags | profile | severity | page |\n|---|---|---|---|---|\n")
	row := func(e registry.Entry, page string) {
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", e.Analyzer.Name, title(e.Analyzer), e.Profile, e.Severity, page)
	}
	for _, e := range registry.Entries() {
		if e.Ours {
			row(e, fmt.Sprintf("[%s](analyzers/%s.md)", e.Analyzer.Name, e.Analyzer.Name))
		}
	}
	for _, e := range registry.Entries() {
		if !e.Ours {
			row(e, fmt.Sprintf("[Go team's docs](%s)", e.Analyzer.URL))
		}
	}
	b.WriteString("\n## Examples\n\nEach analyzer's own words: what is wrong, why it matters, a WRONG and a RIGHT example.\n")
	for _, a := range registry.Ours() {
		fmt.Fprintf(&b, "\n### %s\n\n%s\n", a.Name, body(a))
	}
	return b.Bytes()
}

func title(a *analysis.Analyzer) string {
	t, _, _ := strings.Cut(a.Doc, "\n")
	t = strings.TrimPrefix(t, a.Name+": ")
	return strings.ReplaceAll(t, "|", `\|`)
}

// body returns the doc after its title line, with indented code blocks kept.
func body(a *analysis.Analyzer) string {
	_, rest, _ := strings.Cut(a.Doc, "\n")
	return strings.TrimSpace(rest)
}
