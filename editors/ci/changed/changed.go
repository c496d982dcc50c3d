// Package changed knows which lines of which files a change touched, from a
// unified diff (git diff) or from a list of file:line ranges, so that CI
// annotates only what a pull request changed.
package changed

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Lines is a set of changed lines per file. Paths are slash-separated and
// relative to the repository root. The zero value holds nothing; use New.
type Lines struct {
	ranges map[string][]span // sorted, merged
	whole  map[string]bool   // every line of the file counts
}

type span struct{ from, to int } // inclusive

// New returns an empty set.
func New() *Lines {
	return &Lines{ranges: map[string][]span{}, whole: map[string]bool{}}
}

// Add marks lines from..to (inclusive) of file as changed.
func (l *Lines) Add(file string, from, to int) {
	if from > to {
		from, to = to, from
	}
	file = clean(file)
	l.ranges[file] = merge(append(l.ranges[file], span{from, to}))
}

// AddFile marks every line of file as changed.
func (l *Lines) AddFile(file string) { l.whole[clean(file)] = true }

// Contains reports whether line of file changed.
func (l *Lines) Contains(file string, line int) bool {
	file = clean(file)
	if l.whole[file] {
		return true
	}
	rs := l.ranges[file]
	i := sort.Search(len(rs), func(i int) bool { return rs[i].to >= line })
	return i < len(rs) && rs[i].from <= line
}

// ContainsFile reports whether any line of file changed.
func (l *Lines) ContainsFile(file string) bool {
	file = clean(file)
	return l.whole[file] || len(l.ranges[file]) > 0
}

// Files returns the files with changes, sorted.
func (l *Lines) Files() []string {
	seen := map[string]bool{}
	for f := range l.whole {
		seen[f] = true
	}
	for f, rs := range l.ranges {
		if len(rs) > 0 {
			seen[f] = true
		}
	}
	out := make([]string, 0, len(seen))
	for f := range seen {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

func clean(file string) string {
	return strings.TrimPrefix(path.Clean(strings.ReplaceAll(file, `\`, "/")), "./")
}

func merge(rs []span) []span {
	sort.Slice(rs, func(i, j int) bool { return rs[i].from < rs[j].from })
	out := rs[:0]
	for _, r := range rs {
		if n := len(out); n > 0 && r.from <= out[n-1].to+1 {
			out[n-1].to = max(out[n-1].to, r.to)
			continue
		}
		out = append(out, r)
	}
	return out
}

var hunkHeader = regexp.MustCompile(`^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@`)

// ParseDiff reads a unified diff (git diff, with any amount of context) and
// returns the lines it adds or changes in the new version of each file.
// Deleted files contribute nothing; pure deletions inside a file mark
// nothing either, since no line of the new file carries them.
func ParseDiff(r io.Reader) (*Lines, error) {
	l := New()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 64*1024*1024)
	var file string
	oldLeft, newLeft, newLine := 0, 0, 0
	lineNo := 0
	headers, other := false, false
	for sc.Scan() {
		lineNo++
		text := sc.Text()
		if oldLeft > 0 || newLeft > 0 {
			if text == "" { // some tools strip the space of an empty context line
				text = " "
			}
			switch text[0] {
			case ' ':
				oldLeft--
				newLeft--
				newLine++
			case '-':
				oldLeft--
			case '+':
				if file != "" {
					l.Add(file, newLine, newLine)
				}
				newLeft--
				newLine++
			case '\\': // "\ No newline at end of file"
			default:
				return nil, fmt.Errorf("parse diff: line %d: hunk ends early: %q", lineNo, text)
			}
			continue
		}
		switch {
		case strings.HasPrefix(text, "diff "):
			headers = true
			file = "" // a new file's header; binary files have no "+++" line
		case strings.HasPrefix(text, "+++ "):
			headers = true
			name, err := diffPath(strings.TrimPrefix(text, "+++ "))
			if err != nil {
				return nil, fmt.Errorf("parse diff: line %d: %w", lineNo, err)
			}
			file = name
		case strings.HasPrefix(text, "@@ "):
			m := hunkHeader.FindStringSubmatch(text)
			if m == nil {
				return nil, fmt.Errorf("parse diff: line %d: bad hunk header %q", lineNo, text)
			}
			oldLeft, newLeft = count(m[2]), count(m[4])
			newLine, _ = strconv.Atoi(m[3])
		default:
			other = other || strings.TrimSpace(text) != ""
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("parse diff: %w", err)
	}
	if other && !headers {
		return nil, errors.New("parse diff: this is not a unified diff: it has no \"diff\" or \"+++\" line")
	}
	if oldLeft > 0 || newLeft > 0 {
		return nil, fmt.Errorf("parse diff: the last hunk is cut short (%d old and %d new lines missing)", oldLeft, newLeft)
	}
	return l, nil
}

// count reads a hunk's line count, which is 1 when omitted.
func count(s string) int {
	if s == "" {
		return 1
	}
	n, _ := strconv.Atoi(s)
	return n
}

// diffPath reads the file name of a "+++ " header: "b/dir/f.go", a quoted
// name with escapes, or /dev/null (returned as "") for a deleted file.
func diffPath(s string) (string, error) {
	if i := strings.IndexByte(s, '\t'); i >= 0 && !strings.HasPrefix(s, `"`) {
		s = s[:i] // a timestamp follows the name in diff -u output
	}
	if strings.HasPrefix(s, `"`) {
		u, err := strconv.Unquote(s)
		if err != nil {
			return "", fmt.Errorf("bad quoted file name %s: %w", s, err)
		}
		s = u
	}
	if s == "/dev/null" {
		return "", nil
	}
	if strings.HasPrefix(s, "b/") {
		s = s[2:]
	}
	return clean(s), nil
}

// ParseRanges reads ranges such as "pkg/a.go:10-20", "pkg/a.go:7" or
// "pkg/a.go" (the whole file), separated by commas, spaces or newlines.
func ParseRanges(spec string) (*Lines, error) {
	l := New()
	if err := l.AddRanges(spec); err != nil {
		return nil, err
	}
	return l, nil
}

// AddRanges adds ranges written as ParseRanges reads them.
func (l *Lines) AddRanges(spec string) error {
	fields := strings.FieldsFunc(spec, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' || r == '\r' })
	for _, f := range fields {
		file, rng, ok := cutLast(f, ':')
		if !ok {
			l.AddFile(f)
			continue
		}
		a, b, isRange := strings.Cut(rng, "-")
		from, err := strconv.Atoi(a)
		if err != nil || from < 1 {
			return fmt.Errorf("line range %q: %q is not a line number", f, a)
		}
		to := from
		if isRange {
			if to, err = strconv.Atoi(b); err != nil || to < 1 {
				return fmt.Errorf("line range %q: %q is not a line number", f, b)
			}
		}
		l.Add(file, from, to)
	}
	return nil
}

// cutLast cuts s around the last sep unless what follows is part of a
// path ("c:/src/a.go" names a file).
func cutLast(s string, sep byte) (string, string, bool) {
	i := strings.LastIndexByte(s, sep)
	if i <= 0 {
		return s, "", false
	}
	rest := s[i+1:]
	if strings.ContainsAny(rest, `/\.`) {
		return s, "", false
	}
	return s[:i], rest, true
}
