package signal

import "errors"

func apply(u int) error {
	if u < 0 {
		return errors.New("negative update")
	}
	return nil
}

// follow closes done once every update applied; a failed one returns first.
func follow(updates <-chan int, done chan<- struct{}) {
	for u := range updates {
		if err := apply(u); err != nil {
			return
		}
	}
	close(done)
}

func Follow(updates chan int) {
	done := make(chan struct{})
	go follow(updates, done)
	close(updates)
	<-done // want `receive from done blocks forever when the goroutine follow started at line 24 returns at line 16 without closing it, as it does on its other paths \(line 19\)`
}

// check reports only failures.
func check(x int, errc chan<- error) {
	if err := apply(x); err != nil {
		errc <- err
	}
}

func Check(x int) error {
	errc := make(chan error)
	go check(x, errc)
	return <-errc // want `receive from errc blocks forever when the goroutine check started at line 38 returns at line 34 without sending on it`
}

// ---- silent ----

// followDeferred closes done on every path.
func followDeferred(updates <-chan int, done chan<- struct{}) {
	defer close(done)
	for u := range updates {
		if err := apply(u); err != nil {
			return
		}
	}
}

func FollowDeferred(updates chan int) {
	done := make(chan struct{})
	go followDeferred(updates, done)
	close(updates)
	<-done
}

// checkAll sends a result, nil or not, on every path.
func checkAll(x int, errc chan<- error) {
	if err := apply(x); err != nil {
		errc <- err
		return
	}
	errc <- nil
}

func CheckAll(x int) error {
	errc := make(chan error)
	go checkAll(x, errc)
	return <-errc
}

// CheckOrCancel waits in a select, which stop ends: not a receive that
// blocks forever (the buffer lets check's send complete).
func CheckOrCancel(x int, stop <-chan struct{}) error {
	errc := make(chan error, 1)
	go check(x, errc)
	select {
	case err := <-errc:
		return err
	case <-stop:
		return nil
	}
}
