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
	b.WriteString("| analyzer | what it flags | page |\n|---|---|---|\n")
	row := func(a *analysis.Analyzer, page string) {
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", a.Name, title(a), page)
	}
	for _, a := range registry.Ours() {
		row(a, fmt.Sprintf("[%s](analyzers/%s.md)", a.Name, a.Name))
	}
	for _, a := range registry.GoTeam() {
		row(a, fmt.Sprintf("[Go team's docs](%s)", a.URL))
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
