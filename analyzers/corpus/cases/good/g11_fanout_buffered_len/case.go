// Fan-out with a result channel buffered for every sender, so an early return strands nobody.
package c

type result struct {
	score float64
	err   error
}

type Model interface {
	Score(x string) (float64, error)
}

func ScoreAll(models [3]Model, x string) ([]float64, error) {
	ch := make(chan result, len(models))
	for _, m := range models {
		go func() {
			s, err := m.Score(x)
			ch <- result{s, err}
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
