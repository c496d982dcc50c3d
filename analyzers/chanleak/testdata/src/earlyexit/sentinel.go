package earlyexit

import "strings"

// words ends its stream with an empty word.
func words(text string, out chan<- string) {
	for _, w := range strings.Fields(text) {
		out <- w
	}
	out <- ""
}

// FirstLine stops on the sentinel: words has sent its last value, fine.
func FirstLine(text string) []string {
	out := make(chan string)
	go words(text, out)
	var got []string
	for w := range out {
		if w == "" {
			return got
		}
		got = append(got, w)
	}
	return got
}
