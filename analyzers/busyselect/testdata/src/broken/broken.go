// Package broken has type errors; the analyzer must not panic on it.
package broken

func Broken() {
	for undefinedCond() {
		select {
		case x := <-undefinedCh:
			_ = x
		default:
		}
	}
	for {
		select {
		case y := <-missingCh:
			use(y)
		default: // want `loop spins on a select with an empty default`
		}
	}
}
