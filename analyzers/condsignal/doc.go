// Package condsignal defines an Analyzer that reports sync.Cond waits that
// no signal will end.
//
// # Analyzer condsignal
//
// condsignal: report sync.Cond waits that no Signal or Broadcast will end
//
// A sync.Cond lets goroutines sleep until some state changes: a model
// finishes loading, a batch fills up, a checkpoint is written, a slot in a
// bounded queue frees up. Whoever changes the state must wake them with
// Signal or Broadcast, on every path; and a waiter must check the state
// again in a loop when it wakes. Get either side wrong and the inference
// requests waiting for the model, or the trainers waiting for the
// checkpoint, sleep forever, with nothing in the logs. The analyzer follows
// each function's control-flow graph and reports:
//
//   - signal-skipped: a return of a function that signals the Cond on its
//     other paths (its normal end among them), reached by a path without
//     the Signal or Broadcast after it changed what the waiters wait for
//     (it assigns a field they check in the loop around their Wait), or
//     after it failed with the Cond's lock taken (it returns an error from
//     a call): the error path of a loader.
//     A Signal or Broadcast in a defer, or in a helper of the package that
//     always calls it, counts on every path.
//   - never-signalled: Wait on a Cond that nothing in the package signals
//     or broadcasts, and that no other code can reach: it blocks forever.
//   - signal-wakes-one: Signal right after a change that releases every
//     waiter (q.closed = true, a barrier's generation++) when no waiter
//     takes that change back after its loop (as one that pops an item
//     does) nor wakes the next one: Signal wakes one goroutine, the
//     others sleep on; use Broadcast.
//   - wait-outside-loop: Wait that is not on a loop (a for, a range, a
//     goto back) of its function's control-flow graph, outside tests. When
//     it returns, nothing checks the condition again; a Signal sent before
//     the Wait is lost, and the goroutine sleeps until the next one, maybe
//     forever.
//
// WRONG: a failed load returns without waking the request handlers that
// wait for the model, and they wait forever.
//
//	func (m *Model) load(path string) error {
//		m.mu.Lock()
//		defer m.mu.Unlock()
//		w, err := readWeights(path)
//		if err != nil {
//			m.err = err
//			return err
//		}
//		m.weights, m.ready = w, true
//		m.cond.Broadcast()
//		return nil
//	}
//
//	func (m *Model) wait() error {
//		m.mu.Lock()
//		defer m.mu.Unlock()
//		for !m.ready {
//			m.cond.Wait()
//		}
//		return m.err
//	}
//
// RIGHT: wake the waiters on every path, and let them see the failure.
//
//	func (m *Model) load(path string) error {
//		m.mu.Lock()
//		defer m.mu.Unlock()
//		defer m.cond.Broadcast()
//		w, err := readWeights(path)
//		if err != nil {
//			m.err = err
//			return err
//		}
//		m.weights, m.ready = w, true
//		return nil
//	}
//
//	func (m *Model) wait() error {
//		m.mu.Lock()
//		defer m.mu.Unlock()
//		for !m.ready && m.err == nil {
//			m.cond.Wait()
//		}
//		return m.err
//	}
package condsignal
