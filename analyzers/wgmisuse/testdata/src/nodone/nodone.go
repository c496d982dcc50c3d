// Package nodone has WaitGroups that are added to and waited on, and
// whose Done nobody calls.
package nodone

import "sync"

func embed(text string) []float32 { return make([]float32, len(text)) }

// EmbedAll counts its goroutines but none of them says it is done.
func EmbedAll(texts []string) [][]float32 {
	out := make([][]float32, len(texts))
	var wg sync.WaitGroup
	wg.Add(len(texts)) // want `wg.Add is never matched by a Done: nothing in the package calls Done on it or hands it on, so wg.Wait \(line 19\) blocks forever once Add has run`
	for i, t := range texts {
		go func() {
			out[i] = embed(t)
		}()
	}
	wg.Wait()
	return out
}

// server tracks requests in flight so that Drain can wait for them; the
// handler forgets to report the end of each.
type server struct {
	inflight sync.WaitGroup
}

func (s *server) handle(text string) []float32 {
	s.inflight.Add(1) // want `s.inflight.Add is never matched by a Done`
	return embed(text)
}

func (s *server) Drain() { s.inflight.Wait() }

// Counted calls Done in every goroutine.
func Counted(texts []string) [][]float32 {
	out := make([][]float32, len(texts))
	var wg sync.WaitGroup
	wg.Add(len(texts))
	for i, t := range texts {
		go func() {
			defer wg.Done()
			out[i] = embed(t)
		}()
	}
	wg.Wait()
	return out
}

func finish(wg *sync.WaitGroup) { wg.Done() }

// Handed gives the WaitGroup to a helper, which may call Done.
func Handed(texts []string) {
	var wg sync.WaitGroup
	for _, t := range texts {
		wg.Add(1)
		go func() {
			embed(t)
			finish(&wg)
		}()
	}
	wg.Wait()
}

// Pool's WaitGroup is exported: another package may call Done.
type Pool struct {
	Workers sync.WaitGroup
}

func (p *Pool) Start() { p.Workers.Add(1) }
func (p *Pool) Stop()  { p.Workers.Wait() }

// batch embeds a WaitGroup; its promoted methods are not followed.
type batch struct {
	sync.WaitGroup
}

func (b *batch) run(texts []string) {
	for _, t := range texts {
		b.Add(1)
		go func() {
			defer b.Done()
			embed(t)
		}()
	}
	b.Wait()
}

// Counter only adds: without a Wait nothing blocks.
type counter struct{ started sync.WaitGroup }

func (c *counter) start() { c.started.Add(1) }
