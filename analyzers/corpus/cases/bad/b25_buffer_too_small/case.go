// A result channel of capacity 1 for many senders, with an early return.
// Expect: chanleak
package c

type out struct {
	v   float32
	err error
}

func run(x float32) (float32, error) { return x, nil }

func RunAll(xs []float32) ([]float32, error) {
	ch := make(chan out, 1)
	for _, x := range xs {
		go func() {
			v, err := run(x)
			ch <- out{v, err} // BUG
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
