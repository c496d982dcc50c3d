// Returns on ctx.Done while the embedding goroutine still has to send.
// Expect: chanleak
package c

import "context"

func embed(text string) []float32 { return nil }

func Embed(ctx context.Context, text string) ([]float32, error) {
	res := make(chan []float32)
	go func() { res <- embed(text) }() // BUG
	select {
	case v := <-res:
		return v, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
