package workbook

import (
	"regexp"
	"strconv"
	"strings"
)

// Leak is a goroutine still running after the tests, as goleak reported it.
// File and Line are where the go statement that started it stands.
type Leak struct {
	File     string `json:"file"`
	Line     int    `json:"line"`
	Function string `json:"function"` // the function on top of its stack
	State    string `json:"state"`    // e.g. "chan send"
	Stack    string `json:"stack"`
}

var (
	goroutineHeader = regexp.MustCompile(`^\[?Goroutine \d+ in state ([^,]+), with (\S+) on top of the stack:`)
	fileLine        = regexp.MustCompile(`^\s+(\S+\.go):(\d+)`)
)

// ParseLeaks extracts the leaked goroutines from goleak's report in a test's
// output: for each, the go statement that started it (from the "created by"
// frame), the function it is stuck in, and its state.
func ParseLeaks(output string) []Leak {
	var leaks []Leak
	lines := strings.Split(output, "\n")
	for i := 0; i < len(lines); i++ {
		m := goroutineHeader.FindStringSubmatch(strings.TrimSpace(lines[i]))
		if m == nil {
			continue
		}
		l := Leak{State: m[1], Function: m[2]}
		var stack []string
		for i++; i < len(lines); i++ {
			line := lines[i]
			if strings.TrimSpace(line) == "]" || strings.TrimSpace(line) == "" || goroutineHeader.MatchString(strings.TrimSpace(line)) {
				i--
				break
			}
			stack = append(stack, line)
			if strings.HasPrefix(line, "created by ") && i+1 < len(lines) {
				if fm := fileLine.FindStringSubmatch(lines[i+1]); fm != nil {
					l.File = fm[1]
					l.Line, _ = strconv.Atoi(fm[2])
				}
			}
		}
		l.Stack = strings.Join(stack, "\n")
		leaks = append(leaks, l)
	}
	return leaks
}
