// Command gen prints docs/analyzers.md: go run ./analyzers/registry/catalog/gen > docs/analyzers.md
package main

import (
	"os"

	"github.com/asyncbook/asyncbook/analyzers/registry/catalog"
)

func main() { os.Stdout.Write(catalog.Markdown()) }
