package workbook

import (
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/asyncbook/asyncbook/exercises/simworld"
	"github.com/asyncbook/asyncbook/exercises/suite"
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

// row returns the cells of resource's row in a text timeline.
func row(t *testing.T, text, resource string) []rune {
	t.Helper()
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, resource+" ") {
			cells := []rune(l[strings.Index(l, "│")+len("│"):])
			return cells[:len(cells)-1]
		}
	}
	require.Failf(t, "no row", "%s in\n%s", resource, text)
	return nil
}

// TestTimelineTextShowsShortCalls: calls far shorter than a column still
// mark their column, and the count is the most at once, not how many
// touched the column.
func TestTimelineTextShowsShortCalls(t *testing.T) {
	spans := []simworld.Span{{Resource: "stage/load", Start: 0, End: ms(1000)}}
	for i := range 24 { // 24 calls of 200µs, spread over the run
		at := ms(10 + 40*i)
		spans = append(spans, simworld.Span{Resource: "stage/transform", Start: at, End: at + 200*time.Microsecond})
	}
	// Three back-to-back calls inside one column: one at a time.
	for i := range 3 {
		at := ms(985) + time.Duration(i)*time.Millisecond
		spans = append(spans, simworld.Span{Resource: "stage/write", Start: at, End: at + time.Millisecond})
	}
	// Two overlapping short calls: two at once; and a zero-length one.
	spans = append(spans,
		simworld.Span{Resource: "stage/write", Start: ms(500), End: ms(501)},
		simworld.Span{Resource: "stage/write", Start: ms(500), End: ms(501)},
		simworld.Span{Resource: "stage/write", Start: ms(250), End: ms(250)})
	text := TimelineText(spans, 50) // 20ms a column

	cells := row(t, text, "stage/transform")
	require.Len(t, cells, 50)
	marked := 0
	for col, c := range cells {
		hit := false
		for i := range 24 {
			hit = hit || (10+40*i)/20 == col
		}
		if hit {
			assert.Equal(t, '1', c, "column %d holds a 200µs call", col)
			marked++
		} else {
			assert.Equal(t, '·', c, "column %d holds none", col)
		}
	}
	assert.Equal(t, 24, marked)

	w := row(t, text, "stage/write")
	assert.Equal(t, '1', w[985/20], "back-to-back calls are one at a time")
	assert.Equal(t, '2', w[500/20], "overlapping calls are two at once")
	assert.Equal(t, '1', w[250/20], "a zero-length call still shows")
	assert.Equal(t, '·', w[0])
	assert.Equal(t, strings.Repeat("1", 50), string(row(t, text, "stage/load")))
}

// svgNode is a generic XML element tree.
type svgNode struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Children []svgNode  `xml:",any"`
	Text     string     `xml:",chardata"`
}

func (n svgNode) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (n svgNode) num(t *testing.T, name string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(n.attr(name), 64)
	require.NoError(t, err, "%s=%q", name, n.attr(name))
	return f
}

// find returns the descendants (n included) of the given element and class.
func (n svgNode) find(local, class string) []svgNode {
	var out []svgNode
	if n.XMLName.Local == local && (class == "" || n.attr("class") == class) {
		out = append(out, n)
	}
	for _, c := range n.Children {
		out = append(out, c.find(local, class)...)
	}
	return out
}

func (n svgNode) allText() string {
	s := n.Text
	for _, c := range n.Children {
		s += c.allText()
	}
	return s
}

func parseSVG(t *testing.T, b []byte) svgNode {
	t.Helper()
	var root svgNode
	require.NoError(t, xml.Unmarshal(b, &root), "%s", b)
	require.Equal(t, "svg", root.XMLName.Local)
	require.Equal(t, "http://www.w3.org/2000/svg", root.XMLName.Space)
	return root
}

func runOf(t *testing.T, root svgNode, which string) svgNode {
	t.Helper()
	for _, g := range root.find("g", "run") {
		if g.attr("data-run") == which {
			return g
		}
	}
	require.Failf(t, "no run", "%s", which)
	return svgNode{}
}

func laneOf(t *testing.T, run svgNode, resource string) svgNode {
	t.Helper()
	for _, g := range run.find("g", "lane") {
		if g.attr("data-resource") == resource {
			return g
		}
	}
	require.Failf(t, "no lane", "%s", resource)
	return svgNode{}
}

func TestTimelineSVGStructure(t *testing.T) {
	// A pool of 4 on model/<a> used 2 at a time for 100ms; model/b one call
	// that fails; a call on model/c that exceeds its limit of 1.
	spans := []simworld.Span{
		{Resource: "model/<a>", Label: "x&y", Start: 0, End: ms(100)},
		{Resource: "model/<a>", Start: 0, End: ms(100)},
		{Resource: "model/b", Start: ms(10), End: ms(60), Err: "overloaded"},
		{Resource: "model/b", Start: ms(60), End: ms(70)},
		{Resource: "model/c", Start: ms(20), End: ms(40)},
		{Resource: "model/c", Start: ms(30), End: ms(50)},
	}
	limits := map[string]int{"model/<a>": 4, "model/c": 1}
	root := parseSVG(t, TimelineSVGWith("batch <inference>", spans, TimelineOptions{Limits: limits}))

	yours, seq := runOf(t, root, "yours"), runOf(t, root, "sequential")
	// One lane per resource, in each run, with every call.
	for _, run := range []svgNode{yours, seq} {
		require.Len(t, run.find("g", "lane"), 3)
		assert.Len(t, laneOf(t, run, "model/<a>").find("rect", "call"), 2)
		assert.Len(t, laneOf(t, run, "model/b").find("rect", "call"), 2)
		assert.Len(t, laneOf(t, run, "model/c").find("rect", "call"), 2)
	}

	// One colour per resource; failures in red.
	colours := map[string]string{}
	for _, res := range []string{"model/<a>", "model/b", "model/c"} {
		for _, c := range laneOf(t, yours, res).find("rect", "call") {
			fill := c.attr("fill")
			if strings.Contains(c.allText(), "overloaded") {
				assert.Equal(t, failedFill, fill)
				continue
			}
			if prev, ok := colours[res]; ok {
				assert.Equal(t, prev, fill, "%s has one colour", res)
			}
			colours[res] = fill
		}
	}
	assert.Len(t, colours, 3)
	assert.NotEqual(t, colours["model/<a>"], colours["model/b"])
	assert.NotEqual(t, colours["model/b"], colours["model/c"])
	assert.NotEqual(t, colours["model/<a>"], colours["model/c"])
	for _, c := range colours {
		assert.NotEqual(t, failedFill, c)
	}

	// The limit and the idle capacity: 2 of 4 busy for the whole run is 50% idle.
	a := laneOf(t, yours, "model/<a>")
	assert.Equal(t, "4", a.attr("data-limit"))
	assert.Equal(t, "2", a.attr("data-max-in-flight"))
	capacity := a.find("rect", "capacity")
	require.Len(t, capacity, 1)
	assert.InDelta(t, 4*14, capacity[0].num(t, "height"), 0.01, "as tall as four rows")
	assert.Contains(t, a.allText(), "model/<a> (limit 4, 50% idle)")
	require.Len(t, a.find("line", "limit"), 1)
	assert.NotEqual(t, failedFill, a.find("line", "limit")[0].attr("stroke"))
	c := laneOf(t, yours, "model/c")
	require.Len(t, c.find("line", "limit"), 1)
	assert.Equal(t, failedFill, c.find("line", "limit")[0].attr("stroke"), "over the limit: the limit line is red")
	assert.Empty(t, laneOf(t, yours, "model/b").find("rect", "capacity"), "no limit known, none drawn")

	// Both runs on one scale: the one-at-a-time run (100+100+50+10+20+20 =
	// 300ms) ends at the right edge, yours (100ms) a third of the way.
	rightmost := func(run svgNode) float64 {
		m := 0.0
		for _, r := range run.find("rect", "call") {
			m = max(m, r.num(t, "x")+r.num(t, "width"))
		}
		return m
	}
	leftEdge := capacity[0].num(t, "x")
	assert.InDelta(t, 300, seq.num(t, "data-end-ms"), 0.001)
	assert.InDelta(t, 100, yours.num(t, "data-end-ms"), 0.001)
	assert.InDelta(t, (rightmost(seq)-leftEdge)/3, rightmost(yours)-leftEdge, 1)
	assert.Contains(t, root.allText(), "(3.0x)")

	// Time ticks: round steps from 0 past the middle of the scale.
	labels := root.find("text", "tick-label")
	require.GreaterOrEqual(t, len(labels), 4)
	prev := -1.0
	for i, l := range labels {
		v := l.num(t, "data-ms")
		if i == 0 {
			assert.Zero(t, v)
			assert.Equal(t, "0", strings.TrimSpace(l.allText()))
		}
		assert.Greater(t, v, prev)
		assert.LessOrEqual(t, v, 300.0)
		prev = v
	}
	assert.GreaterOrEqual(t, prev, 200.0)
	assert.Len(t, root.find("line", "tick"), len(labels))
	assert.Contains(t, root.allText(), "batch <inference>", "text is escaped, and reads back")
}

func TestTimelineSVGWithAMeasuredSequentialRun(t *testing.T) {
	yours := []simworld.Span{{Resource: "m/a", Start: 0, End: ms(50)}, {Resource: "m/a", Start: 0, End: ms(50)}}
	seq := []simworld.Span{{Resource: "m/a", Start: 0, End: ms(60)}, {Resource: "m/a", Start: ms(60), End: ms(120)}, {Resource: "m/b", Start: ms(120), End: ms(200)}}
	root := parseSVG(t, TimelineSVGWith("x", yours, TimelineOptions{Sequential: seq}))
	s := runOf(t, root, "sequential")
	assert.Len(t, s.find("g", "lane"), 2, "the sequential run's own resources")
	assert.InDelta(t, 200, s.num(t, "data-end-ms"), 0.001)
	assert.Contains(t, root.allText(), "the sequential run took 200ms (4.0x)")
	assert.Len(t, runOf(t, root, "yours").find("g", "lane"), 1)

	// No spans at all still makes a valid picture.
	parseSVG(t, TimelineSVG("empty", nil))
}

func TestLimitsFromResults(t *testing.T) {
	results := []suite.Result{
		{Observed: "classifier max 1 in flight (limit 4, 0 refused with 429); embedder max 1 in flight (limit 3, 0 refused with 429)"},
		{Observed: "toxicity max 2 at once (limit 6); need at least 2 on every endpoint"},
		{Observed: "all 72 predictions in order"},
	}
	spans := []simworld.Span{{Resource: "model/classifier"}, {Resource: "model/embedder"}, {Resource: "model/toxicity"}, {Resource: "source/s3"}}
	assert.Equal(t, map[string]int{"model/classifier": 4, "model/embedder": 3, "model/toxicity": 6}, LimitsFromResults(results, spans))
	assert.Empty(t, LimitsFromResults(nil, spans))
}

func TestTickStep(t *testing.T) {
	for span, want := range map[time.Duration]time.Duration{
		ms(556): ms(100), ms(300): ms(50), ms(80): ms(10), 3 * time.Second: 500 * time.Millisecond, ms(1): 200 * time.Microsecond,
	} {
		assert.Equal(t, want, tickStep(span, 8), fmt.Sprint(span))
	}
}
