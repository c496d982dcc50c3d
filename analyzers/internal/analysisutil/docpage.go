package analysisutil

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/tools/go/analysis"
)

// DocPageProblems checks an analyzer's catalog page in docsDir
// (docs/analyzers): its title, the analyzer's URL and Doc title, and a
// "## <category>" section for every category (the anchor its diagnostics
// link to), each named in the Doc too. It returns what is wrong.
func DocPageProblems(docsDir string, a *analysis.Analyzer, categories ...string) []string {
	page, err := os.ReadFile(filepath.Join(docsDir, a.Name+".md"))
	if err != nil {
		return []string{fmt.Sprintf("%s has no docs page: %v", a.Name, err)}
	}
	var problems []string
	headings := map[string]bool{}
	for _, line := range strings.Split(string(page), "\n") {
		if h, ok := strings.CutPrefix(line, "## "); ok {
			headings[strings.TrimSpace(h)] = true
		}
	}
	if !strings.HasPrefix(string(page), "# "+a.Name+": ") {
		problems = append(problems, fmt.Sprintf("%s.md does not start with %q", a.Name, "# "+a.Name+": "))
	}
	if !strings.HasPrefix(a.Doc, a.Name+": ") {
		problems = append(problems, fmt.Sprintf("%s's Doc does not start with %q", a.Name, a.Name+": "))
	}
	if a.URL != URL(a.Name) {
		problems = append(problems, fmt.Sprintf("%s's URL is %q, want %q", a.Name, a.URL, URL(a.Name)))
	}
	for _, cat := range categories {
		if !headings[cat] {
			problems = append(problems, fmt.Sprintf("%s.md lacks a ## %s section", a.Name, cat))
		}
		if !strings.Contains(a.Doc, cat) {
			problems = append(problems, fmt.Sprintf("%s's Doc does not name %s", a.Name, cat))
		}
	}
	return problems
}
