// Package position maps between byte offsets in a document and LSP
// positions, whose columns count UTF-16 code units.
//
// LSP ends lines at "\n", "\r\n" or "\r". Positions past the end of a line
// fall back to the line's end, and lines past the end of the document to the
// document's end, as the specification asks; a column that falls inside a
// character that UTF-16 encodes as a surrogate pair maps to that character's
// start. Invalid UTF-8 counts one UTF-16 unit per byte (as U+FFFD would).
package position

import (
	"sort"
	"unicode/utf8"

	"go.lsp.dev/protocol"
)

// Mapper converts positions in one immutable text.
type Mapper struct {
	text  string
	lines []int // byte offset of each line's start; lines[0] == 0
}

// NewMapper indexes the line starts of text.
func NewMapper(text string) *Mapper {
	lines := make([]int, 1, 1+len(text)/32)
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case '\n':
			lines = append(lines, i+1)
		case '\r':
			if i+1 < len(text) && text[i+1] == '\n' {
				i++
			}
			lines = append(lines, i+1)
		}
	}
	return &Mapper{text: text, lines: lines}
}

// Text returns the mapped text.
func (m *Mapper) Text() string { return m.text }

// LineCount returns the number of lines (a text ending in a newline has an
// empty last line).
func (m *Mapper) LineCount() int { return len(m.lines) }

// lineBounds returns the byte range of line's content, without its
// terminator.
func (m *Mapper) lineBounds(line int) (start, end int) {
	start = m.lines[line]
	if line+1 < len(m.lines) {
		end = m.lines[line+1]
		if end > start && m.text[end-1] == '\n' {
			end--
		}
		if end > start && m.text[end-1] == '\r' {
			end--
		}
	} else {
		end = len(m.text)
	}
	return start, end
}

// Offset returns the byte offset of p, clamped into the text.
func (m *Mapper) Offset(p protocol.Position) int {
	if int64(p.Line) >= int64(len(m.lines)) {
		return len(m.text)
	}
	start, end := m.lineBounds(int(p.Line))
	units := int64(p.Character)
	off := start
	for off < end && units > 0 {
		r, size := utf8.DecodeRuneInString(m.text[off:end])
		w := int64(utf16Len(r, size))
		if w > units { // inside a surrogate pair: stay at the rune's start
			break
		}
		units -= w
		off += size
	}
	return off
}

// Position returns the LSP position of a byte offset, clamped into the text.
// An offset inside a multi-byte character or a "\r\n" maps to the start of
// that character or line break.
func (m *Mapper) Position(offset int) protocol.Position {
	offset = max(0, min(offset, len(m.text)))
	line := sort.Search(len(m.lines), func(i int) bool { return m.lines[i] > offset }) - 1
	start, end := m.lineBounds(line)
	if offset > end {
		offset = end // within the line terminator
	}
	var units uint32
	for off := start; off < offset; {
		r, size := utf8.DecodeRuneInString(m.text[off:end])
		if off+size > offset {
			break // offset inside a multi-byte character
		}
		units += uint32(utf16Len(r, size))
		off += size
	}
	return protocol.Position{Line: uint32(line), Character: units}
}

// Range returns the LSP range of the byte range [start, end).
func (m *Mapper) Range(start, end int) protocol.Range {
	return protocol.Range{Start: m.Position(start), End: m.Position(end)}
}

// Offsets returns the byte range of r, ordered and clamped into the text.
func (m *Mapper) Offsets(r protocol.Range) (start, end int) {
	start, end = m.Offset(r.Start), m.Offset(r.End)
	if end < start {
		start, end = end, start
	}
	return start, end
}

// utf16Len returns how many UTF-16 units encode the rune r decoded from size
// bytes (an invalid byte decodes as utf8.RuneError with size 1).
func utf16Len(r rune, size int) int {
	if r == utf8.RuneError && size == 1 {
		return 1
	}
	if r >= 0x10000 {
		return 2
	}
	return 1
}
