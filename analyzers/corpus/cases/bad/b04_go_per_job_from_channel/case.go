// Starts a goroutine per job pulled from the queue.
// Expect: unboundedgo
package c

type Job struct{ ID int }

func process(j Job) {}

func Dispatch(jobs <-chan Job) {
	for j := range jobs {
		go process(j) // BUG
	}
}
