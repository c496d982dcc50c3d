// A fixed pool of workers reads jobs from a channel the producer closes.
package c

import "sync"

type Job struct{ ID int }

func Run(jobs []Job, workers int, do func(Job) int) []int {
	in := make(chan Job)
	out := make(chan int, len(jobs))
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range in {
				out <- do(j)
			}
		}()
	}
	for _, j := range jobs {
		in <- j
	}
	close(in)
	wg.Wait()
	close(out)
	var res []int
	for r := range out {
		res = append(res, r)
	}
	return res
}
