package position_test

import (
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.lsp.dev/protocol"

	"github.com/asyncbook/asyncbook/lsp/position"
)

func pos(line, char uint32) protocol.Position { return protocol.Position{Line: line, Character: char} }

func TestOffsetCountsUTF16Units(t *testing.T) {
	// "é" is 2 bytes and 1 unit; "😀" is 4 bytes and 2 units (a surrogate pair).
	text := "package p\n// é😀x\nfunc f() {}\n"
	m := position.NewMapper(text)
	line1 := strings.Index(text, "//")
	x := strings.Index(text, "x\n")

	assert.Equal(t, line1, m.Offset(pos(1, 0)))
	// "// " is 3 units, é 1, 😀 2: x is at column 6.
	assert.Equal(t, x, m.Offset(pos(1, 6)))
	assert.Equal(t, pos(1, 6), m.Position(x))
	emoji := strings.Index(text, "😀")
	assert.Equal(t, emoji, m.Offset(pos(1, 4)))
	assert.Equal(t, emoji, m.Offset(pos(1, 5)), "column 5 is inside the surrogate pair: the emoji's start")
	assert.Equal(t, pos(1, 4), m.Position(emoji+2), "an offset inside the emoji maps to its start")
	// Past the end of a line: the line's end. Past the last line: the text's end.
	assert.Equal(t, x+1, m.Offset(pos(1, 99)))
	assert.Equal(t, len(text), m.Offset(pos(99, 0)))
	assert.Equal(t, 4, m.LineCount())
}

func TestLineEndings(t *testing.T) {
	text := "a\r\nb\rc\nd"
	m := position.NewMapper(text)
	assert.Equal(t, 4, m.LineCount())
	assert.Equal(t, 3, m.Offset(pos(1, 0)))
	assert.Equal(t, 5, m.Offset(pos(2, 0)))
	assert.Equal(t, 7, m.Offset(pos(3, 0)))
	assert.Equal(t, 1, m.Offset(pos(0, 5)), "the end of line 0 is before its \\r\\n")
	assert.Equal(t, pos(0, 1), m.Position(2), "an offset inside \\r\\n maps to the line's end")
	assert.Equal(t, pos(3, 1), m.Position(len(text)))
}

func TestPositionInsideMultibyteCharacter(t *testing.T) {
	m := position.NewMapper("é!")
	assert.Equal(t, pos(0, 0), m.Position(1), "the middle of é maps to its start")
	assert.Equal(t, pos(0, 1), m.Position(2))
	assert.Equal(t, pos(0, 2), m.Position(3))
	assert.Equal(t, pos(0, 2), m.Position(100), "clamped to the end")
	assert.Equal(t, pos(0, 0), m.Position(-3), "clamped to the start")
}

func TestRangeAndOffsets(t *testing.T) {
	m := position.NewMapper("ab\ncd\n")
	r := m.Range(1, 4)
	assert.Equal(t, protocol.Range{Start: pos(0, 1), End: pos(1, 1)}, r)
	s, e := m.Offsets(protocol.Range{Start: pos(1, 1), End: pos(0, 1)})
	assert.Equal(t, []int{1, 4}, []int{s, e}, "a reversed range is ordered")
}

// reference maps positions the slow, obvious way: split into lines, encode a
// line as UTF-16 and count.
type reference struct {
	text   string
	starts []int
	ends   []int
}

func newReference(text string) reference {
	r := reference{text: text}
	start := 0
	for i := 0; i < len(text); {
		switch {
		case strings.HasPrefix(text[i:], "\r\n"):
			r.starts, r.ends = append(r.starts, start), append(r.ends, i)
			i += 2
			start = i
		case text[i] == '\n' || text[i] == '\r':
			r.starts, r.ends = append(r.starts, start), append(r.ends, i)
			i++
			start = i
		default:
			i++
		}
	}
	r.starts, r.ends = append(r.starts, start), append(r.ends, len(text))
	return r
}

func (r reference) offset(p protocol.Position) int {
	if int(p.Line) >= len(r.starts) {
		return len(r.text)
	}
	line := r.text[r.starts[p.Line]:r.ends[p.Line]]
	units := 0
	for i, c := range line { // invalid bytes range as U+FFFD, one unit each
		w := len(utf16.Encode([]rune{c}))
		if units+w > int(p.Character) {
			return r.starts[p.Line] + i
		}
		units += w
	}
	return r.ends[p.Line]
}

func FuzzMapper(f *testing.F) {
	f.Add("package p\n// é😀x\n", uint32(1), uint32(4))
	f.Add("a\r\nb\rc\nd", uint32(2), uint32(1))
	f.Add("\xff\xfe\n\xf0\x9f", uint32(0), uint32(1))
	f.Add("", uint32(0), uint32(0))
	f.Add("x\r", uint32(1), uint32(0))
	f.Fuzz(func(t *testing.T, text string, line, char uint32) {
		m := position.NewMapper(text)
		ref := newReference(text)
		require.Equal(t, len(ref.starts), m.LineCount())

		p := pos(line, char)
		off := m.Offset(p)
		require.Equal(t, ref.offset(p), off, "offset of %v", p)
		require.True(t, off >= 0 && off <= len(text))
		// Round trip: the offset's position maps back to the same offset.
		back := m.Position(off)
		require.Equal(t, off, m.Offset(back), "round trip of %v via %v", p, back)

		// Every character boundary round-trips exactly.
		if len(text) <= 256 {
			for i := 0; i <= len(text); i++ {
				if i < len(text) && !utf8.RuneStart(text[i]) && utf8.ValidString(text) {
					continue
				}
				q := m.Position(i)
				require.LessOrEqual(t, m.Offset(q), i, "position of %d is %v", i, q)
			}
		}
	})
}
