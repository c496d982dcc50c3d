// Fans out over models and returns on the first error, stranding the rest.
// Expect: chanleak
package c

type result struct {
	score float64
	err   error
}

type Model interface {
	Score(x string) (float64, error)
}

func ScoreAll(models []Model, x string) ([]float64, error) {
	ch := make(chan result)
	for _, m := range models {
		go func() {
			s, err := m.Score(x)
			ch <- result{s, err} // BUG
		}()
	}
	var scores []float64
	for range models {
		r := <-ch
		if r.err != nil {
			return nil, r.err
		}
		scores = append(scores, r.score)
	}
	return scores, nil
}
