package returned

import (
	"errors"
	"sync"
)

type row struct{ id int }

func fetch(src string) ([]row, error) {
	if src == "" {
		return nil, errors.New("no source")
	}
	return []row{{1}}, nil
}

// merge streams every source into one channel but never closes it.
func merge(srcs []string) <-chan row {
	out := make(chan row, 16) // want `the channel merge returns is never closed: the goroutines it starts only send on it, so load's range over it \(line 35\) never ends`
	for _, s := range srcs {
		go func() {
			rows, err := fetch(s)
			if err != nil {
				return
			}
			for _, r := range rows {
				out <- r
			}
		}()
	}
	return out
}

func load(srcs []string, write func(row) error) error {
	for r := range merge(srcs) {
		if err := write(r); err != nil {
			return err
		}
	}
	return nil
}

// mergeClosed closes the channel once every source is done.
func mergeClosed(srcs []string) <-chan row {
	out := make(chan row, 16)
	var wg sync.WaitGroup
	for _, s := range srcs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rows, _ := fetch(s)
			for _, r := range rows {
				out <- r
			}
		}()
	}
	go func() {
		wg.Wait()
		close(out)
	}()
	return out
}

func loadClosed(srcs []string, write func(row) error) error {
	for r := range mergeClosed(srcs) {
		if err := write(r); err != nil {
			return err
		}
	}
	return nil
}

// stage closes out only at the end of its happy path.
func stage[T, R any](in <-chan T, f func(T) (R, error)) <-chan R {
	out := make(chan R)
	go func() {
		for v := range in {
			r, err := f(v)
			if err != nil {
				return // want `this return leaves the channel stage returns open: double's range over it \(line 91\) never ends when the goroutine leaves this way`
			}
			out <- r
		}
		close(out)
	}()
	return out
}

func double(in <-chan int) []int {
	var got []int
	for v := range stage(in, func(x int) (int, error) { return 2 * x, nil }) {
		got = append(got, v)
	}
	return got
}

// stageDeferred closes out on every return.
func stageDeferred(in <-chan int, f func(int) (int, error)) <-chan int {
	out := make(chan int)
	go func() {
		defer close(out)
		for v := range in {
			r, err := f(v)
			if err != nil {
				return
			}
			out <- r
		}
	}()
	return out
}

func triple(in <-chan int) []int {
	var got []int
	for v := range stageDeferred(in, func(x int) (int, error) { return 3 * x, nil }) {
		got = append(got, v)
	}
	return got
}

// mergeCounted is never closed, but its one caller counts what it reads.
func mergeCounted(srcs []string) <-chan row {
	out := make(chan row, len(srcs))
	for _, s := range srcs {
		go func() {
			rows, _ := fetch(s)
			out <- rows[0]
		}()
	}
	return out
}

func firstRows(srcs []string) []row {
	var got []row
	for r := range mergeCounted(srcs) {
		got = append(got, r)
		if len(got) == len(srcs) {
			break
		}
	}
	return got
}
