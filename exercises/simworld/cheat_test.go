package simworld

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Code under test is given a model but never its recorder: it cannot reach
// the levers a property pulls (holds, hooks, injected failures) to undo
// what the property arranged, e.g. release a hold that proves in-flight
// requests are cancelled.
func TestCheatModelControlNeedsTheRecorder(t *testing.T) {
	rec := NewRecorder()
	m := NewModel(rec, ModelConfig{Name: "clf", Latency: time.Millisecond, Limit: 2})
	release := make(chan struct{})
	m.Control(rec).HoldUntil(release)

	// What a cheating Solve would try: a recorder of its own.
	assert.Panics(t, func() { m.Control(NewRecorder()).HoldUntil(closedChan()) })
	assert.Panics(t, func() { m.Control(nil) })

	// The property's hold still stands.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := m.Predict(ctx, Input{ID: "a"})
	require.ErrorIs(t, err, context.DeadlineExceeded, "the request is still held")
	close(release)
}

func closedChan() <-chan struct{} {
	ch := make(chan struct{})
	close(ch)
	return ch
}
