package workbook

import (
	"bytes"
	"fmt"
	"html"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/asyncbook/asyncbook/exercises/simworld"
	"github.com/asyncbook/asyncbook/exercises/suite"
)

// TimelineText draws spans as one row per resource, width columns wide:
// each column shows the most calls on that resource in flight at once
// during its slice of time (· none, 1-9, + ten or more), so a sequential
// run reads as a row of 1s and a bounded pool as a row of its limit. A call
// shorter than a column still marks the column it falls in.
func TimelineText(spans []simworld.Span, width int) string {
	if len(spans) == 0 || width < 10 {
		return ""
	}
	end := timelineEnd(spans)
	if end <= 0 {
		end = time.Nanosecond
	}
	var b strings.Builder
	resources := resourcesOf(spans)
	nameWidth := 0
	for _, r := range resources {
		nameWidth = max(nameWidth, len(r))
	}
	for _, r := range resources {
		own := spansOf(spans, r)
		fmt.Fprintf(&b, "%-*s │", nameWidth, r)
		for col := 0; col < width; col++ {
			from := time.Duration(float64(end) * float64(col) / float64(width))
			to := time.Duration(float64(end) * float64(col+1) / float64(width))
			if col == width-1 {
				to = end + 1 // the last column holds calls ending at the very end
			}
			n := maxInFlight(own, from, to)
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
	endLabel := fmtDuration(end)
	fmt.Fprintf(&b, "%-*s  0%s%s\n", nameWidth, "", strings.Repeat(" ", max(0, width-len(endLabel)-1)), endLabel)
	return b.String()
}

// maxInFlight returns the most spans overlapping at one moment of
// [from, to); a span that touches the interval at all, however short,
// counts as at least one.
func maxInFlight(spans []simworld.Span, from, to time.Duration) int {
	type event struct {
		at    time.Duration
		delta int
	}
	var events []event
	touched := false
	for _, s := range spans {
		st, en := max(s.Start, from), min(s.End, to)
		if st < en {
			events = append(events, event{st, +1}, event{en, -1})
			touched = true
		} else if s.Start >= from && s.Start < to {
			touched = true // shorter than a tick of the clock
		}
	}
	// Ends before starts at the same moment: back-to-back calls are not at once.
	sort.Slice(events, func(i, j int) bool {
		if events[i].at != events[j].at {
			return events[i].at < events[j].at
		}
		return events[i].delta < events[j].delta
	})
	n, best := 0, 0
	for _, e := range events {
		n += e.delta
		best = max(best, n)
	}
	if best == 0 && touched {
		best = 1
	}
	return best
}

// TimelineOptions add what the spans alone do not say to the SVG timeline.
type TimelineOptions struct {
	// Limits holds each resource's concurrency limit where it is known:
	// the SVG draws the limit as the height of the resource's lane, and the
	// capacity the run left idle under it.
	Limits map[string]int
	// Sequential, when set, is a sequential run's spans, drawn beside yours
	// on the same time scale. Unset, the same calls as yours are laid one
	// after another: what running them one at a time takes at least.
	Sequential []simworld.Span
}

// TimelineSVG draws the spans as TimelineSVGWith does, without limits.
func TimelineSVG(title string, spans []simworld.Span) []byte {
	return TimelineSVGWith(title, spans, TimelineOptions{})
}

// palette gives each resource its own colour (red is kept for failures).
var palette = []string{"#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#ff9da7", "#17becf", "#7f7f7f"}

const failedFill = "#d44a4a"

// TimelineSVG draws two runs on one time scale: yours, and the sequential
// one (see TimelineOptions.Sequential). Each resource has a lane in its own
// colour, one row per call in flight at once; where the limit is known the
// lane is as tall as the limit, its unused capacity is shaded and the share
// of it left idle is written beside the name. Time ticks run along the
// bottom; failed calls are red. Elements carry classes (run, lane, call,
// capacity, limit, tick) so tools and tests can read the picture.
func TimelineSVGWith(title string, spans []simworld.Span, opts TimelineOptions) []byte {
	const (
		plotW, laneH, top = 720, 14, 56
		runGap, groupGap  = 26, 8
		charW             = 6.7 // an 11px monospace character, wide
	)
	seq, seqLabel := opts.Sequential, "sequential run"
	if seq == nil {
		seq, seqLabel = oneAtATime(spans), "one at a time (your calls back to back)"
	}
	// The names (with limit and idle share) fit left of the plot.
	labelChars := 16
	for _, r := range resourcesOf(append(append([]simworld.Span{}, spans...), seq...)) {
		n := len(r)
		if opts.Limits[r] > 0 {
			n += len(fmt.Sprintf(" (limit %d, 100%% idle)", opts.Limits[r]))
		}
		labelChars = max(labelChars, n)
	}
	left := 10 + int(float64(labelChars)*charW) + 12
	yoursEnd, seqEnd := timelineEnd(spans), timelineEnd(seq)
	scale := max(yoursEnd, seqEnd, time.Millisecond)
	x := func(d time.Duration) float64 { return float64(left) + float64(plotW)*float64(d)/float64(scale) }
	colour := map[string]string{}
	for i, r := range resourcesOf(append(append([]simworld.Span{}, spans...), seq...)) {
		colour[r] = palette[i%len(palette)]
	}

	var body bytes.Buffer
	y := top
	drawRun := func(class, heading string, run []simworld.Span, end time.Duration, limits map[string]int) {
		fmt.Fprintf(&body, `<g class="run" data-run="%s" data-end-ms="%.3f">`+"\n", class, msOf(end))
		fmt.Fprintf(&body, `<text x="10" y="%d" font-weight="bold">%s: %s</text>`+"\n", y+10, html.EscapeString(heading), fmtDuration(end))
		y += 18
		for _, r := range resourcesOf(run) {
			own := spansOf(run, r)
			rows, lanes := packLanes(own)
			limit := limits[r]
			height := max(rows, limit, 1)
			fmt.Fprintf(&body, `<g class="lane" data-resource="%s" data-limit="%d" data-max-in-flight="%d">`+"\n", html.EscapeString(r), limit, maxInFlight(own, 0, end+1))
			label := r
			if limit > 0 && end > 0 {
				busy := time.Duration(0)
				for _, s := range own {
					busy += s.End - s.Start
				}
				idle := 1 - float64(busy)/(float64(limit)*float64(end))
				label = fmt.Sprintf("%s (limit %d, %.0f%% idle)", r, limit, 100*max(0, idle))
				// The capacity: limit rows for the whole run; what the calls do not cover is idle.
				fmt.Fprintf(&body, `<rect class="capacity" x="%.1f" y="%d" width="%.1f" height="%d" fill="%s" fill-opacity="0.15"><title>%s: capacity %d at once, %.0f%% left idle</title></rect>`+"\n",
					x(0), y, x(end)-x(0), limit*laneH, colour[r], html.EscapeString(r), limit, 100*max(0, idle))
			}
			fmt.Fprintf(&body, `<text x="10" y="%d" fill="%s">%s</text>`+"\n", y+10, colour[r], html.EscapeString(label))
			for i, s := range own {
				fill := colour[r]
				if s.Err != "" {
					fill = failedFill
				}
				w := max(1, x(s.End)-x(s.Start))
				fmt.Fprintf(&body, `<rect class="call" x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"><title>%s %s %s–%s %s</title></rect>`+"\n",
					x(s.Start), y+lanes[i]*laneH+1, w, laneH-3, fill, html.EscapeString(r), html.EscapeString(s.Label),
					fmtDuration(s.Start), fmtDuration(s.End), html.EscapeString(s.Err))
			}
			if limit > 0 {
				stroke := "#333"
				if rows > limit {
					stroke = failedFill // more at once than allowed
				}
				fmt.Fprintf(&body, `<line class="limit" x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s" stroke-dasharray="4 3"><title>limit %d</title></line>`+"\n",
					x(0), y+limit*laneH, x(scale), y+limit*laneH, stroke, limit)
			}
			body.WriteString("</g>\n")
			y += height*laneH + groupGap
		}
		body.WriteString("</g>\n")
	}
	drawRun("yours", "Yours", spans, yoursEnd, opts.Limits)
	y += runGap - groupGap
	drawRun("sequential", strings.ToUpper(seqLabel[:1])+seqLabel[1:], seq, seqEnd, opts.Limits)

	// Time ticks on the shared scale, with grid lines through both runs.
	axisY := y + 4
	var axis bytes.Buffer
	fmt.Fprintf(&axis, `<g class="axis">`+"\n")
	fmt.Fprintf(&axis, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#888"/>`+"\n", left, axisY, left+plotW, axisY)
	step := tickStep(scale, 8)
	for t := time.Duration(0); t <= scale; t += step {
		fmt.Fprintf(&axis, `<line class="grid" x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>`+"\n", x(t), top, x(t), axisY)
		fmt.Fprintf(&axis, `<line class="tick" x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#888"/>`+"\n", x(t), axisY, x(t), axisY+4)
		fmt.Fprintf(&axis, `<text class="tick-label" x="%.1f" y="%d" text-anchor="middle" data-ms="%.3f">%s</text>`+"\n", x(t), axisY+16, msOf(t), fmtDuration(t))
	}
	axis.WriteString("</g>\n")
	height := axisY + 30

	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="monospace" font-size="11">`+"\n", left+plotW+30, height, left+plotW+30, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="#fff"/>`+"\n")
	summary := fmt.Sprintf("%s: %d calls in %s", title, len(spans), fmtDuration(yoursEnd))
	if yoursEnd > 0 && seqEnd > 0 {
		if opts.Sequential != nil {
			summary += fmt.Sprintf("; the sequential run took %s (%.1fx)", fmtDuration(seqEnd), float64(seqEnd)/float64(yoursEnd))
		} else {
			summary += fmt.Sprintf("; one at a time they take at least %s (%.1fx)", fmtDuration(seqEnd), float64(seqEnd)/float64(yoursEnd))
		}
	}
	fmt.Fprintf(&b, `<title>%s</title>`+"\n", html.EscapeString(summary))
	fmt.Fprintf(&b, `<text x="10" y="20" font-size="14">%s</text>`+"\n", html.EscapeString(summary))
	fmt.Fprintf(&b, `<text x="10" y="38" fill="#555">one lane per resource, one row per call in flight; shaded: capacity under the limit; dashed: the limit; red: a failed call</text>`+"\n")
	b.Write(axis.Bytes())
	b.Write(body.Bytes())
	b.WriteString("</svg>\n")
	return b.Bytes()
}

// oneAtATime lays the calls end to end in the order they started: the
// shortest a run that makes them one at a time can take.
func oneAtATime(spans []simworld.Span) []simworld.Span {
	sorted := append([]simworld.Span{}, spans...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Start < sorted[j].Start })
	at := time.Duration(0)
	for i, s := range sorted {
		d := s.End - s.Start
		sorted[i].Start, sorted[i].End = at, at+d
		at += d
	}
	return sorted
}

// packLanes gives each span (sorted by start) the first row free when it
// starts, and returns the rows used and each span's row.
func packLanes(own []simworld.Span) (int, []int) {
	var rowEnds []time.Duration
	lanes := make([]int, len(own))
	for i, s := range own {
		k := 0
		for k < len(rowEnds) && rowEnds[k] > s.Start {
			k++
		}
		if k == len(rowEnds) {
			rowEnds = append(rowEnds, 0)
		}
		rowEnds[k] = s.End
		lanes[i] = k
	}
	return len(rowEnds), lanes
}

// tickStep returns a round step (1, 2 or 5 times a power of ten) that cuts
// span into at most n parts.
func tickStep(span time.Duration, n int) time.Duration {
	raw := float64(span) / float64(n)
	pow := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*pow >= raw {
			return max(time.Duration(m*pow), 1)
		}
	}
	return max(time.Duration(10*pow), 1)
}

func msOf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// fmtDuration writes a duration for a timeline: 0, 850µs, 12ms, 1.25s.
func fmtDuration(d time.Duration) string {
	switch {
	case d == 0:
		return "0"
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	default:
		return d.Round(10 * time.Millisecond).String()
	}
}

// limitRE matches the suites' observations of a limited resource:
// "classifier max 1 in flight (limit 4, ...)", "embedder max 3 at once (limit 3)".
var limitRE = regexp.MustCompile(`([\w./-]+) max \d+ (?:in flight|at once) \(limit (\d+)`)

// LimitsFromResults reads the resources' concurrency limits from the
// property results' observations, for the resources in spans: a resource
// "model/classifier" takes the limit observed for "classifier". Resources
// no observation names get none.
func LimitsFromResults(results []suite.Result, spans []simworld.Span) map[string]int {
	byName := map[string]int{}
	for _, r := range results {
		for _, m := range limitRE.FindAllStringSubmatch(r.Observed, -1) {
			if n, err := strconv.Atoi(m[2]); err == nil && n > 0 {
				byName[m[1]] = n
			}
		}
	}
	limits := map[string]int{}
	for _, res := range resourcesOf(spans) {
		name := res[strings.LastIndex(res, "/")+1:]
		if n, ok := byName[res]; ok {
			limits[res] = n
		} else if n, ok := byName[name]; ok {
			limits[res] = n
		}
	}
	return limits
}

func spansOf(spans []simworld.Span, resource string) []simworld.Span {
	var own []simworld.Span
	for _, s := range spans {
		if s.Resource == resource {
			own = append(own, s)
		}
	}
	sort.SliceStable(own, func(i, j int) bool { return own[i].Start < own[j].Start })
	return own
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
