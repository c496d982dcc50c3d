// Hedges a request over a primary and an optional backup endpoint, a list of at most two.
package c

import "context"

func call(ctx context.Context, endpoint, prompt string) string { return endpoint + prompt }

func Hedged(ctx context.Context, primary, backup, prompt string) string {
	endpoints := []string{primary}
	if backup != "" {
		endpoints = append(endpoints, backup)
	}
	answers := make(chan string, len(endpoints))
	for _, e := range endpoints {
		go func() { answers <- call(ctx, e, prompt) }()
	}
	return <-answers
}
