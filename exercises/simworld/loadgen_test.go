package simworld

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// meter counts the requests a test server is handling and the most at once.
type meter struct {
	mu            sync.Mutex
	now, max, all int
	reached       chan struct{} // closed once `want` requests are in at once
	want          int
}

func newMeter(want int) *meter { return &meter{reached: make(chan struct{}), want: want} }

func (m *meter) enter() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.now++
	m.all++
	m.max = max(m.max, m.now)
	if m.now == m.want {
		select {
		case <-m.reached:
		default:
			close(m.reached)
		}
	}
}

func (m *meter) exit() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.now--
}

func (m *meter) counts() (max, all int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.max, m.all
}

func TestRunLoadSendsEveryRequestFromExactlyCClients(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	const clients, requests = 4, 40
	m := newMeter(clients)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.enter()
		defer m.exit()
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		// The first requests wait until all clients are in at once (with a
		// safety bound), which shows the load really is concurrent.
		timer := time.NewTimer(5 * time.Second)
		defer timer.Stop()
		select {
		case <-m.reached:
		case <-timer.C:
		}
		if i, _ := strconv.Atoi(string(body)); i%10 == 0 {
			w.WriteHeader(http.StatusTooManyRequests)
		}
		_, _ = w.Write(body)
	}))
	defer ts.Close()

	rep, err := RunLoad(context.Background(), LoadSpec{
		URL: ts.URL, Clients: clients, Requests: requests,
		Body: func(i int) []byte { return []byte(strconv.Itoa(i)) },
	})
	require.NoError(t, err)
	most, all := m.counts()
	assert.Equal(t, clients, most, "exactly C requests at once")
	assert.Equal(t, requests, all)
	require.Len(t, rep.Replies, requests)
	for i, r := range rep.Replies {
		assert.Equal(t, strconv.Itoa(i), string(r.Body), "reply %d holds its own response", i)
		assert.NoError(t, r.Err)
		assert.Positive(t, r.Latency)
	}
	assert.Equal(t, map[int]int{http.StatusOK: 36, http.StatusTooManyRequests: 4}, rep.Statuses)
	assert.Equal(t, 4, rep.Count(http.StatusTooManyRequests))
	assert.Zero(t, rep.NoResponse)
	assert.Positive(t, rep.Throughput)
	assert.Positive(t, rep.P50)
	assert.LessOrEqual(t, rep.P50, rep.P99)
}

func TestRunLoadStopsWhenCancelled(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	const clients, requests = 3, 30
	m := newMeter(clients)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.enter()
		defer m.exit()
		_, _ = io.ReadAll(r.Body) // read to the end, so a client leaving cancels r.Context()
		<-r.Context().Done()
	}))
	defer ts.Close()

	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		select {
		case <-m.reached: // every client has a request in flight
		case <-time.After(10 * time.Second): // safety: the assertions below then fail
		}
		cancel()
	}()
	rep, err := RunLoad(ctx, LoadSpec{
		URL: ts.URL, Clients: clients, Requests: requests,
		Body: func(i int) []byte { return []byte(strconv.Itoa(i)) },
	})
	assert.ErrorIs(t, err, context.Canceled)
	_, all := m.counts()
	assert.Equal(t, clients, all, "no request is sent after the cancel")
	assert.Equal(t, requests, rep.NoResponse)
	require.Len(t, rep.Replies, requests)
	for _, r := range rep.Replies[:clients] {
		assert.ErrorIs(t, r.Err, context.Canceled)
	}
}

func TestRunLoadUsesTheGivenClient(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(w, r.Body)
	}))
	defer ts.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	rep, err := RunLoad(context.Background(), LoadSpec{
		URL: ts.URL, Clients: 8, Requests: 3, Client: &http.Client{Transport: tr},
		Body: func(i int) []byte { return []byte(fmt.Sprint(i)) },
	})
	require.NoError(t, err)
	assert.Equal(t, 3, rep.Count(http.StatusOK), "fewer requests than clients is fine")
}

func TestRunLoadRejectsABadSpec(t *testing.T) {
	body := func(int) []byte { return nil }
	for _, spec := range []LoadSpec{
		{URL: "http://127.0.0.1:1", Clients: 0, Requests: 1, Body: body},
		{URL: "", Clients: 1, Requests: 1, Body: body},
		{URL: "http://127.0.0.1:1", Clients: 1, Requests: 1},
		{URL: "http://127.0.0.1:1", Clients: 1, Requests: -1, Body: body},
	} {
		_, err := RunLoad(context.Background(), spec)
		assert.Error(t, err, "%+v", spec)
	}
}

func TestPostJSONReportsATransportError(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	url := ts.URL
	ts.Close() // nothing listens there any more
	r := PostJSON(context.Background(), http.DefaultClient, url, []byte("{}"))
	assert.Zero(t, r.Status)
	assert.Error(t, r.Err)
}

func TestLoadPercentileIsNearestRank(t *testing.T) {
	var lat []time.Duration
	for i := 1; i <= 100; i++ {
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	assert.Equal(t, 50*time.Millisecond, loadPercentile(lat, 50))
	assert.Equal(t, 99*time.Millisecond, loadPercentile(lat, 99))
	assert.Equal(t, 100*time.Millisecond, loadPercentile(lat, 100))
	assert.Equal(t, 7*time.Millisecond, loadPercentile(lat[6:7], 99))
	assert.Zero(t, loadPercentile(nil, 99))
}
