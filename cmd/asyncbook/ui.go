package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// ui writes the CLI's human output: colour only on a terminal (and never
// with NO_COLOR), step lines on stderr.
type ui struct {
	out, err io.Writer
	color    bool
	tty      bool // stdout is a terminal
}

func newUI(stdout, stderr io.Writer) *ui {
	tty := isTerminal(stdout)
	return &ui{out: stdout, err: stderr, tty: tty, color: tty && os.Getenv("NO_COLOR") == ""}
}

// clearScreen clears a terminal and puts the cursor top left; on anything
// else (a pipe, a file) it writes nothing.
func (u *ui) clearScreen() {
	if u.tty {
		fmt.Fprint(u.out, "\x1b[H\x1b[2J\x1b[3J")
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func (u *ui) paint(code, s string) string {
	if !u.color {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (u *ui) green(s string) string { return u.paint("32", s) }
func (u *ui) red(s string) string   { return u.paint("31", s) }
func (u *ui) bold(s string) string  { return u.paint("1", s) }
func (u *ui) dim(s string) string   { return u.paint("2", s) }

func (u *ui) mark(ok bool) string {
	if ok {
		return u.green("PASS")
	}
	return u.red("FAIL")
}

// step reports the start of a long step on stderr.
func (u *ui) step(s string, percent int) {
	fmt.Fprintf(u.err, "%s %s\n", u.dim(fmt.Sprintf("[%3d%%]", percent)), s)
}

func (u *ui) printf(format string, args ...any) { fmt.Fprintf(u.out, format, args...) }

// errorf prints an error on stderr and returns exit status 1.
func (u *ui) errorf(format string, args ...any) int {
	fmt.Fprintf(u.err, "asyncbook: "+format+"\n", args...)
	return 1
}

func (u *ui) json(v any) int {
	enc := json.NewEncoder(u.out)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return u.errorf("write json: %v", err)
	}
	return 0
}

// plural writes a count with its noun in the right number: "1 more hint",
// "3 more hints".
func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
