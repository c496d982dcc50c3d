// Receives every result before returning the first error.
package c

type result struct {
	score float64
	err   error
}

type Model interface {
	Score(x string) (float64, error)
}

func ScoreAll(models [3]Model, x string) ([]float64, error) {
	ch := make(chan result)
	for _, m := range models {
		go func() {
			s, err := m.Score(x)
			ch <- result{s, err}
		}()
	}
	var scores []float64
	var first error
	for range models {
		r := <-ch
		if r.err != nil && first == nil {
			first = r.err
			continue
		}
		scores = append(scores, r.score)
	}
	return scores, first
}
