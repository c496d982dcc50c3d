// Package doublelock defines an Analyzer that reports a mutex locked again by
// the goroutine that already holds it, directly or through a call.
//
// # Analyzer doublelock
//
// doublelock: report a mutex locked again while the same goroutine holds it
//
// sync.Mutex and sync.RWMutex are not reentrant. Locking a mutex the
// goroutine already holds blocks for ever: the goroutine waits for itself.
// It rarely looks like mu.Lock(); mu.Lock(). It looks like a method that
// takes c.mu and calls c.notify(), which takes c.mu too; a loop that
// continues without the Unlock at its end; a read lock taken twice. In ML
// training code it is the checkpoint manager whose Save holds the lock and
// calls Prune, which locks again: the first checkpoint hangs the run, an
// hour in.
//
// The lock state is followed along the control-flow graph, and every call
// through the callee's summary (an analysis fact: which locks of its
// receiver, parameters and package-level variables it takes), so a call
// chain of any depth and across packages is seen. A lock is the same when
// it is the same storage (c.mu and c.mu, not a.mu and b.mu); an assignment
// to the variable (c = c.next, the next iteration of a range loop) makes
// it another lock.
//
//   - double-lock: Lock while the goroutine holds the lock, read or write;
//     RLock while it holds the write lock; Lock while it holds a read lock
//     (an upgrade, which RWMutex does not have). Reported when a path
//     reaches the second Lock with the lock held, so a loop that continues
//     past its Unlock is caught; through a call, when every path holds it
//     (a callee may lock on a flag that says whether its caller does).
//   - recursive-rlock: RLock while the goroutine already holds a read lock
//     of the same RWMutex. It works until a writer calls Lock between the
//     two: the writer waits for the first read lock, the second RLock waits
//     for the writer (an RWR deadlock).
//   - callback-relock: a function stored in a field of an owner (a hook,
//     a checkpointer, an eviction callback) that takes one of the owner's
//     locks, when a function of the package calls the field (or a local
//     copy of it: if f := c.onEvict; f != nil { f(name) }; or each hook of
//     a slice: for _, h := range c.hooks { h() }) with that
//     lock of the same owner held. The stored function is followed from
//     the field through a setter's parameter to its callers' arguments, a
//     local given a literal once, a method value of the owner, or a struct
//     literal of callbacks assigned to the owner's field; it is
//     the same owner when the callback is registered on o and locks o's
//     mutex, and the call o.hook() holds o's mutex. Reported where the
//     callback is registered: the model cache that calls onEvict under
//     c.mu, given c.recordEviction, which locks c.mu, hangs on its first
//     eviction. Not reported: a callback that locks another value, takes
//     the lock in a goroutine of its own, or releases the caller's lock
//     first; a call of the field made after the Unlock, or after starting
//     a goroutine that releases the lock.
//   - double-unlock: an explicit Unlock (or RUnlock) of a lock whose
//     unlock is already deferred, when a return follows with the lock
//     still released: the deferred unlock runs on an unlocked mutex, a
//     fatal error that recover does not catch (the early-return branch
//     that unlocks "to be safe"). Not reported: a lock taken again before
//     the return (released around a slow call), a defer that releases a
//     lock the caller took.
//   - once-reentered: x.once.Do(f) when f calls x.once.Do again, directly
//     or through methods of x (a lazy config whose loader reads a key
//     through the lazy getter): the inner Do waits for the outer one, the
//     goroutine deadlocks.
//   - literal-relock: a function literal handed, with a lock held, to a
//     function that calls it before returning (a visitor of the package
//     whose body calls that parameter, sync.Once.Do, sync.Map.Range,
//     sort.Slice and the like), when the literal takes that lock again,
//     directly or through a call: c.walk(func(k string) { c.Delete(k) })
//     under c.mu; or to a visitor that holds the lock itself where it
//     calls it (r.Each(fn) locking r.mu around fn(m)). Not reported: a
//     literal the function stores or runs in a goroutine, one that locks
//     another value, a visit made after the Unlock.
//
// Not reported: a lock released before the second Lock on every path; two
// instances of one type; locks taken with TryLock; a lock a goroutine made
// here releases (the second Lock waits for it, on purpose); test code,
// which stages deadlocks on purpose.
//
// WRONG:
//
//	func (m *Manager) Save(ck Checkpoint) error {
//		m.mu.Lock()
//		defer m.mu.Unlock()
//		m.saved = append(m.saved, ck)
//		m.prune() // prune takes m.mu too: Save never returns
//		return nil
//	}
//
//	func (m *Manager) prune() {
//		m.mu.Lock()
//		defer m.mu.Unlock()
//		...
//	}
//
// RIGHT:
//
//	func (m *Manager) Save(ck Checkpoint) error {
//		m.mu.Lock()
//		defer m.mu.Unlock()
//		m.saved = append(m.saved, ck)
//		m.pruneLocked() // expects m.mu held, does not lock
//		return nil
//	}
package doublelock
