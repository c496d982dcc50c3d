package checkpoint

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"time"
)

// Shapes seen on code nobody here wrote (bench/realcode): the correct ones
// stay silent, their near misses are reported.

type Predictor interface {
	Predict(x []float32) (float32, error)
}

// ScoreAll discards each error by choice in goroutines it waits for.
func ScoreAll(m Predictor, batch [][]float32) []float32 {
	out := make([]float32, len(batch))
	var wg sync.WaitGroup
	for i, x := range batch {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i], _ = m.Predict(x)
		}()
	}
	wg.Wait()
	return out
}

// ScoreAndForget discards the error in a goroutine nobody waits for.
func ScoreAndForget(m Predictor, x []float32, out *float32) {
	go func() {
		*out, _ = m.Predict(x) // want `error from m.Predict is assigned to _ in the goroutine`
	}()
}

// Lease keeps its loop's error for whoever asks.
type Lease struct {
	mu  sync.Mutex
	err error
}

func (l *Lease) keepAlive(ctx context.Context) (err error) { // want keepAlive:"recordsError"
	defer func() {
		l.mu.Lock()
		l.err = err
		l.mu.Unlock()
	}()
	return errors.New("lease lost")
}

func (l *Lease) keepAliveBare(ctx context.Context) error {
	return errors.New("lease lost")
}

// Start runs the loop that records its own error.
func (l *Lease) Start(ctx context.Context) {
	go l.keepAlive(ctx)
	go l.keepAliveBare(ctx) // want `error from l.keepAliveBare is dropped: go discards its results`
}

type registry struct{}

func (registry) unregister(name string) error { return nil }

// Unregister drops the error everywhere in the package, synchronous code
// included: the package has judged it not worth handling.
func Unregister(r registry, names []string) {
	r.unregister("all")
	for _, n := range names {
		go r.unregister(n)
	}
}

// CheckpointWriter uploads what was written when it is closed.
type CheckpointWriter struct{ path string }

func (w *CheckpointWriter) Write(p []byte) (int, error) { return len(p), nil }

func (w *CheckpointWriter) Close() error { return errors.New("upload failed") }

// SaveAsync writes a checkpoint in the background: the upload's error is
// Close's, and nobody sees it.
func SaveAsync(w *CheckpointWriter, data []byte) {
	go func() {
		if _, err := w.Write(data); err != nil {
			return
		}
		w.Close() // want `error from w.Close is dropped in the goroutine`
	}()
	go func() {
		defer w.Close() // want `error from w.Close is dropped in the goroutine`
		if _, err := w.Write(data); err != nil {
			return
		}
	}()
}

// ReadAsync closes what it only read, and a connection: nothing to report.
func ReadAsync(path string, c net.Conn, out chan<- []byte) {
	go func() {
		f, err := os.Open(path)
		if err != nil {
			return
		}
		defer f.Close()
		buf := make([]byte, 10)
		n, _ := f.Read(buf)
		out <- buf[:n]
		c.Close()
	}()
}

// Conn wraps a network connection.
type Conn struct{ c net.Conn }

func (c *Conn) SetDeadline(t time.Time) error { return c.c.SetDeadline(t) }

// Server serves on a listener.
type Server struct{}

func (s *Server) Serve(l net.Listener) error { return nil }

func (s *Server) Run(addr string) error { return nil }

// Background starts a server and closes a pipe it only reads: nothing to
// report; sets a deadline on a wrapped connection; drains a body.
func Background(s *Server, l net.Listener, c *Conn, body io.Reader, rw io.ReadWriteCloser) {
	go s.Serve(l)
	go s.Run(":0") // want `error from s.Run is dropped: go discards its results`
	go func() {
		c.SetDeadline(time.Now())
		io.Copy(io.Discard, body)
		io.Copy(os.Stderr, body) // want `error from io.Copy is dropped in the goroutine`
	}()
	r, _, _ := os.Pipe()
	go func() {
		var buf strings.Builder
		if _, err := io.Copy(&buf, r); err != nil {
			return
		}
		r.Close()
		rw.Close()
	}()
}

// Stream copies a body into a pipe; the pipe writer's Close is always nil.
func Stream(body io.Reader) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		defer pw.Close()
		if _, err := io.Copy(pw, body); err != nil {
			pw.CloseWithError(err)
		}
	}()
	return pr
}
