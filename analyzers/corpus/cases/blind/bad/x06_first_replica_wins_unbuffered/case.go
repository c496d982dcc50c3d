// Asks every replica and keeps the first answer; the slower replicas block forever on the send.
// Expect: chanleak
package c

import "context"

type Replica interface {
	Generate(ctx context.Context, prompt string) string
}

func Fastest(ctx context.Context, replicas []Replica, prompt string) string {
	answers := make(chan string)
	for _, r := range replicas {
		go func() {
			answers <- r.Generate(ctx, prompt) // BUG
		}()
	}
	return <-answers
}
