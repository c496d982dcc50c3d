// Tokenizes every file of a corpus in its own goroutine.
// Expect: unboundedgo
package c

import "strings"

func tokenize(path string, out chan<- []string) { out <- strings.Fields(path) }

func TokenizeAll(paths []string) [][]string {
	out := make(chan []string, len(paths))
	for _, p := range paths {
		go tokenize(p, out) // BUG
	}
	var all [][]string
	for range paths {
		all = append(all, <-out)
	}
	return all
}
