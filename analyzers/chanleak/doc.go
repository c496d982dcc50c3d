// Package chanleak defines an Analyzer that reports goroutines left blocked
// forever on a channel made in the same function.
//
// # Analyzer chanleak
//
// chanleak: report goroutines that block forever on a channel
//
// A goroutine blocked on a channel that nobody will ever receive from, or
// ranging over a channel that nobody will ever close, never exits: it keeps
// its stack and everything it references (a model's input batch, a response
// body, a tokenizer's buffers). In a model server each timed-out request
// leaks one more goroutine until the process runs out of memory; in a
// training job an abandoned data loader keeps reading shards after the loop
// stopped. The analyzer looks at one function at a time: a channel made
// there with make, the goroutine literals it starts, and the code that
// receives.
//
// It reports:
//
//   - stranded-sender: a goroutine sends on an unbuffered channel but the
//     receiver may stop waiting first (a timeout or ctx.Done case of a
//     select, a return before the receive, only one of several results
//     received); the goroutine's send then blocks forever. Fix: buffer the
//     channel (capacity 1, or the number of senders).
//   - first-error-return: goroutines started in a loop each send one result,
//     and the loop receiving them returns on the first error (or bad value)
//     before receiving the rest; an exit guarded by a count (received ==
//     len(items)) is not one. Fix: buffer the channel with len(items).
//   - range-never-closed: a range over a channel that no code closes (and
//     whose body has no way out) never ends.
//   - producer-blocked: a producer goroutine sends in a loop and the consumer
//     loop stops early (break, return, a fixed number of steps) without
//     draining the channel or letting the producer give up.
//   - named-goroutine-stranded: a goroutine started on a declared function
//     or method (go produce(ch), go w.run()) blocks on the channel the
//     spawner made, per the callee's summary (package summary), and a path
//     of the spawner's control-flow graph returns without the other half;
//     or, sending more than one value (started in a loop, or sending in a
//     loop), the spawner returns before its range has seen the channel
//     closed (a worker pool whose consumer returns on the first error), or
//     leaves the loop that receives a counted number of values other than
//     through its condition (a return on an error, a bad value or
//     ctx.Done(); an exit guarded by a count or by the channel being
//     closed, or followed by a drain, is fine);
//     or, started in a loop, each sends once and the spawner receives once;
//     or it sends on every round of its loop and the spawner receives one
//     value and no more. The channel may be made in an unexported field
//     of the spawner's receiver that no other function of the package
//     reads (t.results = make(chan error); go t.worker()).
//     A goroutine literal that receives from (or ranges over) a channel the
//     spawner frees after starting it on some paths only (close(stop)
//     skipped by an early return) is judged the same way.
//   - feeder-stranded: the spawner sends jobs on an unbuffered channel it
//     made, with no way out, to goroutines it started that range over it
//     and can each leave the range before it is closed (a return or break
//     on an error): once they all have, nobody receives and the send
//     blocks forever. Workers that keep ranging (continue), a feeder that
//     selects on ctx.Done(), or a buffer are fine.
//   - returned-channel-dropped: a call drops the channel a function returns
//     while a goroutine that function started sends on it (unbuffered, no
//     way out): nobody can receive, the goroutine blocks forever.
//   - returned-channel-stranded: the caller keeps such a channel but, on a
//     path of its graph, returns while the goroutine still sends: without a
//     receive for a goroutine that sends once (a timeout, an early return),
//     before seeing the channel closed for one that sends in a loop (a
//     break or return out of ranging over a generator, a single receive).
//   - returned-channel-unclosed: a function returns a channel it hands only
//     to goroutines it starts (literals, or declared functions given it:
//     go t.visit(ch)), a caller in the package ranges over it until
//     it is closed, and the goroutines never close it (sources merged with
//     no closer) or the one goroutine holding it closes it only on its
//     happy path (a pipeline stage returning on an error without close):
//     the caller's range never ends.
//   - never-signalled: a receive from (or range over) a channel the
//     function made and handed only to a goroutine started on a declared
//     function (go watcher(updates, done)) that never sends on it, closes
//     it or passes it on: nobody ever will, the receive blocks forever.
//   - sometimes-signalled: the same, but the goroutine does send on or
//     close the channel, only not on every path (an early return on error
//     skips the close, a result sent only on failure): the receive blocks
//     forever when it returns that way.
//   - field-never-served: a send on an unexported channel field that
//     nothing in the package receives from, or a receive from one that
//     nothing sends on or closes, while the package makes the channel and
//     never hands it elsewhere. An exported accessor (Updates() <-chan T)
//     hands it to other packages, which may do what its type allows.
//     A goroutine that calls such a function directly (in a go func
//     literal, or in a function the package starts with go, as
//     go w.process()) is reported at that call too: that goroutine is the
//     one that leaks.
//   - receiver-may-stop: a send with no way out on an unbuffered,
//     unexported channel field whose only receivers are select cases in
//     loops that can stop on another case (case <-n.stop: return, case
//     <-ctx.Done(): return): once the loop has returned, nothing receives
//     and the send blocks forever. Fix: select on the stop signal in the
//     sender too. Only an unconditional send is reported (one under if
//     c.running may be guarded by state that says the loop runs), only a
//     return ends the loop (code after a break may receive again), and a
//     send that is what stops the loop (the loop returns in the body of
//     its own case) is not reported.
//   - cancel-owner-dropped: a function derives a context with
//     context.WithCancel, keeps the cancel function only in a field of an
//     owner (its receiver, or a struct it makes and returns) and starts a
//     goroutine whose every path waits on <-ctx.Done(); a caller drops the
//     owner (does not return, store or hand it on) on a path that calls
//     nothing reaching the cancel (Close, Stop, Rollback, through the
//     package's calls), and the parent context never ends
//     (context.Background, TODO). Reported at the goroutine's receive,
//     where it blocks, naming the caller and the methods that would
//     release it. The function that makes the owner may drop it itself
//     (Grpc862): it keeps the cancel of a context derived from
//     context.Background in the owner, starts a goroutine given the
//     owner, and on some path from there returns without returning,
//     storing or handing on the owner (a named result never assigned it,
//     a nil returned by mistake) or calling a method that reaches the
//     cancel. That goroutine may wait in the package's functions it calls
//     (go func() { cc.resetAddrConn() }()), on the owner's context or on
//     a child's context derived from it (ac.ctx, ac.cancel =
//     context.WithCancel(cc.ctx)) whose cancel only the owner's releasing
//     methods reach (Close -> ac.tearDown -> ac.cancel()): reported at
//     the goroutine's call (or receive), naming the receive it blocks on.
//     Limits of that shape: the owner's context field is set once in the
//     package, each child's only by such a derivation; a child's cancel
//     reached from an exported method other than the owner's, or from a
//     function used as a value, silences it; before its wait the
//     goroutine and what it calls may only read, allocate, store into
//     the owner's, a child's or a local struct's fields, call other
//     packages' functions given no owner, and call the cancel of a
//     context they derived (a send, a go or defer statement, an interface
//     call, a recursive call or a loop that can return without waiting
//     silence it); a wait in a select with another case never counts.
//   - buffer-overfilled: a channel just made (a local, or a field of a
//     struct made with it) receives more sends than its buffer holds
//     before anything could receive: on every path from the make, before
//     any receive, any goroutine or call given the channel, and any escape
//     of it. Sends done by the package's functions it is passed to count
//     up to the first such thing in them. Nobody else holds the channel,
//     so the send blocks forever.
//   - nil-channel: a send on, receive from or range over a local channel
//     variable that is nil on a path reaching it: declared without make
//     (var done chan error) and made on some branches only, or never. A
//     nil channel blocks forever. Only branches that meet straight before
//     the operation count (a receive guarded by the condition that made
//     the channel, or by done != nil, is fine), a branch that exits
//     (log.Fatal, a function that never returns) does not, and a select
//     is never judged: there a nil channel turns a case off on purpose.
//     main blocking forever on a nil channel is on purpose too. A
//     variable captured by a closure is followed through its stores when
//     only the function assigns it. A limit: a nil path that meets a loop's
//     condition before the operation is not followed.
//
// The channel must be made in the function and must not escape (passed to a
// function, stored, returned): then both ends are visible. A goroutine
// literal may pass it to a function of the package (go func() { defer
// close(ch); produce(ctx, ch) }()) when that function only sends on it,
// receives, closes it or passes it on to such functions: its summary
// (package summary) says what the call does, and a send or range there is
// reported at the call, with the callee's line. Sends that are cases of a
// select with another case (ctx.Done, a done channel, default) are never
// reported, nor are tasks started with errgroup.
//
// An owner whose Close cancels the context its goroutine waits on is the
// usual shape of a stream, a batcher or an inference session in serving
// code; a handler that takes one and forgets Close on one path leaks a
// goroutine (and whatever the session holds: KV cache, GPU buffers) per
// request.
//
// WRONG: the stream is dropped; its watcher waits for a cancel that only
// Close calls.
//
//	func newTokenStream() *TokenStream {
//		ctx, cancel := context.WithCancel(context.Background())
//		s := &TokenStream{ctx: ctx, cancel: cancel}
//		go s.watch() // <-s.ctx.Done()
//		return s
//	}
//
//	func Generate() string { return newTokenStream().Next() }
//
// RIGHT: the caller owns the stream and closes it.
//
//	s := newTokenStream()
//	defer s.Close()
//	return s.Next()
//
// A prefetch queue primed with warm-up batches before its worker starts
// fills its buffer with nobody to drain it: the training step that primes
// it never returns.
//
// WRONG: the queue holds one batch; Start sends a second before starting
// the worker that receives.
//
//	p := &Prefetcher{queue: make(chan Batch, 1)}
//	p.queue <- warmup
//	p.Start(ctx) // p.queue <- first; go p.work()
//
// RIGHT: start the receiver first, or size the buffer for every send made
// before it.
//
//	p := &Prefetcher{queue: make(chan Batch, 2)}
//
// WRONG: the model goroutine is stranded when the timeout wins.
//
//	result := make(chan prediction)
//	go func() { result <- model.Predict(ctx, input) }()
//	select {
//	case p := <-result:
//		return p, nil
//	case <-time.After(timeout):
//		return prediction{}, errTimeout
//	}
//
// RIGHT: the buffer lets the goroutine finish its send and exit.
//
//	result := make(chan prediction, 1)
//	go func() { result <- model.Predict(ctx, input) }()
//	select {
//	case p := <-result:
//		return p, nil
//	case <-time.After(timeout):
//		return prediction{}, errTimeout
//	}
package chanleak
