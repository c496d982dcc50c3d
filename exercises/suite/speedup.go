package suite

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"
)

// SpeedupEnv names the environment variable that, when set to a file path,
// makes ReportSpeedup write its measurement there as JSON.
const SpeedupEnv = "ASYNCBOOK_SPEEDUP"

// SpeedupReport is what ReportSpeedup writes.
type SpeedupReport struct {
	Measured float64 `json:"measured"`
	Ideal    float64 `json:"ideal"`
	Error    string  `json:"error,omitempty"`
}

// ReportSpeedup measures impl against seq on the exercise's workload, logs
// it, and writes it to $ASYNCBOOK_SPEEDUP when that is set. Speed is
// reported, never asserted: the properties decide pass or fail. It is
// skipped with -short.
func ReportSpeedup[I any](t *testing.T, seq, impl I, workload func(context.Context, I) error, ideal float64) {
	t.Helper()
	if testing.Short() {
		t.Skip("speedup is measured without -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep := SpeedupReport{Ideal: ideal}
	measured, err := Speedup(ctx, seq, impl, workload)
	if err != nil {
		rep.Error = err.Error()
		t.Logf("speedup not measured: %v", err)
	} else {
		rep.Measured = measured
		t.Logf("speedup %.2fx (ideal %.2fx)", measured, ideal)
	}
	if path := os.Getenv(SpeedupEnv); path != "" {
		b, _ := json.Marshal(rep)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Errorf("write speedup report: %v", err)
		}
	}
}
