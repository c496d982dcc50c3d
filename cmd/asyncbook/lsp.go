package main

import (
	"fmt"
	"io"
)

// runLSP serves the language server on stdio (being built).
func runLSP(_ []string, _ io.Reader, _, stderr io.Writer) int {
	fmt.Fprintln(stderr, "asyncbook lsp: not built yet")
	return 1
}
