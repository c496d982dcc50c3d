// Package ctxprop defines an Analyzer that reports calls which drop the
// context their caller passed in.
//
// # Analyzer ctxprop
//
// ctxprop: report calls that do not pass on the context in scope
//
// Cancellation only works if every call down the chain receives the
// caller's ctx. One context.Background() in the middle of an inference
// request, one http.NewRequest to the model server, and a client that gave
// up after 200ms still holds a GPU slot, a connection and a goroutine for
// the whole 30s the model takes. ctxprop reports, where a ctx is in scope:
//
//   - background-in-ctx-func: context.Background() or context.TODO() in a
//     function that has a ctx (or an *http.Request, whose Context() is the
//     one to use). Not reported in main, init and tests, as the parent of
//     signal.NotifyContext, or after <-ctx.Done() (or a select that falls
//     through only on it, its other cases returning), where cleanup needs
//     a fresh context.
//   - request-without-ctx: http.NewRequest, http.Get/Head/Post/PostForm and
//     their Client methods, net.Dial, (*net.Dialer).Dial, and the
//     database/sql methods that have a ...Context twin.
//   - errgroup-parent-ctx: after g, gctx := errgroup.WithContext(ctx), a
//     goroutine of g uses ctx instead of gctx, so the first error does not
//     cancel its siblings. errgroup-ctx-discarded: the same with gctx
//     written as _.
//
// "A ctx in scope" is a context.Context parameter or local of the function,
// or of any function around a closure, declared before the call. Locals set
// to context.Background() or context.TODO() do not count.
//
// WRONG: the model call outlives the request that wanted it.
//
//	func (s *Server) predict(ctx context.Context, in []byte) (*http.Response, error) {
//		req, err := http.NewRequest("POST", s.modelURL, bytes.NewReader(in))
//		if err != nil {
//			return nil, err
//		}
//		return s.client.Do(req)
//	}
//
//	g, gctx := errgroup.WithContext(ctx)
//	for _, shard := range shards {
//		g.Go(func() error { return fetchFeatures(ctx, shard) })
//	}
//
// RIGHT: the request, and every goroutine of the group, carry the context.
//
//	req, err := http.NewRequestWithContext(ctx, "POST", s.modelURL, bytes.NewReader(in))
//
//	g, gctx := errgroup.WithContext(ctx)
//	for _, shard := range shards {
//		g.Go(func() error { return fetchFeatures(gctx, shard) })
//	}
package ctxprop
