package workbook

import (
	"bytes"
	"fmt"
	"html"
	"sort"
	"strings"
	"time"

	"github.com/asyncbook/asyncbook/exercises/simworld"
)

// TimelineText draws spans as one row per resource, width columns wide:
// each column shows how many calls on that resource were in flight then
// (· none, 1-9, + ten or more), so a sequential run reads as a row of 1s and
// a bounded pool as a row of its limit.
func TimelineText(spans []simworld.Span, width int) string {
	if len(spans) == 0 || width < 10 {
		return ""
	}
	end := timelineEnd(spans)
	step := float64(end) / float64(width)
	var b strings.Builder
	resources := resourcesOf(spans)
	nameWidth := 0
	for _, r := range resources {
		nameWidth = max(nameWidth, len(r))
	}
	for _, r := range resources {
		fmt.Fprintf(&b, "%-*s │", nameWidth, r)
		for col := 0; col < width; col++ {
			at := time.Duration((float64(col) + 0.5) * step)
			n := 0
			for _, s := range spans {
				if s.Resource == r && s.Start <= at && at < s.End {
					n++
				}
			}
			switch {
			case n == 0:
				b.WriteString("·")
			case n < 10:
				b.WriteByte(byte('0' + n))
			default:
				b.WriteString("+")
			}
		}
		b.WriteString("│\n")
	}
	fmt.Fprintf(&b, "%-*s  0%s%v\n", nameWidth, "", strings.Repeat(" ", max(0, width-len(end.Round(time.Millisecond).String())-1)), end.Round(time.Millisecond))
	return b.String()
}

// TimelineSVG draws every span as a bar in lanes grouped by resource; failed
// calls are red.
func TimelineSVG(title string, spans []simworld.Span) []byte {
	const (
		left, laneH, plotW, top = 170, 14, 760, 40
	)
	end := timelineEnd(spans)
	type placed struct {
		s    simworld.Span
		lane int
	}
	var rows []placed
	lane := 0
	var labels []string
	var labelY []int
	for _, r := range resourcesOf(spans) {
		var own []simworld.Span
		for _, s := range spans {
			if s.Resource == r {
				own = append(own, s)
			}
		}
		sort.Slice(own, func(i, j int) bool { return own[i].Start < own[j].Start })
		var laneEnds []time.Duration // interval packing: first lane free at the span's start
		for _, s := range own {
			k := 0
			for k < len(laneEnds) && laneEnds[k] > s.Start {
				k++
			}
			if k == len(laneEnds) {
				laneEnds = append(laneEnds, 0)
			}
			laneEnds[k] = s.End
			rows = append(rows, placed{s, lane + k})
		}
		labels = append(labels, r)
		labelY = append(labelY, top+lane*laneH)
		lane += max(1, len(laneEnds)) + 1
	}
	height := top + lane*laneH + 30
	x := func(d time.Duration) float64 {
		if end == 0 {
			return left
		}
		return left + float64(plotW)*float64(d)/float64(end)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="monospace" font-size="11">`+"\n", left+plotW+20, height)
	fmt.Fprintf(&b, `<text x="10" y="20" font-size="14">%s (%d calls, %v)</text>`+"\n", html.EscapeString(title), len(spans), end.Round(time.Millisecond))
	for i, l := range labels {
		fmt.Fprintf(&b, `<text x="10" y="%d">%s</text>`+"\n", labelY[i]+10, html.EscapeString(l))
	}
	for _, p := range rows {
		fill := "#4a7fd4"
		if p.s.Err != "" {
			fill = "#d44a4a"
		}
		w := max(1, x(p.s.End)-x(p.s.Start))
		fmt.Fprintf(&b, `<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"><title>%s %s %v–%v %s</title></rect>`+"\n",
			x(p.s.Start), top+p.lane*laneH, w, laneH-3, fill, html.EscapeString(p.s.Resource), html.EscapeString(p.s.Label),
			p.s.Start.Round(time.Millisecond), p.s.End.Round(time.Millisecond), html.EscapeString(p.s.Err))
	}
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#888"/>`+"\n", left, height-25, left+plotW, height-25)
	fmt.Fprintf(&b, `<text x="%d" y="%d">0</text><text x="%d" y="%d" text-anchor="end">%v</text>`+"\n", left, height-10, left+plotW, height-10, end.Round(time.Millisecond))
	b.WriteString("</svg>\n")
	return b.Bytes()
}

func timelineEnd(spans []simworld.Span) time.Duration {
	var end time.Duration
	for _, s := range spans {
		end = max(end, s.End)
	}
	return end
}

func resourcesOf(spans []simworld.Span) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range spans {
		if !seen[s.Resource] {
			seen[s.Resource] = true
			out = append(out, s.Resource)
		}
	}
	sort.Strings(out)
	return out
}
