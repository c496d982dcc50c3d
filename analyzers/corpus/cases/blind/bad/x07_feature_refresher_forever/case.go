// Refreshes the feature cache forever, although the caller passes a ctx that says when to stop.
// Expect: ctxcancel
package c

import (
	"context"
	"time"
)

type FeatureCache struct{ version int }

func (f *FeatureCache) refresh() { f.version++ }

func StartServing(ctx context.Context, f *FeatureCache) {
	go func() { // BUG
		for {
			f.refresh()
			time.Sleep(30 * time.Second)
		}
	}()
}
