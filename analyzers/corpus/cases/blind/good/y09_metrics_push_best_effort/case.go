// Pushes metrics best-effort everywhere in the package, in the training loop and in the background alike.
package c

type Pusher struct{ url string }

func (p *Pusher) Push(step int) error { return nil }

func TrainStep(p *Pusher, step int) {
	p.Push(step)
}

func Shutdown(p *Pusher, step int, done chan struct{}) {
	go func() {
		p.Push(step)
		close(done)
	}()
}
