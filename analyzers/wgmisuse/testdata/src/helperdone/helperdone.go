package helperdone

import (
	"errors"
	"log"
	"sync"
)

func load(string) error { return errors.New("missing") }

// finish marks one loader done and logs it.
func finish(wg *sync.WaitGroup, name string) {
	wg.Done()
	log.Println("loaded", name)
}

// release defers the Done: it runs on every path.
func release(wg *sync.WaitGroup, name string) error {
	defer wg.Done()
	return load(name)
}

func LoadAll(names []string) {
	var wg sync.WaitGroup
	for _, name := range names {
		wg.Add(1)
		go func() {
			if err := load(name); err != nil {
				return
			}
			finish(&wg, name) // want `finish\(&wg, name\), which calls wg.Done, is not deferred and the return at line 29 skips it: wg.Wait then blocks forever`
		}()
	}
	wg.Wait()
}

// ---- silent ----

// The helper is called on every path.
func LoadAllLogged(names []string) {
	var wg sync.WaitGroup
	for _, name := range names {
		wg.Add(1)
		go func() {
			if err := load(name); err != nil {
				log.Println(err)
			}
			finish(&wg, name)
		}()
	}
	wg.Wait()
}

// The helper defers Done itself, and the goroutine returns through it.
func LoadAllReleased(names []string) {
	var wg sync.WaitGroup
	for _, name := range names {
		wg.Add(1)
		go func() {
			_ = release(&wg, name)
		}()
	}
	wg.Wait()
}

// maybeFinish calls Done only sometimes: not a Done to count on.
func maybeFinish(wg *sync.WaitGroup, ok bool) {
	if !ok {
		return
	}
	wg.Done()
}

func Partial(names []string) {
	var wg sync.WaitGroup
	for _, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := load(name); err != nil {
				return
			}
			maybeFinish(nil, true)
		}()
	}
	wg.Wait()
}
