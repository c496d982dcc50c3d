package user

import "chans"

// Facts cross packages: a wrapper of chans.Stream-like helpers.
func forward(c chan int) { // want forward:"summary\\(close c\\)"
	chans.Exported(c)
}
