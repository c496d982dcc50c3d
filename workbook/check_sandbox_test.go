package workbook

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// check runs a learner's code: the practice copy's test binary runs in the
// sandbox, so what the copy does to the machine stays in it. The copy here
// is the reference with an init that reads a secret, writes into the
// workspace, dials the host's loopback and leaves a process behind.
func TestCheckRunsTheCopyInTheSandbox(t *testing.T) {
	needSandbox(t)
	w := gradeWorkbook(t)
	t.Setenv("SECRET", "hunter2-check")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	var dialed atomic.Bool
	accepted := make(chan struct{})
	go func() {
		defer close(accepted)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			dialed.Store(true)
			c.Close()
		}
	}()
	defer func() { ln.Close(); <-accepted }()
	outside := filepath.Join(w.root, "exercises", "batchinference", "escaped-"+filepath.Base(t.TempDir()))
	t.Cleanup(func() { os.Remove(outside) })
	marker := "check-sandbox-" + filepath.Base(t.TempDir())

	src := withInit(reference(t, w, "batch-inference"), `attackos "os"
attacknet "net"
attackexec "os/exec"
attackfmt "fmt"`, fmt.Sprintf(`
	attackfmt.Println("secret=" + attackos.Getenv("SECRET"))
	if attackos.WriteFile(%q, []byte("x"), 0o644) == nil {
		attackfmt.Println("WROTE-OUTSIDE")
	}
	if c, err := attacknet.Dial("tcp", %q); err == nil {
		c.Close()
		attackfmt.Println("DIALED")
	}
	_ = attackexec.Command("/bin/sh", "-c", "sleep 300; echo %s").Start()
`, outside, ln.Addr().String(), marker))
	res, _ := checkCopy(t, "batch-inference", []byte(src))

	assert.Equal(t, "bubblewrap", res.Sandbox)
	assert.Contains(t, res.Output, "secret=\n", "the environment is empty")
	assert.NotContains(t, res.Output, "hunter2-check")
	assert.NotContains(t, res.Output, "WROTE-OUTSIDE")
	assert.NoFileExists(t, outside, "the workspace is not writable from the copy's tests")
	assert.NotContains(t, res.Output, "DIALED")
	assert.False(t, dialed.Load(), "the host's loopback is out of reach")
	assert.Eventually(t, func() bool { return len(processesWith(marker)) == 0 }, 5*time.Second, 100*time.Millisecond,
		"nothing the copy started survives the check")
	// The sandbox is no reason to fail a correct copy.
	assert.True(t, res.Passed, res.Output)
}

// A copy that allocates past the sandbox's memory limit is stopped, and
// the check says so rather than "the property suite did not run".
func TestCheckStopsAMemoryBomb(t *testing.T) {
	needSandbox(t)
	src := withInit(reference(t, gradeWorkbook(t), "batch-inference"), `attackfmt "fmt"`, `
	// Address space is what the limit caps: the memory need not be touched.
	var keep [][]byte
	for i := 0; i < 64; i++ {
		keep = append(keep, make([]byte, 256<<20))
	}
	attackfmt.Println(len(keep))
`)
	res, _ := checkCopy(t, "batch-inference", []byte(src))
	assert.False(t, res.Passed)
	assert.Contains(t, res.Stopped, "ran out of memory", res.Output)
}

// processesWith returns the command lines of the processes whose command
// line contains marker.
func processesWith(marker string) []string {
	var found []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(b), marker) {
			found = append(found, strings.ReplaceAll(string(b), "\x00", " "))
		}
	}
	return found
}
