package distributedtraining

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/asyncbook/asyncbook/exercises/suite/suitetest"
)

// stepFanOut is a correct coordinator in another style than the reference:
// each step starts one goroutine per shard under a step context, gathers
// their answers on a buffered channel until all arrived or the step timed
// out, then waits for the step's goroutines (they honour the step context)
// before applying. A moved shard is loaded once, by a goroutine of its own
// under the run's context, and its gradient asked for when the load lands.
// A writer goroutine saves checkpoints behind a queue of one. Each field, when set, is one realistic bug: the mutation suite.
type stepFanOut struct {
	firstAlive     bool // a crashed worker's shard goes to the first live worker, the straggler included
	backgroundStep bool // the step context is built from context.Background()
	loadedEarly    bool // a shard counts as loaded when its load is started
	quietBreak     bool // a cancelled ctx between steps ends the loop with the parameters and no error
	inPlace        bool // parameters updated in place: a queued checkpoint sees later steps
	inlineSave     bool // checkpoints saved in the training loop
	noFlush        bool // returns without waiting for the checkpoint writer
}

type answer struct {
	worker, shard int
	grad          []float64
	err           error
}

type fanState struct {
	job     Job
	owner   []int
	dead    []bool
	late    []bool
	loaded  []map[int]bool
	loading []map[int]bool
	loads   chan answer     // the background loads' outcomes
	loaders *sync.WaitGroup // the background loads
}

func (m stepFanOut) impl(ctx context.Context, job Job) ([]float64, error) {
	n := len(job.Workers)
	var loaders sync.WaitGroup
	defer loaders.Wait() // after fail(nil) has cancelled them
	ctx, fail := context.WithCancelCause(ctx)
	defer fail(nil)
	st := &fanState{job: job, owner: make([]int, n), dead: make([]bool, n), late: make([]bool, n), loaded: make([]map[int]bool, n),
		loading: make([]map[int]bool, n), loads: make(chan answer, n), loaders: &loaders}
	loadErrs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		st.owner[i], st.loaded[i], st.loading[i] = i, map[int]bool{}, map[int]bool{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			loadErrs[i] = job.Workers[i].Load(ctx, i)
		}()
	}
	wg.Wait()
	if err := errors.Join(loadErrs...); err != nil {
		return nil, fmt.Errorf("distribute shards: %w", err)
	}
	for i := range n {
		st.loaded[i][i] = true
	}

	type checkpoint struct {
		step   int
		params []float64
	}
	queue := make(chan checkpoint, 1)
	written := make(chan error, 1)
	go func() {
		for cp := range queue {
			if err := job.Store.Save(ctx, cp.step, cp.params); err != nil {
				fail(err)
				written <- fmt.Errorf("checkpoint step %d: %w", cp.step, err)
				for range queue { // drop the rest; training stops on ctx
				}
				return
			}
		}
		written <- nil
	}()
	flush := func() error {
		close(queue)
		if m.noFlush {
			return nil
		}
		return <-written
	}

	params := append([]float64(nil), job.Init...)
	for step := 1; step <= job.Steps; step++ {
		var grads [][]float64
		err := context.Cause(ctx) // nil while ctx is not done
		if err != nil && m.quietBreak {
			break
		}
		if err == nil {
			grads, err = m.step(ctx, st, step, params)
		}
		if err == nil {
			next := Apply(params, grads, job.LR)
			if m.inPlace {
				copy(params, next)
			} else {
				params = next
			}
			if step%job.CheckpointEvery == 0 {
				if m.inlineSave {
					if err = job.Store.Save(ctx, step, params); err != nil {
						err = fmt.Errorf("checkpoint step %d: %w", step, err)
					}
				} else {
					select {
					case queue <- checkpoint{step, params}:
					case <-ctx.Done():
						err = context.Cause(ctx)
					}
				}
			}
		}
		if err != nil {
			fail(err)
			if werr := flush(); werr != nil && !m.noFlush {
				return nil, werr
			}
			return nil, err
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return params, nil
}

func (m stepFanOut) step(ctx context.Context, st *fanState, step int, params []float64) ([][]float64, error) {
	job, n := st.job, len(st.job.Workers)
	base := ctx
	if m.backgroundStep {
		base = context.Background()
	}
	sctx, end := context.WithTimeout(base, job.StepTimeout)
	defer end()
	answers := make(chan answer, 2*n) // every shard once, and once more after a failover
	var wg sync.WaitGroup
	defer wg.Wait()           // after end(): the step's calls return at once
	waiting := make([]int, n) // shard → the worker whose load it waits for, or -1
	launch := func(shard int) {
		w := st.owner[shard]
		waiting[shard] = -1
		if !st.loaded[w][shard] {
			waiting[shard] = w
			if st.loading[w][shard] {
				return
			}
			st.loading[w][shard] = true
			if m.loadedEarly {
				st.loaded[w][shard] = true
			}
			st.loaders.Add(1)
			go func() {
				defer st.loaders.Done()
				a := answer{worker: w, shard: shard, err: job.Workers[w].Load(ctx, shard)}
				select {
				case st.loads <- a:
				case <-ctx.Done():
				}
			}()
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := answer{worker: w, shard: shard}
			a.grad, a.err = job.Workers[w].Gradient(sctx, step, shard, params)
			answers <- a
		}()
	}
	for shard := range n {
		launch(shard)
	}
	grads := make([][]float64, n)
	answered := make([]bool, n)
	pending := n
	record := func(a answer) {
		if a.err == nil {
			grads[a.shard], answered[a.worker] = a.grad, true
		}
	}
	cutShort := func(err error) bool {
		return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
	}
	// failed moves a dead worker's shards and relaunches those waiting on it.
	failed := func(w int, cause error) error {
		st.dead[w] = true
		if err := m.reassign(st, w, answered); err != nil {
			return fmt.Errorf("step %d: %w (after %v)", step, err, cause)
		}
		for shard, on := range waiting {
			if on == w {
				launch(shard)
			}
		}
		return nil
	}
gather:
	for pending > 0 {
		select {
		case a := <-answers:
			pending--
			record(a)
			if a.err == nil || cutShort(a.err) {
				continue
			}
			if err := failed(a.worker, a.err); err != nil {
				return nil, err
			}
			launch(a.shard)
			pending++
		case a := <-st.loads:
			delete(st.loading[a.worker], a.shard)
			switch {
			case a.err == nil:
				st.loaded[a.worker][a.shard] = true
				if waiting[a.shard] == a.worker {
					launch(a.shard)
				}
			case cutShort(a.err): // the run is over
			default:
				if err := failed(a.worker, a.err); err != nil {
					return nil, err
				}
			}
		case <-sctx.Done():
			break gather
		}
	}
	end()
	wg.Wait()
	for len(answers) > 0 { // answers that raced with the end of the step
		pending--
		record(<-answers)
	}
	var out [][]float64
	for shard, g := range grads {
		if w := st.owner[shard]; !st.dead[w] && waiting[shard] < 0 {
			st.late[w] = g == nil
		}
		if g != nil {
			out = append(out, g)
		}
	}
	if len(out) < job.Quorum {
		if ctx.Err() != nil { // cut short by the run's end
			return nil, context.Cause(ctx)
		}
		return nil, fmt.Errorf("step %d: %d gradients, quorum %d", step, len(out), job.Quorum)
	}
	return out, nil
}

// reassign gives the dead worker's shards to live workers: on time last
// step first, then answered this step, then the lowest index.
func (m stepFanOut) reassign(st *fanState, dead int, answered []bool) error {
	for shard, w := range st.owner {
		if w != dead {
			continue
		}
		best := -1
		for c := range st.owner {
			if st.dead[c] {
				continue
			}
			if m.firstAlive {
				best = c
				break
			}
			if best < 0 || (st.late[best] && !st.late[c]) || (st.late[best] == st.late[c] && answered[c] && !answered[best]) {
				best = c
			}
		}
		if best < 0 {
			return fmt.Errorf("no live worker left for shard %d", shard)
		}
		st.owner[shard] = best
	}
	return nil
}

func TestStepFanOutIsCorrectWithoutItsBugs(t *testing.T) {
	suitetest.SolutionPasses(t, Suite(), stepFanOut{}.impl)
}

type mutant struct {
	name     string
	property string
	impl     Impl
	racy     bool // the bug is also a data race
}

func trainMutants(release <-chan struct{}) []mutant {
	return []mutant{
		{name: "crashed shard moved onto the straggler", property: "straggler-and-crash", impl: stepFanOut{firstAlive: true}.impl},
		{name: "step context from context.Background()", property: "cancellation", impl: stepFanOut{backgroundStep: true}.impl},
		{name: "shard marked loaded when its load starts", property: "slow-reassignment", impl: stepFanOut{loadedEarly: true}.impl},
		{name: "reassigned load queued ahead of the owner's own shard", property: "slow-reassignment", impl: queuedLoad},
		{name: "quiet break on a cancelled ctx", property: "cancelled-between-steps", impl: stepFanOut{quietBreak: true}.impl},
		{name: "parameters updated in place under a queued checkpoint", property: "checkpoints", impl: stepFanOut{inPlace: true}.impl, racy: true},
		{name: "checkpoints saved in the training loop", property: "checkpoint-overlap", impl: stepFanOut{inlineSave: true}.impl},
		{name: "returns before the last checkpoint is written", property: "checkpoints", impl: stepFanOut{noFlush: true}.impl},
		{name: "late sender stranded on an unbuffered channel", property: "straggler-timeout", impl: strandedStraggler(release)},
		{name: "crashed worker's shard dropped", property: "crash-tolerated", impl: quorumOnly},
		{name: "checkpoint errors looked at only at the end", property: "error-propagation", impl: lateCheckpointErrors},
	}
}

func TestMutantsAreCaught(t *testing.T) {
	release := make(chan struct{})
	defer close(release) // lets stranded goroutines go, for goleak
	for _, m := range trainMutants(release) {
		t.Run(m.name, func(t *testing.T) {
			if m.racy && raceEnabled {
				t.Skip("the bug is a data race: with -race (as check runs) the race detector reports it")
			}
			r := suitetest.CheckOne(t, Suite(), m.property, m.impl)
			assert.False(t, r.Pass, "%s should fail %s", m.name, m.property)
		})
	}
}
