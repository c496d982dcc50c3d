// Reads inference messages forever and spawns a goroutine for each.
// Expect: unboundedgo
package c

type Msg struct{ Body []byte }

func infer(m Msg) {}

func Consume(queue chan Msg, stop chan struct{}) {
	for {
		select {
		case m := <-queue:
			go infer(m) // BUG
		case <-stop:
			return
		}
	}
}
