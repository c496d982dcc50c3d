// Package sandbox runs a program we did not write: under bubblewrap (no
// network, an empty environment, only /usr and the program itself visible and
// read-only, a private scratch /tmp, new PID, IPC, UTS and user namespaces)
// with resource limits (address space, CPU time, processes, file size) and
// a cap on its output, and kills everything it started on timeout, on
// cancel and when the caller dies.
package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Limits bound one run. Zero fields take the defaults of DefaultLimits.
type Limits struct {
	Memory   int64         // address space in bytes (RLIMIT_AS)
	CPU      time.Duration // CPU time (RLIMIT_CPU), all threads together
	Procs    int           // processes and threads of the sandbox's user (RLIMIT_NPROC)
	FileSize int64         // the largest file it may write (RLIMIT_FSIZE)
	Scratch  int64         // the size of its private /tmp
	Output   int64         // bytes of stdout and stderr together kept before it is killed
	Wall     time.Duration // wall-clock time before it is killed
}

// DefaultLimits are generous for a property suite on the simulated world and
// small for a bomb.
var DefaultLimits = Limits{
	Memory:   3 << 30,
	CPU:      5 * time.Minute,
	Procs:    512,
	FileSize: 16 << 20,
	Scratch:  64 << 20,
	Output:   4 << 20,
	Wall:     3 * time.Minute,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.Memory > 0 {
		d.Memory = l.Memory
	}
	if l.CPU > 0 {
		d.CPU = l.CPU
	}
	if l.Procs > 0 {
		d.Procs = l.Procs
	}
	if l.FileSize > 0 {
		d.FileSize = l.FileSize
	}
	if l.Scratch > 0 {
		d.Scratch = l.Scratch
	}
	if l.Output > 0 {
		d.Output = l.Output
	}
	if l.Wall > 0 {
		d.Wall = l.Wall
	}
	return d
}

// ErrUnavailable is wrapped by Detect's error when no working bubblewrap is
// found.
var ErrUnavailable = errors.New("no sandbox available")

// Runner runs programs. The zero Runner is not usable: get one from Detect,
// or Unsandboxed for a run the caller has explicitly accepted as unsafe.
type Runner struct {
	bwrap    string // path of bwrap; empty when unsandboxed
	prlimit  string // path of prlimit, to set the limits inside
	sizedTmp bool   // bwrap knows --size (0.8 and later)
	asNobody bool   // start it as Nobody (the grader is root)
}

// Detect finds bubblewrap and prlimit and checks that a sandbox really
// starts here (a container may forbid the namespaces it needs).
func Detect(ctx context.Context) (*Runner, error) {
	bw, err := exec.LookPath("bwrap")
	if err != nil {
		return nil, fmt.Errorf("%w: bubblewrap (bwrap) is not installed; install the Debian/Ubuntu package bubblewrap", ErrUnavailable)
	}
	pl, err := exec.LookPath("prlimit")
	if err != nil {
		return nil, fmt.Errorf("%w: prlimit (util-linux) is not installed", ErrUnavailable)
	}
	probeCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	var res *Result
	// As root, bwrap runs as nobody when the kernel lets an unprivileged
	// user make namespaces: root's processes are not counted against
	// RLIMIT_NPROC, and nobody owns nothing. bwrap before 0.8 has no
	// --size: its /tmp is then bounded only by the file-size limit.
	for _, drop := range []bool{os.Geteuid() == 0, false} {
		for _, sized := range []bool{true, false} {
			r := &Runner{bwrap: bw, prlimit: pl, sizedTmp: sized, asNobody: drop}
			res, err = r.Run(probeCtx, Spec{Path: "/usr/bin/true", Limits: Limits{Wall: 15 * time.Second}})
			if err != nil {
				return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
			}
			if res.ExitCode == 0 {
				return r, nil
			}
		}
		if os.Geteuid() != 0 {
			break
		}
	}
	return nil, fmt.Errorf("%w: bwrap cannot start a sandbox here (exit %d): %s", ErrUnavailable, res.ExitCode, strings.TrimSpace(string(res.Output)))
}

// Nobody is the user a root grader runs untrusted code as.
const Nobody = 65534

// Unsandboxed returns a Runner that runs programs directly, with the limits,
// the empty environment, the output cap and the process-group kill, but
// without namespaces: the program sees the network and the file system.
func Unsandboxed() *Runner {
	pl, _ := exec.LookPath("prlimit")
	return &Runner{prlimit: pl, asNobody: os.Geteuid() == 0}
}

// Sandboxed reports whether the runner isolates what it runs.
func (r *Runner) Sandboxed() bool { return r.bwrap != "" }

// Name says what isolates a run, for reports.
func (r *Runner) Name() string {
	if r.Sandboxed() {
		return "bubblewrap"
	}
	return "none"
}

// Spec is one run.
type Spec struct {
	// Path is the program, on the host. Its folder is all of the host
	// the sandbox sees besides /usr; a root grader runs it as Nobody, so
	// the folder and the program must be readable and executable by all.
	Path string
	Args []string // its arguments (not the program name)
	// ExtraFiles are inherited as descriptors 3, 4, ... (the harness's
	// report channel).
	ExtraFiles []*os.File
	// Env adds KEY=VALUE variables to its otherwise empty environment.
	Env []string
	// Writable is a host folder it may write into, at the same path inside
	// the sandbox (check's report files); empty for none. A root grader
	// hands it to Nobody for the run.
	Writable string
	Limits   Limits
}

// Result is how a run ended.
type Result struct {
	ExitCode  int    // -1 when killed by a signal
	Signal    string // the signal that killed it, if one did ("killed", "CPU time limit exceeded")
	Output    []byte // stdout and stderr interleaved, at most Limits.Output bytes
	OutputCut bool   // it wrote more than Limits.Output and was killed for it
	TimedOut  bool   // it ran past Limits.Wall and was killed
	Canceled  bool   // the caller's context ended first
	Duration  time.Duration
}

// Run runs spec and waits for everything it started to end.
func (r *Runner) Run(ctx context.Context, spec Spec) (*Result, error) {
	lim := spec.Limits.withDefaults()
	inner := []string{spec.Path}
	if r.Sandboxed() {
		inner = []string{"/sandbox/" + filepath.Base(spec.Path)}
	}
	inner = append(inner, spec.Args...)
	if r.prlimit != "" {
		inner = append([]string{r.prlimit,
			"--as=" + strconv.FormatInt(lim.Memory, 10),
			"--cpu=" + strconv.Itoa(int((lim.CPU+time.Second-1)/time.Second)),
			"--nproc=" + strconv.Itoa(lim.Procs),
			"--fsize=" + strconv.FormatInt(lim.FileSize, 10),
			"--core=0",
			"--"}, inner...)
	}
	var cmd *exec.Cmd
	runCtx, cancel := context.WithTimeout(ctx, lim.Wall)
	defer cancel()
	if r.Sandboxed() {
		args := r.bwrapArgs(spec, lim)
		cmd = exec.Command(r.bwrap, append(args, inner...)...)
		cmd.Env = []string{}
	} else {
		cmd = exec.Command(inner[0], inner[1:]...)
		cmd.Env = append([]string{"PATH=/usr/bin:/bin", "HOME=/nonexistent", "TMPDIR=" + os.TempDir()}, spec.Env...)
		cmd.Dir = filepath.Dir(spec.Path)
	}
	if spec.Writable != "" && r.asNobody {
		if err := os.Chown(spec.Writable, Nobody, Nobody); err != nil {
			return nil, fmt.Errorf("hand %s to the sandbox: %w", spec.Writable, err)
		}
	}
	cmd.ExtraFiles = spec.ExtraFiles
	// Its own process group, so that one signal reaches everything it
	// started; and it dies with us.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if r.asNobody {
		// The program's folder must then be readable by others (see Spec).
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: Nobody, Gid: Nobody}
	}
	out := &capped{limit: lim.Output, over: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = out, out
	// A descendant that holds the output open does not keep Wait: the
	// group is killed right after.
	cmd.WaitDelay = 2 * time.Second
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", filepath.Base(spec.Path), err)
	}
	pgid := cmd.Process.Pid
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	res := &Result{}
	var waitErr error
	select {
	case waitErr = <-done:
	case <-runCtx.Done():
		res.TimedOut = ctx.Err() == nil
		res.Canceled = ctx.Err() != nil
		killGroup(pgid)
		waitErr = <-done
	case <-out.over:
		res.OutputCut = true
		killGroup(pgid)
		waitErr = <-done
	}
	// Whatever is left of the group (unsandboxed, a child that escaped
	// Wait) goes too.
	killGroup(pgid)
	res.Duration = time.Since(start)
	res.Output = out.bytes()
	res.ExitCode = cmd.ProcessState.ExitCode()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok {
		switch {
		case ws.Signaled():
			res.Signal = ws.Signal().String()
		case r.Sandboxed() && ws.Exited() && ws.ExitStatus() > 128:
			// bwrap reports a child killed by signal N as 128+N.
			res.Signal = syscall.Signal(ws.ExitStatus() - 128).String()
		}
	}
	var exitErr *exec.ExitError
	if waitErr != nil && !errors.As(waitErr, &exitErr) {
		return nil, fmt.Errorf("run %s: %w", filepath.Base(spec.Path), waitErr)
	}
	return res, nil
}

func killGroup(pgid int) { _ = syscall.Kill(-pgid, syscall.SIGKILL) }

// bwrapArgs builds the sandbox: nothing of the host but /usr (read-only, for
// prlimit and a dynamic loader) and the program's folder (read-only), a
// private /tmp, fresh /proc and /dev, every namespace unshared (no network:
// only a loopback of its own), an empty environment, a new session (no
// terminal to push input into) and death with its parent.
//
// Spec.Writable is bound writable over the private /tmp's, and Spec.Env is
// set after the fixed variables.
func (r *Runner) bwrapArgs(spec Spec, lim Limits) []string {
	args := []string{
		"--unshare-all", "--unshare-user", "--uid", "65534", "--gid", "65534",
		"--die-with-parent", "--new-session", "--clearenv",
		"--ro-bind", "/usr", "/usr",
	}
	for _, l := range []string{"/bin", "/lib", "/lib64", "/sbin"} {
		if target, err := os.Readlink(l); err == nil {
			args = append(args, "--symlink", target, l)
		} else if fi, err := os.Stat(l); err == nil && fi.IsDir() {
			args = append(args, "--ro-bind", l, l)
		}
	}
	args = append(args,
		"--ro-bind", filepath.Dir(spec.Path), "/sandbox",
		"--proc", "/proc", "--dev", "/dev",
	)
	if r.sizedTmp {
		args = append(args, "--size", strconv.FormatInt(lim.Scratch, 10))
	}
	args = append(args, "--tmpfs", "/tmp")
	if spec.Writable != "" {
		args = append(args, "--bind", spec.Writable, spec.Writable)
	}
	args = append(args,
		"--chdir", "/tmp",
		"--setenv", "PATH", "/usr/bin:/bin",
		"--setenv", "HOME", "/tmp",
		"--setenv", "TMPDIR", "/tmp",
	)
	for _, kv := range spec.Env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			args = append(args, "--setenv", k, v)
		}
	}
	return append(args, "--")
}

// capped keeps the first limit bytes written to it and closes over when more
// arrive.
type capped struct {
	limit int64
	mu    sync.Mutex
	buf   bytes.Buffer
	once  sync.Once
	over  chan struct{}
}

func (c *capped) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	room := c.limit - int64(c.buf.Len())
	if int64(len(p)) > room {
		if room > 0 {
			c.buf.Write(p[:room])
		}
		c.once.Do(func() { close(c.over) })
		return len(p), nil
	}
	c.buf.Write(p)
	return len(p), nil
}

func (c *capped) bytes() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return bytes.Clone(c.buf.Bytes())
}

// BuildMemory bounds the address space of each process of a build of
// untrusted code (the go command, the compiler, the linker, the C
// compiler for the race runtime): the compiler runs no submitted code, but
// source can be written to exhaust it.
const BuildMemory int64 = 4 << 30

// Command is exec.CommandContext for a tool that handles untrusted input
// outside the sandbox (`go test -c` on a submission): each of its
// processes is capped at memory bytes of address space where prlimit is
// installed, it runs in its own process group, and on cancel the whole
// group is killed, with what it started.
func Command(ctx context.Context, memory int64, name string, args ...string) *exec.Cmd {
	if pl, err := exec.LookPath("prlimit"); err == nil && memory > 0 {
		args = append([]string{"--as=" + strconv.FormatInt(memory, 10), "--", name}, args...)
		name = pl
	}
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// OutOfMemory reports whether a Go program's or a C compiler's output says
// it ran out of memory.
func OutOfMemory(output string) bool {
	for _, s := range []string{"runtime: out of memory", "fatal error: out of memory", "cannot allocate memory",
		"virtual memory exhausted", "out of memory allocating"} {
		if strings.Contains(output, s) {
			return true
		}
	}
	return false
}
