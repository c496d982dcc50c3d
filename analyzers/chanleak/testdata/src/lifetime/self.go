package lifetime

import (
	"context"
	"errors"
	"time"
)

// --- The starter drops the owner itself; the goroutine waits in the
// package's functions it calls, on a context derived from the owner's
// (Grpc862's shape).

// ModelClient holds connections to a model's replicas; Close ends them.
type ModelClient struct {
	ctx    context.Context
	cancel context.CancelFunc
	conns  []*replicaConn
}

func (mc *ModelClient) Close() {
	mc.cancel()
	conns := mc.conns
	mc.conns = nil
	for _, rc := range conns {
		rc.tearDown()
	}
}

type replicaConn struct {
	mc     *ModelClient
	ctx    context.Context
	cancel context.CancelFunc
}

func (mc *ModelClient) connectReplica() {
	rc := &replicaConn{mc: mc}
	mc.conns = append(mc.conns, rc)
	rc.ctx, rc.cancel = context.WithCancel(mc.ctx)
	rc.resetTransport()
}

func (rc *replicaConn) resetTransport() {
	for retries := 1; ; retries++ {
		_ = 2 * time.Millisecond * time.Duration(retries)
		_, cancel := context.WithTimeout(rc.ctx, 10*time.Millisecond)
		_ = time.Now()
		cancel()
		<-rc.ctx.Done()
		return
	}
}

func (rc *replicaConn) tearDown() { rc.cancel() }

func DialModel(ctx context.Context) (client *ModelClient) {
	mc := &ModelClient{}
	mc.ctx, mc.cancel = context.WithCancel(context.Background())
	defer func() {
		select {
		case <-ctx.Done():
			if client != nil {
				client.Close()
			}
			client = nil
		default:
		}
	}()
	go func() {
		mc.connectReplica() // want `the goroutine started at line \d+ blocks forever in mc.connectReplica \(<-rc.ctx.Done\(\) at line \d+\): DialModel drops mc without calling Close, which cancels the context it waits on`
	}()
	return client
}

// A constructor that returns nil by mistake: the refresher waits on the
// store's own context, in a method it calls.

type FeatureStore struct {
	ctx    context.Context
	cancel context.CancelFunc
	rows   map[string][]float32
}

func (fs *FeatureStore) Close() error {
	fs.cancel()
	return nil
}

func (fs *FeatureStore) refreshLoop() {
	fs.rows = map[string][]float32{}
	fs.waitStop()
}

func (fs *FeatureStore) waitStop() {
	select {
	case <-fs.ctx.Done(): // one case: a plain receive
	}
}

func NewFeatureStore() (*FeatureStore, error) {
	fs := &FeatureStore{}
	fs.ctx, fs.cancel = context.WithCancel(context.Background())
	go func() {
		fs.refreshLoop() // want `the goroutine started at line \d+ blocks forever in fs.refreshLoop \(<-fs.ctx.Done\(\) at line \d+\): NewFeatureStore drops fs without calling Close, which cancels the context it waits on`
	}()
	return nil, nil
}

// A warmer that closes the owner when warm-up fails, and forgets to return
// it when warm-up succeeds.

type Warmer struct {
	ctx    context.Context
	cancel context.CancelFunc
}

func (w *Warmer) Stop() { w.cancel() }

func (w *Warmer) hold() {
	<-w.ctx.Done() // want `goroutine w.hold blocks forever on <-w.ctx.Done\(\): StartWarmer drops w at line \d+ without calling Stop, which cancels the context it waits on`
}

func (w *Warmer) warm() error { return nil }

func StartWarmer() (*Warmer, error) {
	w := &Warmer{}
	w.ctx, w.cancel = context.WithCancel(context.Background())
	go w.hold()
	if err := w.warm(); err != nil {
		w.Stop()
		return nil, err
	}
	return nil, nil
}

// --- Near misses: each is silent, and reported when its guard is removed.

// The owner is returned.
type retClient struct {
	ctx    context.Context
	cancel context.CancelFunc
}

func (c *retClient) Close() { c.cancel() }
func (c *retClient) run()   { c.wait() }
func (c *retClient) wait()  { <-c.ctx.Done() }
func dialRet() *retClient {
	c := &retClient{}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	go func() { c.run() }()
	return c
}

// Returned through a named result that is assigned.
type namedClient struct {
	ctx    context.Context
	cancel context.CancelFunc
}

func (c *namedClient) Close() { c.cancel() }
func (c *namedClient) run()   { <-c.ctx.Done() }
func dialNamed() (conn *namedClient) {
	c := &namedClient{}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	go func() { c.run() }()
	conn = c
	return conn
}

// Stored in a package variable.
type globalClient struct {
	ctx    context.Context
	cancel context.CancelFunc
}

var defaultClient *globalClient

func (c *globalClient) Close() { c.cancel() }
func (c *globalClient) run()   { <-c.ctx.Done() }
func initGlobal() {
	c := &globalClient{}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	go func() { c.run() }()
	defaultClient = c
}

// Stored in a field of a parameter.
type regClient struct {
	ctx    context.Context
	cancel context.CancelFunc
}

type clientRegistry struct{ client *regClient }

func (c *regClient) Close() { c.cancel() }
func (c *regClient) run()   { <-c.ctx.Done() }
func registerClient(r *clientRegistry) {
	c := &regClient{}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	go func() { c.run() }()
	r.client = c
}

// The callee also waits on a channel that is sent on elsewhere.
type kickClient struct {
	ctx    context.Context
	cancel context.CancelFunc
	kick   chan struct{}
}

func (c *kickClient) Close() { c.cancel() }
func (c *kickClient) run() {
	select {
	case <-c.ctx.Done():
	case <-c.kick:
	}
}
func (c *kickClient) Kick() { c.kick <- struct{}{} }
func dialKick() {
	c := &kickClient{kick: make(chan struct{})}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	go func() { c.run() }()
}

// The callee waits on a timer too.
type timerClient struct {
	ctx    context.Context
	cancel context.CancelFunc
}

func (c *timerClient) Close() { c.cancel() }
func (c *timerClient) run() {
	select {
	case <-c.ctx.Done():
	case <-time.After(time.Second):
	}
}
func dialTimer() {
	c := &timerClient{}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	go func() { c.run() }()
}

// The parent is the caller's context: it ends when the caller's does.
type parentClient struct {
	ctx    context.Context
	cancel context.CancelFunc
}

func (c *parentClient) Close() { c.cancel() }
func (c *parentClient) run()   { <-c.ctx.Done() }
func dialParent(ctx context.Context) {
	c := &parentClient{}
	c.ctx, c.cancel = context.WithCancel(ctx)
	go func() { c.run() }()
}

// Closed on the error path, returned otherwise.
type warmClient struct {
	ctx    context.Context
	cancel context.CancelFunc
}

var errCold = errors.New("cold")

func (c *warmClient) Close()      { c.cancel() }
func (c *warmClient) run()        { <-c.ctx.Done() }
func (c *warmClient) warm() error { return errCold }
func dialWarm() (*warmClient, error) {
	c := &warmClient{}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	go func() { c.run() }()
	if err := c.warm(); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// The child's cancel is reached by an exported method of the child too:
// whoever holds the child may end the wait.
type poolClient struct {
	ctx    context.Context
	cancel context.CancelFunc
	conns  []*poolConn
}

type poolConn struct {
	ctx    context.Context
	cancel context.CancelFunc
}

func (c *poolClient) Close() {
	c.cancel()
	for _, pc := range c.conns {
		pc.Reset()
	}
}
func (pc *poolConn) Reset() { pc.cancel() }
func (c *poolClient) connect() {
	pc := &poolConn{}
	c.conns = append(c.conns, pc)
	pc.ctx, pc.cancel = context.WithCancel(c.ctx)
	<-pc.ctx.Done()
}
func dialPool() {
	c := &poolClient{}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	go func() { c.connect() }()
}

// The goroutine hands the owner on before it waits.
type handClient struct {
	ctx    context.Context
	cancel context.CancelFunc
}

var handed = make(chan *handClient, 1)

func (c *handClient) Close() { c.cancel() }
func (c *handClient) run() {
	handed <- c
	<-c.ctx.Done()
}
func dialHand() {
	c := &handClient{}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	go func() { c.run() }()
}

// The goroutine stores the owner in a struct its starter was given.
type sharedClient struct {
	ctx    context.Context
	cancel context.CancelFunc
}

type clientSlot struct{ c *sharedClient }

func (c *sharedClient) Close() { c.cancel() }
func (c *sharedClient) run()   { <-c.ctx.Done() }
func dialShared(slot *clientSlot) {
	c := &sharedClient{}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	go func() {
		slot.c = c
		c.run()
	}()
}

// An embedding client with a connection per shard: Close on the error
// path, and the client forgotten on the success path.
type EmbedClient struct {
	ctx    context.Context
	cancel context.CancelFunc
	shards []*shardConn
}

type shardConn struct {
	ctx    context.Context
	cancel context.CancelFunc
}

func (ec *EmbedClient) Close() {
	ec.cancel()
	for _, sc := range ec.shards {
		sc.stop()
	}
}

func (sc *shardConn) stop() { sc.cancel() }

func (ec *EmbedClient) serveShard() {
	sc := &shardConn{}
	ec.shards = append(ec.shards, sc)
	sc.ctx, sc.cancel = context.WithCancel(ec.ctx)
	sc.await() // want `goroutine ec.serveShard blocks forever in sc.await \(<-sc.ctx.Done\(\) at line \d+\): NewEmbedClient drops ec at line \d+ without calling Close, which cancels the context it waits on`
}

func (sc *shardConn) await() { <-sc.ctx.Done() }

func (ec *EmbedClient) ping() error { return nil }

func NewEmbedClient() (*EmbedClient, error) {
	ec := &EmbedClient{}
	ec.ctx, ec.cancel = context.WithCancel(context.Background())
	go ec.serveShard()
	if err := ec.ping(); err != nil {
		ec.Close()
		return nil, err
	}
	return nil, errors.New("not ready")
}
