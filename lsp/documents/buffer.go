package documents

import (
	"slices"
	"strings"
	"unicode/utf8"

	"go.lsp.dev/protocol"
)

// Chunk sizes of a buffer, in bytes: edits rewrite one or two chunks, and
// finding a position walks the chunks' counts, so one edit costs a few
// kilobytes however long the text is.
const (
	maxChunk = 4096
	minChunk = 1024
)

// buffer is a text being edited: a list of chunks, each with its count of
// line breaks and of UTF-16 units, so that a didChange's edits apply one
// after the other without copying the whole text for each. A chunk never
// ends inside a UTF-8 sequence or between the "\r" and "\n" of a line
// break. It resolves LSP positions exactly as position.Mapper does.
type buffer struct {
	chunks []chunk
	size   int
	copied int // bytes written into chunks and the result, for tests
}

type chunk struct {
	s   string
	nl  int // line breaks ("\n", "\r\n", "\r") in s
	u16 int // UTF-16 units of s
}

func newChunk(s string) chunk {
	c := chunk{s: s}
	for i := 0; i < len(s); {
		switch b := s[i]; {
		case b == '\n':
			c.nl++
			c.u16++
			i++
		case b == '\r':
			c.nl++
			c.u16++
			i++
			if i < len(s) && s[i] == '\n' {
				c.u16++
				i++
			}
		case b < utf8.RuneSelf:
			c.u16++
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			c.u16 += utf16Len(r, size)
			i += size
		}
	}
	return c
}

func newBuffer(text string) *buffer {
	b := &buffer{size: len(text)}
	b.chunks = b.split(text)
	return b
}

// split cuts s into chunks of at most maxChunk bytes, never inside a UTF-8
// sequence or a "\r\n".
func (b *buffer) split(s string) []chunk {
	var out []chunk
	for len(s) > maxChunk {
		cut := maxChunk
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		if s[cut-1] == '\r' && s[cut] == '\n' {
			cut--
		}
		if cut == 0 {
			cut = maxChunk
		}
		out = append(out, newChunk(s[:cut]))
		s = s[cut:]
	}
	if len(s) > 0 {
		out = append(out, newChunk(s))
	}
	return out
}

// offset returns the byte offset of p, clamped into the text as
// position.Mapper.Offset does.
func (b *buffer) offset(p protocol.Position) int {
	base, ci, co := 0, 0, 0 // chunk ci starts at base; the line starts at base+co
	if remaining := int(p.Line); remaining > 0 {
		for ci < len(b.chunks) && b.chunks[ci].nl < remaining {
			remaining -= b.chunks[ci].nl
			base += len(b.chunks[ci].s)
			ci++
		}
		if ci == len(b.chunks) {
			return b.size // past the last line
		}
		s := b.chunks[ci].s
		for i := 0; i < len(s); i++ {
			if s[i] == '\n' || s[i] == '\r' {
				if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
					i++
				}
				if remaining--; remaining == 0 {
					co = i + 1
					break
				}
			}
		}
	}
	units := int64(p.Character)
	for units > 0 && ci < len(b.chunks) {
		c := b.chunks[ci]
		if co == len(c.s) {
			base += len(c.s)
			ci, co = ci+1, 0
			continue
		}
		if co == 0 && c.nl == 0 && int64(c.u16) <= units {
			units -= int64(c.u16)
			base += len(c.s)
			ci++
			continue
		}
		ch := c.s[co]
		if ch == '\n' || ch == '\r' {
			break // the end of the line
		}
		r, size := rune(ch), 1
		if ch >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(c.s[co:])
		}
		w := int64(utf16Len(r, size))
		if w > units {
			break // inside a surrogate pair: stay at the rune's start
		}
		units -= w
		co += size
	}
	return base + co
}

// locate returns the chunk holding offset off and the offset in it; an
// offset at the end of a chunk is placed at the start of the next one,
// except at the end of the text.
func (b *buffer) locate(off int) (ci, co int) {
	base := 0
	for ci = 0; ci < len(b.chunks); ci++ {
		n := len(b.chunks[ci].s)
		if off < base+n {
			return ci, off - base
		}
		base += n
	}
	if len(b.chunks) == 0 {
		return 0, 0
	}
	return len(b.chunks) - 1, len(b.chunks[len(b.chunks)-1].s)
}

// replace replaces the bytes [start, end) with text.
func (b *buffer) replace(start, end int, text string) {
	if len(b.chunks) == 0 {
		b.chunks = b.split(text)
		b.size = len(text)
		b.copied += len(text)
		return
	}
	si, so := b.locate(start)
	ei, eo := b.locate(end)
	joined := b.chunks[si].s[:so] + text + b.chunks[ei].s[eo:]
	last := ei + 1
	// Keep chunks from getting small, and a "\r\n" whole.
	if len(joined) < minChunk && last < len(b.chunks) || strings.HasSuffix(joined, "\r") && last < len(b.chunks) && strings.HasPrefix(b.chunks[last].s, "\n") {
		joined += b.chunks[last].s
		last++
	}
	first := si
	if first > 0 && (strings.HasPrefix(joined, "\n") && strings.HasSuffix(b.chunks[first-1].s, "\r") || len(joined) < minChunk) {
		first--
		joined = b.chunks[first].s + joined
	}
	b.copied += len(joined)
	pieces := b.split(joined)
	b.chunks = slices.Replace(b.chunks, first, last, pieces...)
	b.size += len(text) - (end - start)
}

// String returns the text.
func (b *buffer) String() string {
	var sb strings.Builder
	sb.Grow(b.size)
	for _, c := range b.chunks {
		sb.WriteString(c.s)
	}
	b.copied += b.size
	return sb.String()
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
