// Package lockorder defines an Analyzer that reports two (or more) locks
// taken in opposite orders in one package: a lock-order cycle.
//
// # Analyzer lockorder
//
// lockorder: report locks taken in opposite orders (A then B, and B then A)
//
// When one goroutine holds A and waits for B while another holds B and waits
// for A, neither moves again (an AB-BA deadlock). It needs no bad luck beyond
// the two goroutines running at once, so it shows up under load, in
// production, as a service that stops answering. In ML serving it is the
// batcher that holds its queue lock and calls into the model pool, while the
// pool, evicting a model, holds its own lock and calls back into the batcher.
//
// lock-order-cycle: every acquisition of a lock B while a lock A is held on
// every path to it gives an edge A → B of the package's lock graph,
// directly or through calls (each function's locking is summarised as a
// fact, across packages). A cycle in that graph is reported at one of its
// acquisitions, with each acquisition of the cycle as related information.
// Locks are identified by class, not by text: the type that holds the field
// and the field's name (Store.mu, Replica.raftMu, whatever the variable is
// called), or the package-level variable.
//
// Not reported: two instances of one class (a parent and a child of one
// type: that needs an order the types cannot show); a cycle of read locks
// only; a lock that is only maybe held (taken on some paths).
//
// WRONG:
//
//	func (b *Batcher) Flush() {
//		b.mu.Lock()
//		defer b.mu.Unlock()
//		b.pool.Release(b.model) // takes pool.mu while holding b.mu
//	}
//
//	func (p *Pool) Evict(m *Model) {
//		p.mu.Lock()
//		defer p.mu.Unlock()
//		m.batcher.Drop(m) // takes b.mu while holding pool.mu: AB-BA
//	}
//
// RIGHT: take the locks in one order everywhere, or release one before
// taking the other:
//
//	func (p *Pool) Evict(m *Model) {
//		p.mu.Lock()
//		delete(p.models, m.name)
//		p.mu.Unlock()
//		m.batcher.Drop(m)
//	}
package lockorder
