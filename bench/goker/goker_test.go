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

// Reach follows calls on the goroutine (functions by name, methods by
// method name, literals that are not started by go), never a go statement.
func TestReach(t *testing.T) {
	dir := t.TempDir()
	src := `package main

type T struct{}

func (t *T) lock()   {}
func (t *T) unlock() {}
func (t *T) spawned() {}

func helper(t *T) { t.lock() }

func Entry() {
	t := &T{}
	helper(t)
	defer func() { t.unlock() }()
	go t.spawned()
	go func() { other() }()
}

func other() {}
`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.go"), []byte(src), 0o644))
	s, err := ParseSource(dir)
	require.NoError(t, err)
	var entry []Func
	for _, f := range s.Funcs {
		if f.Name == "Entry" {
			entry = append(entry, f)
		}
	}
	require.Len(t, entry, 1)
	var names []string
	for _, f := range s.Reach(entry) {
		names = append(names, f.Name)
	}
	assert.ElementsMatch(t, []string{"helper", "(*T).lock", "Entry.func1", "(*T).unlock"}, names)
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
	})
	assert.Equal(t, Result{Outcome: AtBug, Checks: []string{"a"}}, rs["F"])
	assert.Equal(t, Result{Outcome: Off, Checks: []string{"c"}}, rs["G"], "not below: G.func2 calls nothing")
	assert.Equal(t, Silent, rs["H"].Outcome)

	kleak, err := parseLeak(`K\.func1\(.* \[sync\.Mutex\.Lock\]`)
	require.NoError(t, err)
	src.DeclIn["K"] = "k.go"
	src.Funcs = append(src.Funcs,
		Func{Name: "K", File: "k.go", Start: pos(1, 1), End: pos(9, 2)},
		Func{Name: "K.func1", File: "k.go", Start: pos(3, 5), End: pos(5, 3), Calls: []string{"relock"}},
		Func{Name: "relock", File: "k.go", Start: pos(11, 1), End: pos(15, 2)})
	rs = Score(src, []Kernel{{Name: "K", Leaks: []Leak{kleak}}}, []Finding{{Check: "doublelock", File: "k.go", Line: 13, Col: 2}})
	assert.Equal(t, Result{Outcome: Off, Checks: []string{"doublelock"}, OnPath: true}, rs["K"], "below: relock is called by the leaking K.func1")
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
	now := Score(b.Source, b.Kernels, fs)
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
