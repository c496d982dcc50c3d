// Package poll holds polling loops: a short poll that checks ctx every round
// stays silent; a long one, or one that never checks ctx, is reported.
package poll

import (
	"context"
	"time"
)

// waitReady polls every 10ms and looks at ctx every round: a cancelled
// caller waits at most one poll.
func waitReady(ctx context.Context, ready func() bool) error {
	for !ready() {
		if err := ctx.Err(); err != nil {
			return err
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil
}

// waitDone checks ctx.Done() without blocking each round.
func waitDone(ctx context.Context, ready func() bool) error {
	for !ready() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil
}

// waitSlowPoll checks ctx every round, but each round sleeps two seconds.
func waitSlowPoll(ctx context.Context, ready func() bool) error {
	for !ready() {
		if err := ctx.Err(); err != nil {
			return err
		}
		time.Sleep(2 * time.Second) // want `time\.Sleep ignores ctx: a cancelled request still waits 2s`
	}
	return nil
}

// waitNoCheck polls briefly but never looks at ctx: cancelling does not end it.
func waitNoCheck(ctx context.Context, ready func() bool) {
	for !ready() {
		time.Sleep(10 * time.Millisecond) // want `time\.Sleep ignores ctx: a cancelled request still waits 10ms`
	}
}

// waitVariable sleeps for a duration nobody knows in advance.
func waitVariable(ctx context.Context, ready func() bool, every time.Duration) error {
	for !ready() {
		if err := ctx.Err(); err != nil {
			return err
		}
		time.Sleep(every) // want `time\.Sleep ignores ctx: a cancelled request still waits every`
	}
	return nil
}

// checkOutsideLoop looks at ctx once, before a short sleep outside any loop.
func checkOutsideLoop(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	time.Sleep(10 * time.Millisecond) // want `time\.Sleep ignores ctx`
	return nil
}
