// Command countjson reads asyncvet -json output on stdin and prints the
// number of findings per analyzer, and the total.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
)

func main() {
	var tree map[string]map[string][]json.RawMessage
	if err := json.NewDecoder(os.Stdin).Decode(&tree); err != nil {
		fmt.Fprintf(os.Stderr, "countjson: read asyncvet -json output: %v\n", err)
		os.Exit(1)
	}
	counts := map[string]int{}
	total := 0
	for _, byAnalyzer := range tree {
		for name, ds := range byAnalyzer {
			counts[name] += len(ds)
			total += len(ds)
		}
	}
	var names []string
	for n := range counts {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Printf("%-12s %d\n", n, counts[n])
	}
	fmt.Printf("%-12s %d\n", "total", total)
}
