package documents

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.lsp.dev/protocol"

	"github.com/asyncbook/asyncbook/lsp/position"
)

// sequential applies changes the plain way, one whole-text copy each: the
// reference the buffer must agree with.
func sequential(text string, changes []Change) string {
	m := position.NewMapper(text)
	for _, c := range changes {
		if c.Range == nil {
			m = position.NewMapper(c.Text)
			continue
		}
		start, end := m.Offsets(*c.Range)
		t := m.Text()
		m = position.NewMapper(t[:start] + c.Text + t[end:])
	}
	return m.Text()
}

// pieces are what the random texts are made of: line breaks of the three
// kinds, multi-byte characters, surrogate pairs.
var pieces = []string{"a", "bc", "func F() {", "\n", "\r\n", "\r", "é", "😀", "\t", "}", " ", "ж", "\n\n"}

func randomText(r *rand.Rand, n int) string {
	var b strings.Builder
	for b.Len() < n {
		b.WriteString(pieces[r.Intn(len(pieces))])
	}
	return b.String()
}

func randomChange(r *rand.Rand, lines int) Change {
	pos := func() protocol.Position {
		// Now and then past the end of a line or of the text.
		return protocol.Position{Line: uint32(r.Intn(lines + 2)), Character: uint32(r.Intn(12))}
	}
	a, b := pos(), pos()
	if r.Intn(8) == 0 {
		b = a // an insertion
	}
	text := ""
	if r.Intn(3) > 0 {
		text = randomText(r, r.Intn(20))
	}
	return Change{Range: &protocol.Range{Start: a, End: b}, Text: text}
}

func TestBufferAgreesWithSequentialApplication(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for round := 0; round < 300; round++ {
		size := []int{0, 10, 200, 5000, 20000}[round%5]
		text := randomText(r, size)
		lines := strings.Count(text, "\n") + strings.Count(text, "\r") + 1
		var changes []Change
		for i := 0; i < 1+r.Intn(40); i++ {
			changes = append(changes, randomChange(r, lines))
		}
		want := sequential(text, changes)
		got, edits := apply(position.NewMapper(text), changes)
		require.Equal(t, want, got, "round %d", round)
		require.Len(t, edits, len(changes))
	}
}

func TestBufferOffsetsAgreeWithMapper(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	for round := 0; round < 50; round++ {
		text := randomText(r, 3000+r.Intn(20000))
		m, b := position.NewMapper(text), newBuffer(text)
		for i := 0; i < 500; i++ {
			p := protocol.Position{Line: uint32(r.Intn(m.LineCount() + 2)), Character: uint32(r.Intn(3000))}
			require.Equal(t, m.Offset(p), b.offset(p), "round %d %+v", round, p)
		}
		assert.Equal(t, text, b.String())
	}
}

// manyEdits is one didChange of n single-line edits spread over a text of
// size bytes, the last line first (as an editor formats a file).
func manyEdits(size, n int) (string, []Change) {
	line := "\tresults = append(results, predict(ctx, batch[i])) // é😀\n"
	text := strings.Repeat(line, size/len(line)+1)
	lines := strings.Count(text, "\n")
	var changes []Change
	for i := 0; i < n; i++ {
		l := uint32(lines - 1 - i*(lines/n))
		changes = append(changes, Change{Range: &protocol.Range{
			Start: protocol.Position{Line: l, Character: 1},
			End:   protocol.Position{Line: l, Character: 8},
		}, Text: fmt.Sprintf("out%d", i)})
	}
	return text, changes
}

// TestManyEditsCopyTheTextOnce: 2000 edits on a 5 MB document cost about
// one copy of the text, not one per edit (the old way copied 10 GB here).
func TestManyEditsCopyTheTextOnce(t *testing.T) {
	text, changes := manyEdits(5<<20, 2000)
	buf := newBuffer(text)
	for _, c := range changes {
		start, end := buf.offset(c.Range.Start), buf.offset(c.Range.End)
		buf.replace(start, end, c.Text)
	}
	got := buf.String()
	lines := strings.SplitAfter(text, "\n")
	for _, c := range changes {
		l := lines[c.Range.Start.Line]
		lines[c.Range.Start.Line] = l[:1] + c.Text + l[8:]
	}
	assert.Equal(t, strings.Join(lines, ""), got)
	assert.Less(t, buf.copied, len(text)+len(changes)*3*maxChunk, "bytes copied: %d for a %d-byte text", buf.copied, len(text))
}

func BenchmarkChange2000EditsOn5MB(b *testing.B) {
	text, changes := manyEdits(5<<20, 2000)
	m := position.NewMapper(text)
	b.ReportAllocs()
	for b.Loop() {
		apply(m, changes)
	}
}

func BenchmarkChangeOneKeystrokeOn5MB(b *testing.B) {
	text, changes := manyEdits(5<<20, 1)
	m := position.NewMapper(text)
	for b.Loop() {
		apply(m, changes)
	}
}
