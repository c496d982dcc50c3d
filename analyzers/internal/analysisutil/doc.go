package analysisutil

import (
	"fmt"
	"go/parser"
	"go/token"
	"strings"
)

// MustExtractDoc returns the text of the "# Analyzer name" section of the
// package doc comment in src (the contents of an analyzer's doc.go), with the
// heading removed. Its first line is the analyzer's one-line title. It panics
// when the section is missing, so a malformed doc.go fails at init and in
// every test.
func MustExtractDoc(src, name string) string {
	doc, err := ExtractDoc(src, name)
	if err != nil {
		panic(err)
	}
	return doc
}

// ExtractDoc is MustExtractDoc returning an error.
func ExtractDoc(src, name string) (string, error) {
	f, err := parser.ParseFile(token.NewFileSet(), "doc.go", src, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		return "", fmt.Errorf("parse doc.go of %s: %w", name, err)
	}
	if f.Doc == nil {
		return "", fmt.Errorf("doc.go of %s has no package doc comment", name)
	}
	text := f.Doc.Text()
	heading := "# Analyzer " + name
	i := strings.Index(text, heading+"\n")
	if i < 0 {
		return "", fmt.Errorf("doc.go of %s lacks a %q section", name, heading)
	}
	body := text[i+len(heading)+1:]
	if j := strings.Index(body, "\n# "); j >= 0 {
		body = body[:j]
	}
	return strings.TrimSpace(body), nil
}
