// Command realvet is the vet tool the real-code benchmark runs: every
// analyzer of the registry, every profile, through go vet's unitchecker
// protocol. The benchmark judges each finding and reports precision per
// profile; which profile a driver runs is the driver's choice.
package main

import (
	"golang.org/x/tools/go/analysis/unitchecker"

	"github.com/asyncbook/asyncbook/analyzers/registry"
)

func main() { unitchecker.Main(registry.All()...) }
