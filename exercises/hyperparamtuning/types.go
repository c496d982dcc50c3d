package hyperparamtuning

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"
)

// Trial is one point of the search space.
type Trial struct {
	Name         string
	LearningRate float64
	BatchSize    int
	Dropout      float64
	// EpochTime is how long one epoch of this trial takes on a device.
	EpochTime time.Duration
}

// String describes the trial's hyperparameters.
func (t Trial) String() string {
	return fmt.Sprintf("%s (lr %.1e, batch %d, dropout %.2f)", t.Name, t.LearningRate, t.BatchSize, t.Dropout)
}

// Loss returns the trial's validation loss after epoch epochs (epoch >= 1).
// Every trial's curve is its final loss times the same decaying factor, so
// trials keep their ranking from epoch to epoch: early stopping never loses
// the best trial.
func (t Trial) Loss(epoch int) float64 {
	return t.finalLoss() * (1 + 3*math.Exp(-float64(epoch)/2))
}

// finalLoss is the loss the trial converges to: a bowl around learning rate
// 3e-4, dropout 0.2 and batch size 64.
func (t Trial) finalLoss() float64 {
	lr := math.Log10(t.LearningRate) + 3.5
	d := t.Dropout - 0.2
	b := math.Log2(float64(t.BatchSize) / 64)
	return 0.15 + 0.4*lr*lr + 1.5*d*d + 0.02*b*b
}

// TrainEpoch trains the trial's epoch number epoch on acc and returns the
// validation loss after it. It honours ctx: a cancelled ctx interrupts the
// epoch at once, and the error wraps ctx.Err(). On an unhealthy device it
// fails with an error wrapping ErrDeviceFailed.
func (t Trial) TrainEpoch(ctx context.Context, acc *Accelerator, epoch int) (float64, error) {
	if err := acc.train(ctx, t, epoch); err != nil {
		return 0, fmt.Errorf("train %s epoch %d on %s: %w", t.Name, epoch, acc.Name(), err)
	}
	return t.Loss(epoch), nil
}

// StopRule configures the median stopping rule.
type StopRule struct {
	// Grace is the number of epochs every trial runs before it can be stopped.
	Grace int
	// MinPeers is how many other trials must have reported the same epoch
	// before a trial is compared with them.
	MinPeers int
}

// Config is the search's configuration.
type Config struct {
	MaxEpochs int
	Stop      StopRule
}

// TrialResult is what became of one trial.
type TrialResult struct {
	Trial   int     // index in the trials given to the search
	Name    string  // the trial's name
	Epochs  int     // epochs completed
	Loss    float64 // validation loss after the last completed epoch
	Stopped bool    // stopped early by the stopping rule
}

// Result is the outcome of a search.
type Result struct {
	Trials []TrialResult // one per trial, in the order of the trials given
	Best   TrialResult   // the completed trial with the lowest loss
}

// Summarize returns the search's result: the trials' results as given, and
// the best of those that completed maxEpochs epochs (Trial -1 if none did).
func Summarize(trials []TrialResult, maxEpochs int) Result {
	best := TrialResult{Trial: -1}
	for _, r := range trials {
		if r.Epochs == maxEpochs && (best.Trial < 0 || r.Loss < best.Loss) {
			best = r
		}
	}
	return Result{Trials: trials, Best: best}
}

// Impl runs the search: every trial trained for up to cfg.MaxEpochs epochs
// on a device of pool, poor trials stopped early by the median rule.
type Impl func(ctx context.Context, pool *Pool, trials []Trial, cfg Config) (Result, error)

// MedianStopper applies the median stopping rule: a running trial whose
// loss at its latest epoch e (e >= Grace) is worse than the median of the
// losses other trials reported at epoch e, once at least MinPeers did, is
// stopped. A report can stop the trial that made it, and also running
// trials that reported epoch e earlier and now fall below the median.
// Trials are identified by their index. It is not safe for concurrent use:
// one goroutine owns it, or a mutex guards it.
type MedianStopper struct {
	rule   StopRule
	losses map[int]map[int]float64 // epoch → trial → loss
	latest map[int]int             // running trial → its latest reported epoch
	ended  map[int]bool            // trials finished or stopped
}

// NewMedianStopper returns a stopper applying rule.
func NewMedianStopper(rule StopRule) *MedianStopper {
	return &MedianStopper{rule: rule, losses: map[int]map[int]float64{}, latest: map[int]int{}, ended: map[int]bool{}}
}

// Report records that trial reached epoch with loss, and returns the running
// trials that must stop now, in increasing order. Returned trials count as
// stopped: they are never returned again. Reports of ended trials still
// count as peers' data.
func (s *MedianStopper) Report(trial, epoch int, loss float64) []int {
	if s.losses[epoch] == nil {
		s.losses[epoch] = map[int]float64{}
	}
	s.losses[epoch][trial] = loss
	if !s.ended[trial] && epoch > s.latest[trial] {
		s.latest[trial] = epoch
	}
	var stop []int
	for t, e := range s.latest {
		if e == epoch && s.worseThanMedian(t, e) {
			stop = append(stop, t)
		}
	}
	sort.Ints(stop)
	for _, t := range stop {
		delete(s.latest, t)
		s.ended[t] = true
	}
	return stop
}

// Finish records that trial ended without being stopped.
func (s *MedianStopper) Finish(trial int) {
	delete(s.latest, trial)
	s.ended[trial] = true
}

func (s *MedianStopper) worseThanMedian(trial, epoch int) bool {
	if epoch < s.rule.Grace {
		return false
	}
	var peers []float64
	for t, l := range s.losses[epoch] {
		if t != trial {
			peers = append(peers, l)
		}
	}
	if len(peers) < max(s.rule.MinPeers, 1) {
		return false
	}
	sort.Float64s(peers)
	n := len(peers)
	median := peers[n/2]
	if n%2 == 0 {
		median = (peers[n/2-1] + peers[n/2]) / 2
	}
	return s.losses[epoch][trial] > median
}
