// Package featurestore fetches model features for inference requests: every
// fetch must carry the caller's ctx.
package featurestore

import (
	"context"
	"net/http"
	"time"
)

type Features map[string]float32

type Store interface {
	Get(ctx context.Context, key string) (Features, error)
	Put(ctx context.Context, key string, f Features) error
}

// Fetch drops ctx: a cancelled request still waits for the store.
func Fetch(ctx context.Context, s Store, key string) (Features, error) {
	return s.Get(context.Background(), key) // want `context\.Background\(\) drops ctx: cancellation and deadline of the caller do not reach this call; pass ctx`
}

// FetchTODO left a TODO behind.
func FetchTODO(ctx context.Context, s Store, key string) (Features, error) {
	return s.Get(context.TODO(), key) // want `context\.TODO\(\) drops ctx`
}

// FetchWithTimeout derives its deadline from Background instead of ctx.
func FetchWithTimeout(ctx context.Context, s Store, key string) (Features, error) {
	tctx, cancel := context.WithTimeout(context.Background(), time.Second) // want `context\.Background\(\) drops ctx`
	defer cancel()
	return s.Get(tctx, key)
}

// FetchDerived uses the innermost ctx: the derived one.
func FetchDerived(parent context.Context, s Store, key string) (Features, error) {
	ctx, cancel := context.WithTimeout(parent, time.Second)
	defer cancel()
	return s.Get(context.Background(), key) // want `context\.Background\(\) drops ctx`
}

// Warm caches features in a goroutine that captures ctx.
func Warm(ctx context.Context, s Store, keys []string) {
	for _, k := range keys {
		go func() {
			f, err := s.Get(ctx, k)
			if err == nil {
				_ = s.Put(context.Background(), k, f) // want `or context\.WithoutCancel\(ctx\) if it must outlive the caller`
			}
		}()
	}
}

// Handler has no ctx variable, but its request carries one.
func Handler(s Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, _ = s.Get(context.Background(), r.URL.Query().Get("key")) // want `context\.Background\(\) drops r\.Context\(\)`
	}
}

type Server struct{ store Store }

// Lookup is a method with a ctx.
func (srv *Server) Lookup(ctx context.Context, key string) (Features, error) {
	return srv.store.Get(context.TODO(), key) // want `context\.TODO\(\) drops ctx`
}

// ---- silent: correct versions and near misses ----

// FetchOK passes ctx.
func FetchOK(ctx context.Context, s Store, key string) (Features, error) {
	return s.Get(ctx, key)
}

// Audit deliberately detaches from the request, keeping its values.
func Audit(ctx context.Context, s Store, key string, f Features) {
	go func() { _ = s.Put(context.WithoutCancel(ctx), key, f) }()
}

// Preload has no ctx in scope: it is a root.
func Preload(s Store, keys []string) {
	for _, k := range keys {
		_, _ = s.Get(context.Background(), k)
	}
}

// RootLocal's only ctx is a Background root itself.
func RootLocal(s Store) {
	ctx := context.Background()
	_, _ = s.Get(ctx, "a")
	_, _ = s.Get(context.Background(), "b")
}

// Blank cannot use its unnamed context.
func Blank(_ context.Context, s Store) {
	_, _ = s.Get(context.Background(), "k")
}

// Defaulted replaces a nil ctx: the defensive idiom.
func Defaulted(ctx context.Context, s Store) {
	if ctx == nil {
		ctx = context.Background()
	}
	_, _ = s.Get(ctx, "k")
}

// Before creates its own ctx before any other exists.
func Before(s Store) {
	c := context.Background()
	ctx, cancel := context.WithTimeout(c, time.Second)
	defer cancel()
	_, _ = s.Get(ctx, "k")
}

// Flush writes what is buffered once ctx is done: it needs a fresh ctx.
func Flush(ctx context.Context, s Store, buf Features) {
	<-ctx.Done()
	fctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = s.Put(fctx, "buffer", buf)
}

// Run flushes once ctx is done: the select falls through only then, and
// every other case returns.
func Run(ctx context.Context, s Store, errc <-chan error, buf Features) error {
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	fctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	return s.Put(fctx, "buffer", buf)
}

// RunEarly flushes also when errc delivers nil: ctx may still be live there.
func RunEarly(ctx context.Context, s Store, errc <-chan error, buf Features) error {
	select {
	case err := <-errc:
		if err != nil {
			return err
		}
	case <-ctx.Done():
	}
	return s.Put(context.Background(), "buffer", buf) // want `context.Background\(\) drops ctx`
}

// Serve saves state in the ctx.Done() case.
func Serve(ctx context.Context, s Store, updates <-chan Features) {
	var last Features
	for {
		select {
		case f := <-updates:
			last = f
		case <-ctx.Done():
			_ = s.Put(context.Background(), "last", last)
			return
		}
	}
}

var background = context.Background()

func init() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_ = ctx
}

// IsRoot compares with Background: no context is passed.
func IsRoot(ctx context.Context) bool { return ctx == context.Background() }

// Retry initialises a declared ctx from Background.
func Retry(s Store, timeout bool) error {
	var ctx context.Context
	var cancel context.CancelFunc
	if timeout {
		ctx, cancel = context.WithTimeout(context.Background(), time.Second)
	} else {
		ctx, cancel = context.WithCancel(context.Background())
	}
	defer cancel()
	_, err := s.Get(ctx, "k")
	return err
}

// valuesOnly is a detached context that keeps the values of a request.
type valuesOnly struct {
	context.Context
	values context.Context
}

func (v valuesOnly) Value(key any) any { return v.values.Value(key) }

// Detach wraps Background by hand in a context type.
func Detach(ctx context.Context) context.Context {
	return valuesOnly{Context: context.Background(), values: ctx}
}

// Tagged carries only values of a root: not a caller's ctx.
func Tagged(s Store) {
	base := context.WithValue(context.Background(), tagKey{}, "warmup")
	_, _ = s.Get(base, "a")
	_, _ = s.Get(context.Background(), "b")
}

type tagKey struct{}
