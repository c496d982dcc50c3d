package simworld

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// loadMaxReplyBody bounds how much of a response body a client keeps.
const loadMaxReplyBody = 1 << 20

// LoadSpec describes a bounded load on an HTTP endpoint: Clients concurrent
// clients send Requests POST requests in total to URL, each client sending
// its next request when the previous one was answered, then stop.
type LoadSpec struct {
	URL      string
	Clients  int
	Requests int
	// Body returns request i's JSON body, for 0 <= i < Requests.
	Body func(i int) []byte
	// Client sends the requests. Nil means a client of RunLoad's own, with
	// a connection per client kept alive, closed when RunLoad returns.
	Client *http.Client
}

// LoadReply is what one request got.
type LoadReply struct {
	Status  int // 0 when no response came (see Err)
	Body    []byte
	Latency time.Duration
	Err     error // the transport error when no response came
}

// LoadReport is the outcome of a load.
type LoadReport struct {
	Replies    []LoadReply // indexed by request
	Elapsed    time.Duration
	Throughput float64       // responses per second over Elapsed
	P50, P99   time.Duration // latency percentiles over the responses
	Statuses   map[int]int   // responses per status code
	NoResponse int           // requests that got no response
}

// Count returns how many responses had the given status.
func (r LoadReport) Count(status int) int { return r.Statuses[status] }

// RunLoad sends the load described by spec and returns what every request
// got. Its client goroutines all end before it returns. If ctx ends first,
// the requests in flight are cancelled, no new ones are sent, and RunLoad
// returns the partial report with ctx's error.
func RunLoad(ctx context.Context, spec LoadSpec) (LoadReport, error) {
	if spec.Clients <= 0 || spec.Requests < 0 || spec.URL == "" || spec.Body == nil {
		return LoadReport{}, fmt.Errorf("run load: need a URL, a Body and positive Clients, got %q, %d clients", spec.URL, spec.Clients)
	}
	client := spec.Client
	if client == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.Proxy = nil
		tr.MaxIdleConns = spec.Clients
		tr.MaxIdleConnsPerHost = spec.Clients
		defer tr.CloseIdleConnections()
		client = &http.Client{Transport: tr}
	}

	replies := make([]LoadReply, spec.Requests)
	var next atomic.Int64 // the next request to send, shared by the clients
	var wg sync.WaitGroup
	start := time.Now()
	for range min(spec.Clients, spec.Requests) {
		wg.Add(1)
		go func() { // a client: owned by RunLoad, ends when the requests run out or ctx ends
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= spec.Requests {
					return
				}
				replies[i] = PostJSON(ctx, client, spec.URL, spec.Body(i))
			}
		}()
	}
	wg.Wait()
	rep := LoadReport{Replies: replies, Elapsed: time.Since(start), Statuses: map[int]int{}}

	var lat []time.Duration
	for _, r := range replies {
		if r.Status == 0 {
			rep.NoResponse++
			continue
		}
		rep.Statuses[r.Status]++
		lat = append(lat, r.Latency)
	}
	slices.Sort(lat)
	rep.P50, rep.P99 = loadPercentile(lat, 50), loadPercentile(lat, 99)
	if rep.Elapsed > 0 {
		rep.Throughput = float64(len(lat)) / rep.Elapsed.Seconds()
	}
	if err := ctx.Err(); err != nil {
		return rep, fmt.Errorf("run load on %s: %w", spec.URL, err)
	}
	return rep, nil
}

// PostJSON sends one POST request with a JSON body and reads the whole
// response. It never returns an error: a failure is in the reply's Err.
func PostJSON(ctx context.Context, client *http.Client, url string, body []byte) LoadReply {
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return LoadReply{Err: fmt.Errorf("build request: %w", err)}
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return LoadReply{Err: fmt.Errorf("post %s: %w", url, err), Latency: time.Since(start)}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, loadMaxReplyBody))
	reply := LoadReply{Status: resp.StatusCode, Body: b, Latency: time.Since(start)}
	if err != nil && !errors.Is(err, io.EOF) {
		reply.Err = fmt.Errorf("read response of %s: %w", url, err)
	}
	return reply
}

// loadPercentile returns the p-th percentile of sorted by nearest rank, or 0
// when sorted is empty.
func loadPercentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 * n)
	return sorted[max(rank, 1)-1]
}
