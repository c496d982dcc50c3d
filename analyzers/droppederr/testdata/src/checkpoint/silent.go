package checkpoint

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
)

// SaveChecked handles the error inside the goroutine.
func SaveChecked(ctx context.Context, path string) {
	go func() {
		if err := uploadCheckpoint(ctx, path); err != nil {
			log.Printf("upload checkpoint %s: %v", path, err)
		}
	}()
}

// SaveReported sends the error to whoever waits for it.
func SaveReported(ctx context.Context, path string) <-chan error {
	errs := make(chan error, 1)
	go func() {
		errs <- uploadCheckpoint(ctx, path)
	}()
	return errs
}

// SaveLogged passes the error to a call.
func SaveLogged(ctx context.Context, path string) {
	go func() {
		log.Println("upload:", uploadCheckpoint(ctx, path))
	}()
}

// SaveGroup returns the errors from errgroup functions.
func SaveGroup(ctx context.Context, paths []string) error {
	g, ctx := errgroup.WithContext(ctx)
	for _, p := range paths {
		g.Go(func() error {
			return uploadCheckpoint(ctx, p)
		})
	}
	return g.Wait()
}

// SaveInto records the error in a variable the caller reads after waiting.
func SaveInto(ctx context.Context, path string, done chan<- struct{}, err *error) {
	go func() {
		defer close(done)
		*err = uploadCheckpoint(ctx, path)
	}()
}

// Report writes a summary through calls whose error does not matter.
func Report(step int, loss float64, body *http.Response, weights []byte) {
	go func() {
		fmt.Println("step", step, "loss", loss)
		fmt.Fprintf(os.Stderr, "step %d\n", step)
		var buf bytes.Buffer
		buf.WriteString("loss=")
		fmt.Fprintf(&buf, "%.3f", loss)
		var sb strings.Builder
		sb.WriteString(buf.String())
		h := sha256.New()
		h.Write(weights)
		bw := bufio.NewWriter(os.Stdout)
		bw.WriteString(sb.String())
		if err := bw.Flush(); err != nil {
			log.Print(err)
		}
		nonce := make([]byte, 8)
		rand.Read(nonce)
		os.Stdout.Write(h.Sum(nil))
		body.Body.Close()
	}()
}

// Stream pipes a checkpoint to an exporter connection in the background.
func Stream(conn net.Conn, data []byte, deadline time.Time) {
	pr, pw := io.Pipe()
	go func() {
		conn.SetWriteDeadline(deadline)
		if _, err := pw.Write(data); err != nil {
			pw.CloseWithError(err)
			return
		}
		pw.Close()
	}()
	go func() {
		defer conn.Close()
		if _, err := io.Copy(conn, pr); err != nil {
			log.Printf("stream checkpoint: %v", err)
		}
	}()
	go conn.Close()
}

// Probe builds a request from constants: it cannot fail at run time.
func Probe(ctx context.Context, client *http.Client) {
	go func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1:8080/healthz", nil)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
}

// Cleanup defers the close: out of scope.
func Cleanup(path string) {
	go func() {
		f, err := os.Open(path)
		if err != nil {
			log.Print(err)
			return
		}
		defer f.Close()
	}()
}

func warm(ctx context.Context) {}

func retry(f func() error) {
	for i := 0; i < 3; i++ {
		if f() == nil {
			return
		}
	}
}

// Background starts functions that return no error, and a callback whose
// error the retry helper consumes.
func Background(ctx context.Context, path string) {
	go warm(ctx)
	go func() {
		retry(func() error {
			return uploadCheckpoint(ctx, path)
		})
	}()
}

// NotAGoroutine drops the error in ordinary code: not this analyzer's job.
func NotAGoroutine(ctx context.Context, path string) {
	uploadCheckpoint(ctx, path)
}
