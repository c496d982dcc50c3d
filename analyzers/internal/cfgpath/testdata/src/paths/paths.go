package paths

import (
	"log"
	"os"
	"sync"
	"sync/atomic"
)

func facts() {}
func exits() {}

type server struct {
	wg   *sync.WaitGroup
	on   bool
	hits atomic.Int32
}

var ready atomic.Bool

func guards(s *server, wg *sync.WaitGroup, n int) {
	if wg != nil { // want `then: wg non-nil; else: wg nil`
		facts() // want `holds: wg non-nil`
	}
	facts()                   // want `holds: -`
	if s.wg == nil || !s.on { // want `then: -; else: s.on non-zero, s.wg non-nil`
		return
	}
	facts() // want `holds: s.on non-zero, s.wg non-nil`
	s.on = false
	facts() // want `holds: s.wg non-nil`
	s = &server{}
	facts()                     // want `holds: -`
	if n == 0 && ready.Load() { // want `then: n zero, ready non-zero; else: -`
		facts() // want `holds: n zero, ready non-zero`
		n++
		facts() // want `holds: ready non-zero`
	}
	if s.hits.Load() > 0 { // want `then: s.hits non-zero; else: -`
	}
	if nil != wg && s.on == true { // want `then: s.on non-zero, wg non-nil; else: -`
	}
	if n != 1 { // want `then: -; else: n non-zero`
	}
}

func loop(items []int) {
	var wg *sync.WaitGroup
	for _, it := range items {
		if wg == nil { // want `then: wg nil; else: wg non-nil`
			wg = new(sync.WaitGroup)
		}
		facts() // want `holds: -`
		_ = it
	}
}

func fatal(err error) { // want `fatal never returns`
	log.Fatalf("boom: %v", err)
}

func quit() { // want `quit never returns`
	os.Exit(1)
}

func viaHelper(err error) { // want `viaHelper never returns`
	if err != nil { // want `then: err non-nil; else: err nil`
		fatal(err)
	}
	quit()
}

func paths(err error, work func()) { // want `paths never returns`
	exits() // want `leaves: false`
	for {
		exits() // want `leaves: false`
		work()
	}
}

func fatalInLoop(err error) { // want `fatalInLoop never returns`
	for {
		exits()         // want `leaves: true`
		if err != nil { // want `then: err non-nil; else: err nil`
			fatal(err)
			exits() // want `unreachable`
		}
	}
}

func panics(err error) { // want `panics never returns`
	for {
		if err != nil { // want `then: err non-nil; else: err nil`
			exits() // want `leaves: true`
			panic(err)
		}
		select {}
	}
}
