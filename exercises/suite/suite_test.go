package suite

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type impl func(ctx context.Context) error

func TestCheckReportsPassFailPanicAndHang(t *testing.T) {
	release := make(chan struct{})
	s := Suite[impl]{
		Exercise: "demo",
		Timeout:  50 * time.Millisecond,
		Properties: []Property[impl]{
			{Name: "returns-nil", Check: func(ctx context.Context, f impl) Outcome {
				err := f(ctx)
				return Outcome{Pass: err == nil, Observed: "returned " + errString(err)}
			}},
			{Name: "panics", Check: func(ctx context.Context, f impl) Outcome { panic("boom") }},
			{Name: "hangs", Check: func(ctx context.Context, f impl) Outcome {
				<-release // ignores ctx, as a hanging implementation does
				return Outcome{Pass: true}
			}},
		},
	}
	res := s.Check(func(context.Context) error { return nil })
	close(release) // let the abandoned check end, so nothing leaks
	require.Len(t, res, 3)
	assert.True(t, res[0].Pass)
	assert.Equal(t, "returned <nil>", res[0].Observed)
	assert.False(t, res[1].Pass)
	assert.Contains(t, res[1].Observed, "panicked: boom")
	assert.False(t, res[2].Pass)
	assert.Contains(t, res[2].Observed, "hangs")
	assert.Equal(t, []string{"panics", "hangs"}, Failed(res))
	r, ok := Find(res, "hangs")
	assert.True(t, ok)
	assert.Equal(t, "hangs", r.Property)
	_, ok = Find(res, "nope")
	assert.False(t, ok)
}

func TestRunWritesTheReport(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.json")
	t.Setenv(ReportEnv, path)
	s := Suite[impl]{Exercise: "demo", Properties: []Property[impl]{
		{Name: "ok", Check: func(ctx context.Context, f impl) Outcome { return Outcome{Pass: true, Observed: "fine"} }},
	}}
	s.Run(t, func(context.Context) error { return nil })
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"exercise": "demo"`)
	assert.Contains(t, string(b), `"observed": "fine"`)
}

func TestSpeedup(t *testing.T) {
	sleepy := func(d time.Duration) impl {
		return func(ctx context.Context) error { time.Sleep(d); return nil }
	}
	work := func(ctx context.Context, f impl) error { return f(ctx) }
	s, err := Speedup(context.Background(), sleepy(40*time.Millisecond), sleepy(time.Millisecond), work)
	require.NoError(t, err)
	assert.Greater(t, s, 1.0, "the faster implementation has a speedup above 1")
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}
