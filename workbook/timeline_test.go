package workbook

import (
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/asyncbook/asyncbook/exercises/simworld"
)

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func TestTimelineTextShowsConcurrency(t *testing.T) {
	sequential := []simworld.Span{
		{Resource: "model/a", Start: ms(0), End: ms(10)},
		{Resource: "model/a", Start: ms(10), End: ms(20)},
	}
	concurrent := []simworld.Span{
		{Resource: "model/a", Start: ms(0), End: ms(20)},
		{Resource: "model/a", Start: ms(0), End: ms(20)},
		{Resource: "model/b", Start: ms(0), End: ms(10), Err: "boom"},
	}
	seq := TimelineText(sequential, 20)
	assert.Contains(t, seq, "model/a │11111111111111111111│")
	con := TimelineText(concurrent, 20)
	assert.Contains(t, con, "model/a │22222222222222222222│")
	assert.Contains(t, con, "model/b │1111111111··········│")
	assert.Empty(t, TimelineText(nil, 20))
}

func TestTimelineSVGIsWellFormed(t *testing.T) {
	spans := []simworld.Span{
		{Resource: "model/<a>", Label: "x&y", Start: ms(0), End: ms(20)},
		{Resource: "model/<a>", Start: ms(5), End: ms(15), Err: "overloaded"},
	}
	svg := TimelineSVG("batch inference", spans)
	dec := xml.NewDecoder(strings.NewReader(string(svg)))
	rects := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			require.ErrorContains(t, err, "EOF")
			break
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "rect" {
			rects++
		}
	}
	assert.Equal(t, 2, rects)
	assert.Contains(t, string(svg), "#d44a4a", "failed calls are red")
}
