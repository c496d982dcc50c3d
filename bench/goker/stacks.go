package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Frame is one frame of the kernels' code on a leaked goroutine's stack.
type Frame struct {
	Func string // the runtime's name without "main.", e.g. (*T).m or F.func2
	File string // base name
	Line int
}

// Stack is a goroutine the runtime's leak profile reports as leaked: what it
// waits on and its frames in the kernels' code, the blocked one first (the
// runtime's and the standard library's frames are left out).
type Stack struct {
	Reason string
	Frames []Frame
}

// BuildKernels builds the kernels in dir as the runtime's test does, with
// the goroutine-leak profile compiled in, and returns the program's path.
func BuildKernels(ctx context.Context, dir, binDir string) (string, error) {
	exe := filepath.Join(binDir, "goker-kernels")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", exe, ".")
	cmd.Dir = dir
	cmd.Env = append(goEnv(), "GOEXPERIMENT=goroutineleakprofile")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build kernels: %w\n%s", err, out)
	}
	return exe, nil
}

// runTimeout bounds one run of one kernel; a kernel's program ends by
// itself after it has written its profile.
const runTimeout = 2 * time.Minute

// LeakedStacks runs kernel k of the program exe up to runs times, in the
// runtime test's environment, until every leak the test expects has been
// seen, and returns every leaked goroutine of those runs.
func LeakedStacks(ctx context.Context, exe string, k Kernel, runs int) ([]Stack, error) {
	env := append(os.Environ(), "GODEBUG=asyncpreemptoff=1", "GOEXPERIMENT=goroutineleakprofile")
	if !k.Flaky {
		env = append(env, "GOMAXPROCS=1") // as the test runs its simple cases
	}
	var all []Stack
	for i := 0; i < runs; i++ {
		rctx, cancel := context.WithTimeout(ctx, runTimeout)
		cmd := exec.CommandContext(rctx, exe, k.Name)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			if errors.Is(rctx.Err(), context.DeadlineExceeded) {
				return all, fmt.Errorf("kernel %s: no profile within %s", k.Name, runTimeout)
			}
			return all, fmt.Errorf("kernel %s: %w\n%s", k.Name, err, out)
		}
		if !strings.Contains(string(out), "goroutine ") {
			return all, fmt.Errorf("kernel %s wrote no goroutine profile:\n%s", k.Name, out)
		}
		all = append(all, ParseLeaks(string(out))...)
		if sawAll(k, all) {
			break
		}
	}
	return all, nil
}

// sawAll reports whether every expected leak of k matches a stack.
func sawAll(k Kernel, stacks []Stack) bool {
	for _, l := range k.Leaks {
		found := false
		for _, s := range stacks {
			if len(s.Frames) > 0 && l.Func.MatchString(s.Frames[len(s.Frames)-1].Func) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

var (
	goroutineHeader = regexp.MustCompile(`^goroutine \d+ \[(.*) \(leaked\)(?:, [^\]]*)?\]:$`)
	frameFile       = regexp.MustCompile(`^\t(.*):(\d+)(?: \+0x[0-9a-f]+)?$`)
)

// ParseLeaks reads a goroutine-leak profile written at debug level 2 and
// returns the leaked goroutines with their frames in package main.
func ParseLeaks(profile string) []Stack {
	var out []Stack
	var cur *Stack
	fn := ""
	sc := bufio.NewScanner(strings.NewReader(profile))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if m := goroutineHeader.FindStringSubmatch(line); m != nil {
			out = append(out, Stack{Reason: m[1]})
			cur = &out[len(out)-1]
			fn = ""
			continue
		}
		if cur == nil {
			continue
		}
		switch {
		case line == "" || strings.HasPrefix(line, "goroutine "):
			cur = nil // the end of a leaked goroutine; a live one follows
		case strings.HasPrefix(line, "created by "):
			fn = "" // its file line is where the go statement is
		case strings.HasPrefix(line, "\t"):
			m := frameFile.FindStringSubmatch(line)
			if m != nil && strings.HasPrefix(fn, "main.") {
				n, _ := strconv.Atoi(m[2])
				cur.Frames = append(cur.Frames, Frame{Func: strings.TrimPrefix(fn, "main."), File: filepath.Base(m[1]), Line: n})
			}
			fn = ""
		default:
			fn = frameFunc(line)
		}
	}
	return out
}

// frameFunc cuts the argument list off a traceback's function line:
// "main.(*T).m(0xc000010000, ...)" is "main.(*T).m".
func frameFunc(line string) string {
	if !strings.HasSuffix(line, ")") {
		return line
	}
	depth := 0
	for i := len(line) - 1; i >= 0; i-- {
		switch line[i] {
		case ')':
			depth++
		case '(':
			depth--
			if depth == 0 {
				return line[:i]
			}
		}
	}
	return line
}
