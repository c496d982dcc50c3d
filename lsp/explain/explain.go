// Package explain turns an analyzer's documentation into what an editor
// shows about a finding: a title, a short explanation, the WRONG and RIGHT
// examples and the link, and progressive hints drawn from them.
//
// Analyzer docs follow the Go team's convention: the first line is the
// title ("name: what it reports"), then prose, with examples as indented
// blocks whose first line is a "// WRONG" or "// RIGHT" comment, or that
// follow a "WRONG:" or "RIGHT:" line.
package explain

import (
	"fmt"
	"strings"

	"golang.org/x/tools/go/analysis"
)

// Doc is an analyzer's documentation, taken apart.
type Doc struct {
	Name        string
	Title       string // the first line, without a leading "name: "
	Explanation string // the first paragraph of prose
	Wrong       string // the WRONG example, unindented; "" if none
	Right       string // the RIGHT example, unindented; "" if none
	URL         string
}

// Parse takes an analyzer's Doc apart.
func Parse(a *analysis.Analyzer) Doc {
	d := Doc{Name: a.Name, URL: a.URL}
	lines := strings.Split(strings.ReplaceAll(a.Doc, "\r\n", "\n"), "\n")
	if len(lines) == 0 {
		return d
	}
	d.Title = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(lines[0]), a.Name+":"))

	var prose []string // paragraphs of prose
	var para []string
	flush := func() {
		if len(para) > 0 {
			prose = append(prose, strings.Join(para, " "))
			para = nil
		}
	}
	var block *[]string // the example being collected
	var wrong, right []string
	for _, line := range lines[1:] {
		indented := strings.HasPrefix(line, "\t") || strings.HasPrefix(line, "    ")
		trimmed := strings.TrimSpace(line)
		switch {
		case indented && strings.HasPrefix(trimmed, "// WRONG"):
			flush()
			block = &wrong
		case indented && strings.HasPrefix(trimmed, "// RIGHT"):
			flush()
			block = &right
		case indented:
			flush()
			if block != nil {
				*block = append(*block, strings.TrimPrefix(strings.TrimPrefix(line, "\t"), "    "))
			}
		case !indented && isMarker(trimmed, "WRONG"):
			flush()
			block = &wrong
		case !indented && isMarker(trimmed, "RIGHT"):
			flush()
			block = &right
		case trimmed == "":
			flush()
			if block != nil {
				*block = append(*block, "")
			}
		default:
			block = nil
			para = append(para, trimmed)
		}
	}
	flush()
	if len(prose) > 0 {
		d.Explanation = prose[0]
	}
	d.Wrong = strings.TrimSpace(strings.Join(wrong, "\n"))
	d.Right = strings.TrimSpace(strings.Join(right, "\n"))
	return d
}

// isMarker reports whether a prose line introduces an example: "WRONG:",
// "WRONG", "RIGHT: what to do".
func isMarker(line, word string) bool {
	return line == word || strings.HasPrefix(line, word+":")
}

// Hint is one progressive hint.
type Hint struct {
	Title string
	Body  string
}

// Hints returns the hints the doc gives, in order: what is wrong and why,
// then what the right code looks like.
func (d Doc) Hints() []Hint {
	var out []Hint
	if d.Explanation != "" {
		out = append(out, Hint{Title: d.Title, Body: d.Explanation})
	}
	if d.Right != "" {
		out = append(out, Hint{Title: "what the right code looks like", Body: "```go\n" + d.Right + "\n```"})
	}
	if len(out) == 0 && d.Title != "" {
		out = append(out, Hint{Title: d.Title, Body: d.Title})
	}
	return out
}

// Markdown renders the doc for a hover over a finding with message; note is
// added as what the finding means here (an exercise's analyzer note).
func (d Doc) Markdown(message, note string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s**: %s\n\n", d.Name, message)
	if d.Title != "" {
		fmt.Fprintf(&b, "*%s*\n\n", d.Title)
	}
	if d.Explanation != "" {
		fmt.Fprintf(&b, "%s\n\n", d.Explanation)
	}
	if note != "" {
		fmt.Fprintf(&b, "**In this exercise:** %s\n\n", strings.TrimSpace(note))
	}
	if d.Wrong != "" {
		fmt.Fprintf(&b, "WRONG:\n```go\n%s\n```\n\n", d.Wrong)
	}
	if d.Right != "" {
		fmt.Fprintf(&b, "RIGHT:\n```go\n%s\n```\n\n", d.Right)
	}
	if d.URL != "" {
		fmt.Fprintf(&b, "[Documentation of %s](%s)\n", d.Name, d.URL)
	}
	return strings.TrimSpace(b.String())
}
