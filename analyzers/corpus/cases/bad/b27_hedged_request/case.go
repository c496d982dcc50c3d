// Sends a hedged request to two replicas and takes the first answer; the slower sender blocks forever.
// Expect: chanleak
package c

func ask(replica string, prompt string) string { return replica + prompt }

func Hedged(replicas [2]string, prompt string) string {
	ch := make(chan string)
	for _, r := range replicas {
		go func() { ch <- ask(r, prompt) }() // BUG
	}
	return <-ch
}
