package runner

import (
	"bytes"
	"os"
	"strings"
)

// IgnoreDirective silences a finding when it stands at the end of the
// finding's line or alone on the line above it:
//
//	go process(j) //asyncvet:ignore unboundedgo the queue is bounded upstream
//
// With no analyzer names (or "all") it silences every analyzer; names are
// comma-separated. Text after the names is the reason, for the reader.
const IgnoreDirective = "//asyncvet:ignore"

// Ignored reports whether src (the file's contents) silences an analyzer's
// finding on line (1-based).
func Ignored(src []byte, line int, analyzer string) bool {
	lines := bytes.Split(src, []byte("\n"))
	check := func(n int, alone bool) bool {
		if n < 1 || n > len(lines) {
			return false
		}
		text := string(lines[n-1])
		i := strings.Index(text, IgnoreDirective)
		if i < 0 || (alone && strings.TrimSpace(text[:i]) != "") {
			return false
		}
		fields := strings.Fields(text[i+len(IgnoreDirective):])
		if len(fields) == 0 || fields[0] == "all" {
			return true
		}
		for _, name := range strings.Split(fields[0], ",") {
			if name == analyzer {
				return true
			}
		}
		// A first word that names no analyzer is the reason: all are silenced.
		return !looksLikeNames(fields[0])
	}
	return check(line, false) || check(line-1, true)
}

// looksLikeNames reports whether s reads as a list of analyzer names:
// lowercase letters and digits separated by commas.
func looksLikeNames(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == ',') {
			return false
		}
	}
	return true
}

// dropIgnored removes the findings that an ignore directive silences.
func dropIgnored(findings []Finding, overlay map[string][]byte) []Finding {
	files := map[string][]byte{}
	out := findings[:0]
	for _, f := range findings {
		src, ok := files[f.Pos.File]
		if !ok {
			if b, inOverlay := overlay[f.Pos.File]; inOverlay {
				src = b
			} else {
				src, _ = os.ReadFile(f.Pos.File)
			}
			files[f.Pos.File] = src
		}
		if !Ignored(src, f.Pos.Line, f.Analyzer) {
			out = append(out, f)
		}
	}
	return out
}
