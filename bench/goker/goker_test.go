package main

import (
	"bufio"
	"context"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func setup(t *testing.T) *Bench {
	t.Helper()
	b, err := Setup(t.TempDir())
	require.NoError(t, err)
	return b
}

// Every expectation of the runtime's test names a function of the kernels
// as this package names them: the names follow the compiler's.
func TestExpectationsNameKernelFunctions(t *testing.T) {
	b := setup(t)
	require.GreaterOrEqual(t, len(b.Kernels), 50)
	for _, k := range b.Kernels {
		assert.NotEmpty(t, b.Source.DeclIn[k.Name], "kernel %s has no entry function", k.Name)
		for _, l := range k.Leaks {
			found := false
			for _, f := range b.Source.Funcs {
				if l.Func.MatchString(f.Name) {
					found = true
				}
			}
			assert.True(t, found, "%s: no function matches %s", k.Name, l.Pattern)
		}
	}
}

func TestFunctionNames(t *testing.T) {
	dir := t.TempDir()
	src := `package main

var hook = func() {}

type T struct{}

func (t *T) Run() {
	go func() {
		defer func() {}()
		func() {}()
	}()
}

func F() {
	_ = func() {}
	go func() {}()
}
`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.go"), []byte(src), 0o644))
	s, err := ParseSource(dir)
	require.NoError(t, err)
	var names []string
	for _, f := range s.Funcs {
		names = append(names, f.Name)
	}
	assert.ElementsMatch(t, []string{
		"glob..func1", "(*T).Run", "(*T).Run.func1", "(*T).Run.func1.1", "(*T).Run.func1.2",
		"F", "F.func1", "F.func2",
	}, names)
	assert.Equal(t, "a.go", s.DeclIn["F"])
	assert.Empty(t, s.DeclIn["Run"], "methods are not kernel entry points")
}

// The profile's leaked goroutines, with their frames in package main; live
// goroutines, runtime frames and the go statement's line are left out.
func TestParseLeaks(t *testing.T) {
	profile := `goroutine leak profile: total 2
goroutine 1 [running]:
main.main()
	/tmp/k/main.go:38 +0x133

goroutine 5 [sync.RWMutex.RLock (leaked)]:
sync.runtime_SemacquireRWMutexR(0x26012131fe38?, 0x13?, 0x0?)
	/usr/local/go/src/runtime/sema.go:100 +0x25
sync.(*RWMutex).RLock(...)
	/usr/local/go/src/sync/rwmutex.go:74
main.(*M).notify(0x2601212f8120, {0x0?, 0x0?, 0x4?})
	/tmp/k/m.go:40 +0x31
main.F.func2()
	/tmp/k/m.go:85 +0x5c
created by main.F in goroutine 1
	/tmp/k/m.go:80 +0x57

goroutine 7 [chan send (leaked), 2 minutes]:
main.G.func1()
	/tmp/k/g.go:12 +0x1a
created by main.G in goroutine 1
	/tmp/k/g.go:10 +0x57
`
	got := ParseLeaks(profile)
	assert.Equal(t, []Stack{
		{Reason: "sync.RWMutex.RLock", Frames: []Frame{{"(*M).notify", "m.go", 40}, {"F.func2", "m.go", 85}}},
		{Reason: "chan send", Frames: []Frame{{"G.func1", "g.go", 12}}},
	}, got)
	assert.Empty(t, ParseLeaks("goroutine 1 [running]:\nmain.main()\n\t/tmp/k/main.go:38 +0x133\n"))
}

// A real run of a kernel whose goroutine blocks three calls below the
// function it was started with (Syncthing4829: a read lock taken under the
// same mutex's write lock).
func TestLeakedStacksOfARealRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the kernels")
	}
	b := setup(t)
	exe, err := BuildKernels(context.Background(), b.Dir, t.TempDir())
	require.NoError(t, err)
	var k Kernel
	for _, kk := range b.Kernels {
		if kk.Name == "Syncthing4829" {
			k = kk
		}
	}
	require.NotEmpty(t, k.Name)
	st, err := LeakedStacks(context.Background(), exe, k, kernelRuns)
	require.NoError(t, err)
	require.True(t, sawAll(k, st), "the expected leak was not seen: %+v", st)
	var names []string
	for _, fn := range b.Source.Frames(st) {
		names = append(names, fn.Name)
	}
	assert.Subset(t, names, []string{"(*Mapping_syncthing4829).notify", "(*Mapping_syncthing4829).clearAddresses", "(*Service_syncthing4829).RemoveMapping", "Syncthing4829.func2"})
	assert.NotContains(t, names, "(*Service_syncthing4829).NewMapping", "a function that returned is not on the stack")

	_, err = LeakedStacks(context.Background(), exe, Kernel{Name: "NoSuchKernel"}, 1)
	assert.Error(t, err, "an unknown kernel is an error, not an empty run")
}

func TestScore(t *testing.T) {
	leak, err := parseLeak(`F\.func2\(.* \[chan send\]`)
	require.NoError(t, err)
	assert.Equal(t, "chan send", leak.Reason)
	src := &Source{
		DeclIn: map[string]string{"F": "f.go", "G": "g.go", "H": "h.go"},
		Funcs: []Func{
			{Name: "F", File: "f.go", Start: pos(1, 1), End: pos(20, 2)},
			{Name: "F.func2", File: "f.go", Start: pos(5, 5), End: pos(9, 3)},
			{Name: "F.func2.1", File: "f.go", Start: pos(6, 5), End: pos(7, 3)},
			{Name: "G.func2", File: "g.go", Start: pos(5, 5), End: pos(9, 3)},
		},
	}
	gleak, err := parseLeak(`G\.func2\(.* \[sync\.Mutex\.Lock\]`)
	require.NoError(t, err)
	kernels := []Kernel{{Name: "F", Leaks: []Leak{leak}}, {Name: "G", Leaks: []Leak{gleak}}, {Name: "H", Leaks: []Leak{leak}}}
	assert.True(t, kernels[0].Channel())
	assert.False(t, kernels[1].Channel())
	rs := Score(src, kernels, []Finding{
		{Check: "a", File: "f.go", Line: 6, Col: 9}, // in F.func2.1, inside F.func2
		{Check: "b", File: "f.go", Line: 12, Col: 1},
		{Check: "c", File: "g.go", Line: 4, Col: 1}, // before G.func2
	}, nil)
	assert.Equal(t, Result{Outcome: AtBug, Checks: []string{"a"}}, rs["F"])
	assert.Equal(t, Result{Outcome: Off, Checks: []string{"c"}}, rs["G"], "not on the stack: no kernel was run")
	assert.Equal(t, Silent, rs["H"].Outcome)

	kleak, err := parseLeak(`K\.func1\(.* \[sync\.Mutex\.Lock\]`)
	require.NoError(t, err)
	src.DeclIn["K"] = "k.go"
	src.Funcs = append(src.Funcs,
		Func{Name: "K", File: "k.go", Start: pos(1, 1), End: pos(9, 2)},
		Func{Name: "K.func1", File: "k.go", Start: pos(3, 5), End: pos(5, 3)},
		Func{Name: "relock", File: "k.go", Start: pos(11, 1), End: pos(15, 2)},
		Func{Name: "other", File: "k.go", Start: pos(17, 1), End: pos(19, 2)})
	kernelsK := []Kernel{{Name: "K", Leaks: []Leak{kleak}}}
	leaked := map[string][]Stack{"K": {{Reason: "sync.Mutex.Lock", Frames: []Frame{{"relock", "k.go", 13}, {"K.func1", "k.go", 4}}}}}
	rs = Score(src, kernelsK, []Finding{{Check: "doublelock", File: "k.go", Line: 13, Col: 2}}, leaked)
	assert.Equal(t, Result{Outcome: Off, Checks: []string{"doublelock"}, OnStack: true}, rs["K"], "on the stack: the leaked K.func1 is blocked in relock")
	rs = Score(src, kernelsK, []Finding{{Check: "style", File: "k.go", Line: 18, Col: 2}}, leaked)
	assert.Equal(t, Result{Outcome: Off, Checks: []string{"style"}}, rs["K"], "other is not on the leaked stack")
}

func pos(line, col int) token.Position { return token.Position{Line: line, Column: col} }

// asyncvet stays at the bug on every kernel the committed report says it
// finds (docs/reports/goker.md, the -profile=strict column).
func TestNoKernelLost(t *testing.T) {
	if testing.Short() {
		t.Skip("loads and analyses every kernel")
	}
	b := setup(t)
	fs, err := Asyncvet(context.Background(), b.Dir)
	require.NoError(t, err)
	now := Score(b.Source, b.Kernels, fs, nil)
	want := committedAtBug(t, "asyncvet -profile=strict")
	require.NotEmpty(t, want)
	for name := range want {
		assert.Equal(t, AtBug, now[name].Outcome, "%s: the report has asyncvet at the bug", name)
	}
	n := 0
	for _, r := range now {
		if r.Outcome == AtBug {
			n++
		}
	}
	if n > len(want) {
		t.Logf("asyncvet is at the bug on %d kernels, the report says %d: regenerate it (go run ./bench/goker -o docs/reports/goker.md)", n, len(want))
	}
}

func committedAtBug(t *testing.T, column string) map[string]bool {
	f, err := os.Open(filepath.Join("..", "..", "docs", "reports", "goker.md"))
	require.NoError(t, err)
	defer f.Close()
	out := map[string]bool{}
	col := -1
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cells := strings.Split(sc.Text(), "|")
		if len(cells) < 3 {
			continue
		}
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if cells[1] == "kernel" {
			for i, c := range cells {
				if c == column {
					col = i
				}
			}
			continue
		}
		if col > 0 && col < len(cells) && strings.HasPrefix(cells[col], "**bug**") {
			out[cells[1]] = true
		}
	}
	require.Positive(t, col, "no %q column in the report", column)
	return out
}
