// Package smallbuffer: a constant buffer for one goroutine per input element.
package smallbuffer

type out struct {
	v   float32
	err error
}

func run(x float32) (float32, error) { return x, nil }

// ScoreAll buffers one value for as many senders as inputs, then returns on
// the first error: every sender past the first two blocks forever.
func ScoreAll(xs []float32) ([]float32, error) {
	ch := make(chan out, 1)
	for _, x := range xs {
		go func() {
			v, err := run(x)
			ch <- out{v, err} // want `goroutines started in a loop send on channel ch \(buffer 1\), but the receive loop returns at line 25 before receiving from all of them`
		}()
	}
	res := make([]float32, 0, len(xs))
	for range xs {
		o := <-ch
		if o.err != nil {
			return nil, o.err
		}
		res = append(res, o.v)
	}
	return res, nil
}

// ScoreAllBuffered gives every sender a slot: silent.
func ScoreAllBuffered(xs []float32) ([]float32, error) {
	ch := make(chan out, len(xs))
	for _, x := range xs {
		go func() {
			v, err := run(x)
			ch <- out{v, err}
		}()
	}
	res := make([]float32, 0, len(xs))
	for range xs {
		o := <-ch
		if o.err != nil {
			return nil, o.err
		}
		res = append(res, o.v)
	}
	return res, nil
}

// ScoreThree has a constant buffer for a fixed fan-out of three: silent.
func ScoreThree(xs [3]float32) ([]float32, error) {
	ch := make(chan out, 3)
	for _, x := range xs {
		go func() {
			v, err := run(x)
			ch <- out{v, err}
		}()
	}
	var res []float32
	for range xs {
		o := <-ch
		if o.err != nil {
			return nil, o.err
		}
		res = append(res, o.v)
	}
	return res, nil
}

// DrainAll receives every value before returning: silent.
func DrainAll(xs []float32) ([]float32, error) {
	ch := make(chan out, 1)
	for _, x := range xs {
		go func() {
			v, err := run(x)
			ch <- out{v, err}
		}()
	}
	var res []float32
	var first error
	for range xs {
		o := <-ch
		if o.err != nil && first == nil {
			first = o.err
		}
		res = append(res, o.v)
	}
	return res, first
}
