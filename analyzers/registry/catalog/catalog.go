// Package catalog renders docs/analyzers.md, the index of every analyzer in
// the suite, from the registry, so the page cannot drift from the code.
package catalog

import (
	"bytes"
	"fmt"
	"strings"

	"golang.org/x/tools/go/analysis"

	"github.com/asyncbook/asyncbook/analyzers/driver"
	"github.com/asyncbook/asyncbook/analyzers/registry"
)

// Markdown returns the catalog page.
func Markdown() []byte {
	var b bytes.Buffer
	b.WriteString("# asyncbook's analyzers\n\n")
	b.WriteString("Generated from the registry by `go run ./analyzers/registry/catalog/gen > docs/analyzers.md`; a test fails when it is stale.\n\n")
	b.WriteString("`asyncvet`, `go vet -vettool=asyncvet`, the language server, `asyncbook check` and `grade`, and the golangci-lint plugin ")
	b.WriteString("all run this list through one driver (`analyzers/driver`), so they find the same. ")
	b.WriteString("The `default` profile holds the rules that are precise on code nobody here wrote (measured on the real-code benchmark, [realcode.md](reports/realcode.md)); `strict` adds the rest. ")
	b.WriteString("Which run, and how loudly, comes from the workspace's `" + driver.SettingsFile + "` (the nearest one above a package, up to its module's root):\n\n")
	b.WriteString("```json\n{\n  \"profile\": \"default\",\n  \"analyzers\": {\"unboundedgo\": false},\n  \"severity\": {\"droppederr\": \"hint\"},\n  \"overrides\": [{\"dir\": \"practice\", \"profile\": \"strict\"}]\n}\n```\n\n")
	b.WriteString("`analyzers` turns analyzers on (even outside the profile) or off; `severity` (`warning`, `information`, `hint`) is how the editor shows them; ")
	b.WriteString("each override applies to the packages of its folder and below. On top of the file: `asyncvet -profile=strict`, `asyncvet -NAME=false` (or `-NAME`), ")
	b.WriteString("the editor's `analyzers`, `profile` and `severity` settings (which it also sends with every exercise check), the golangci-lint plugin's settings.\n\n")
	b.WriteString("A finding judged safe is silenced with `//asyncvet:ignore NAME reason` at the end of its line or alone on the line above; ")
	b.WriteString("[`ignore`](analyzers/ignore.md) reports directives that silence nothing.\n\n")
	b.WriteString("| analyzer | what it flags | profile | severity | page |\n|---|---|---|---|---|\n")
	row := func(a *analysis.Analyzer, profile, severity, page string) {
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", a.Name, title(a), profile, severity, page)
	}
	for _, e := range registry.Entries() {
		page := fmt.Sprintf("[Go team's docs](%s)", e.Analyzer.URL)
		if e.Ours {
			page = fmt.Sprintf("[%s](analyzers/%s.md)", e.Analyzer.Name, e.Analyzer.Name)
		}
		row(e.Analyzer, string(e.Profile), string(e.Severity), page)
	}
	row(driver.IgnoreAnalyzer(), "always", string(registry.Warning), fmt.Sprintf("[%s](analyzers/%s.md)", driver.IgnoreName, driver.IgnoreName))
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
