package workbook

import (
	"regexp"
	"strings"
)

const (
	raceStart = "WARNING: DATA RACE"
	raceRule  = "=================="
)

var (
	// raceAccess heads an access's stack in a race report: "Write at
	// 0x00c0 by goroutine 8:", "Previous read of size 8 at 0x00c0 by main
	// goroutine:", "Atomic write at ...".
	raceAccess = regexp.MustCompile(`^(Previous )?(?:(?:[Aa]tomic )?([Rr]ead|[Ww]rite))\b.* by (?:goroutine (\d+)|(main) goroutine):$`)
	// raceCreated heads the stack of a goroutine's go statement:
	// "Goroutine 12 (running) created at:".
	raceCreated = regexp.MustCompile(`^Goroutine (\d+) \([^)]*\) created at:$`)
	// testRun is go test -v's line as a (sub)test starts or resumes.
	testRun = regexp.MustCompile(`^=== (?:RUN|CONT)\s+(\S+)`)
)

// ParseRaces extracts the data races the race detector reported in a test
// run's output (its "WARNING: DATA RACE" blocks). Each access is placed at
// its innermost frame outside the Go distribution, and at the go statement
// of the goroutine that made it; the property is the subtest of
// TestProperties that was running.
func ParseRaces(output string) []Race { return parseRaces(output, "") }

// parseRaces is ParseRaces preferring frames in dir's code (the learner's
// files) for both the accesses and their go statements.
func parseRaces(output, dir string) []Race {
	var races []Race
	lines := strings.Split(strings.ReplaceAll(output, "\r\n", "\n"), "\n")
	property := ""
	for i := 0; i < len(lines); i++ {
		if m := testRun.FindStringSubmatch(lines[i]); m != nil {
			property = ""
			if _, sub, ok := strings.Cut(m[1], "/"); ok && strings.HasPrefix(m[1], "TestProperties/") {
				property = sub
			}
			continue
		}
		if strings.TrimSpace(lines[i]) != raceStart {
			continue
		}
		start := i
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != raceRule; i++ {
		}
		block := lines[start+1 : min(i, len(lines))]
		r := parseRace(block, dir)
		r.Property = property
		r.Report = strings.Join(lines[max(start-1, 0):min(i+1, len(lines))], "\n")
		if len(r.Accesses) > 0 {
			races = append(races, r)
		}
	}
	return races
}

// parseRace reads one race report's sections: the two accesses, then the
// go statements of the goroutines that made them.
func parseRace(block []string, dir string) Race {
	type section struct {
		access    bool
		write     bool
		goroutine string // "main", or the goroutine's number
		lines     []string
	}
	var sections []*section
	for _, line := range block {
		t := strings.TrimSpace(line)
		if m := raceAccess.FindStringSubmatch(t); m != nil {
			g := m[3]
			if m[4] != "" {
				g = "main"
			}
			sections = append(sections, &section{access: true, write: strings.EqualFold(m[2], "write"), goroutine: g})
			continue
		}
		if m := raceCreated.FindStringSubmatch(t); m != nil {
			sections = append(sections, &section{goroutine: m[1]})
			continue
		}
		if len(sections) > 0 {
			sections[len(sections)-1].lines = append(sections[len(sections)-1].lines, line)
		}
	}
	createdAt := map[string][]frame{}
	for _, s := range sections {
		if !s.access {
			createdAt[s.goroutine], _ = parseFrames(s.lines)
		}
	}
	var r Race
	for _, s := range sections {
		if !s.access {
			continue
		}
		frames, _ := parseFrames(s.lines)
		a := Access{Write: s.write, Stack: strings.TrimRight(strings.Join(s.lines, "\n"), "\n")}
		if f, ok := pick(frames, dir); ok {
			a.File, a.Line, a.Function = f.File, f.Line, f.Func
		}
		// The go statement, unless the goroutine is the test's own
		// (started by the testing package) or main.
		if c, ok := pick(createdAt[s.goroutine], dir); ok && !isStd(c) {
			a.CreatedFile, a.CreatedLine = c.File, c.Line
		}
		r.Accesses = append(r.Accesses, a)
	}
	return r
}
