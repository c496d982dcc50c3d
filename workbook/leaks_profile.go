package workbook

import (
	"fmt"
	"regexp"
	"strings"
)

// profileHeader matches a goroutine's header in the goroutine-leak
// profile's dump: "goroutine 6 [chan send (leaked)]:", perhaps with how
// long it has waited ("[chan send (leaked), 2 minutes]").
var profileHeader = regexp.MustCompile(`^goroutine (\d+) \[([^\]]*)\]:`)

// ParseLeakProfile reads the goroutines that the goroutine-leak profile
// proved leaked (its debug=2 dump: a header, frames and "created by" per
// goroutine, blank lines between) into leaks found by DetectorLeakProfile,
// each placed at the go statement that started it, with what it is blocked
// on. Goroutines of one go statement, function and state are counted
// together. property is the property whose run left them ("" if unknown).
func ParseLeakProfile(dump, property string) []Leak {
	return parseLeakProfile(dump, property, "")
}

// parseLeakProfile is ParseLeakProfile placing each leak in dir's code:
// the go statement when it is there, else the innermost frame there (a
// check's own goroutine stuck in the learner's Solve).
func parseLeakProfile(dump, property, dir string) []Leak {
	var leaks []Leak
	seen := map[string]int{}
	for _, block := range strings.Split(strings.ReplaceAll(dump, "\r\n", "\n"), "\n\n") {
		lines := strings.Split(strings.Trim(block, "\n"), "\n")
		m := profileHeader.FindStringSubmatch(strings.TrimSpace(lines[0]))
		if m == nil || !strings.Contains(m[2], "(leaked)") {
			continue
		}
		state, _, _ := strings.Cut(m[2], ",")
		state = strings.TrimSpace(strings.Replace(state, "(leaked)", "", 1))
		frames, created := parseFrames(lines[1:])
		l := Leak{State: state, Detector: DetectorLeakProfile, Property: property, Stack: strings.Join(lines[1:], "\n")}
		if top, ok := pick(frames, ""); ok {
			l.Function = top.Func
			l.BlockedOn = blockedOn(state, top.File, top.Line)
		}
		switch {
		case created != nil && (dir == "" || inDir(created.File, dir)):
			l.File, l.Line = created.File, created.Line
		case dir != "":
			if f, ok := pick(frames, dir); ok && inDir(f.File, dir) {
				l.File, l.Line = f.File, f.Line
			} else if created != nil {
				l.File, l.Line = created.File, created.Line
			}
		}
		key := fmt.Sprintf("%s:%d|%s|%s", l.File, l.Line, l.Function, l.State)
		if k, ok := seen[key]; ok {
			leaks[k].Count++
			continue
		}
		l.Count = 1
		seen[key] = len(leaks)
		leaks = append(leaks, l)
	}
	return leaks
}

// profileIDs returns the ids of the goroutines a profile dump names.
func profileIDs(dump string) map[string]bool {
	ids := map[string]bool{}
	for _, line := range strings.Split(dump, "\n") {
		if m := profileHeader.FindStringSubmatch(strings.TrimSpace(line)); m != nil {
			ids[m[1]] = true
		}
	}
	return ids
}
