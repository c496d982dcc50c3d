package serving

import "runtime"

// hog keeps a core busy on purpose while a test measures under load.
func hog(stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		default:
			runtime.Gosched()
		}
	}
}
