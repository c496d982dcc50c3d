// Package modelclient calls a model endpoint over HTTP, a feature cache over
// TCP and a label store over SQL: every call must carry the caller's ctx.
package modelclient

import (
	"bytes"
	"context"
	"database/sql"
	"net"
	"net/http"
	"net/url"
)

type Client struct {
	http *http.Client
	url  string
	db   *sql.DB
}

// Predict builds the request without ctx: the model keeps computing for a
// caller that has gone.
func (c *Client) Predict(ctx context.Context, body []byte) (*http.Response, error) {
	req, err := http.NewRequest("POST", c.url+"/v1/predict", bytes.NewReader(body)) // want `http\.NewRequest builds a request without a context: it cannot be cancelled when the caller times out; use http\.NewRequestWithContext\(ctx, \.\.\.\)`
	if err != nil {
		return nil, err
	}
	return c.http.Do(req)
}

// Health uses the package-level helper.
func (c *Client) Health(ctx context.Context) error {
	resp, err := http.Get(c.url + "/healthz") // want `http\.Get sends a request without a context: it cannot be cancelled when the caller times out; use http\.NewRequestWithContext\(ctx, \.\.\.\) and Client\.Do`
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

// Feedback posts through the client.
func (c *Client) Feedback(ctx context.Context, form url.Values) error {
	resp, err := c.http.PostForm(c.url+"/v1/feedback", form) // want `\(\*http\.Client\)\.PostForm sends a request without a context`
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

// Proxy forwards an inference request: the incoming request's context is
// the one to pass.
func (c *Client) Proxy(w http.ResponseWriter, r *http.Request) {
	req, err := http.NewRequest(http.MethodPost, c.url, r.Body) // want `use http\.NewRequestWithContext\(r\.Context\(\), \.\.\.\)`
	if err != nil {
		return
	}
	_, _ = c.http.Do(req)
}

// CacheConn dials the feature cache.
func CacheConn(ctx context.Context, addr string) (net.Conn, error) {
	return net.Dial("tcp", addr) // want `net\.Dial dials without a context: it cannot be cancelled when the caller times out; use \(&net\.Dialer\{\}\)\.DialContext\(ctx, \.\.\.\)`
}

// CacheConnDialer dials through a Dialer.
func CacheConnDialer(ctx context.Context, d *net.Dialer, addr string) (net.Conn, error) {
	return d.Dial("tcp", addr) // want `\(\*net\.Dialer\)\.Dial dials without a context`
}

// Labels queries the label store.
func (c *Client) Labels(ctx context.Context, model string) (*sql.Rows, error) {
	return c.db.Query("SELECT label FROM labels WHERE model = ?", model) // want `\(\*sql\.DB\)\.Query runs a query without a context: it cannot be cancelled when the caller times out; use QueryContext\(ctx, \.\.\.\)`
}

// Relabel writes in a transaction.
func (c *Client) Relabel(ctx context.Context, id int, label string) error {
	tx, err := c.db.Begin() // want `\(\*sql\.DB\)\.Begin starts a transaction without a context`
	if err != nil {
		return err
	}
	if _, err := tx.Exec("UPDATE labels SET label = ? WHERE id = ?", label, id); err != nil { // want `\(\*sql\.Tx\)\.Exec runs a query without a context`
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// Ping checks the label store.
func (c *Client) Ping(ctx context.Context) error {
	return c.db.Ping() // want `\(\*sql\.DB\)\.Ping pings the database without a context`
}

// ---- silent: correct versions and near misses ----

// PredictOK builds the request with ctx.
func (c *Client) PredictOK(ctx context.Context, body []byte) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", c.url+"/v1/predict", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	return c.http.Do(req)
}

// PredictLate attaches ctx after building the request.
func (c *Client) PredictLate(ctx context.Context, body []byte) (*http.Response, error) {
	req, err := http.NewRequest("POST", c.url+"/v1/predict", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req = req.WithContext(ctx)
	return c.http.Do(req)
}

// Version runs without a ctx in scope: a one-off CLI helper.
func Version(base string) (*http.Response, error) {
	return http.Get(base + "/version")
}

// LabelsOK uses QueryContext.
func (c *Client) LabelsOK(ctx context.Context, model string) (*sql.Rows, error) {
	return c.db.QueryContext(ctx, "SELECT label FROM labels WHERE model = ?", model)
}

// CacheConnOK dials with ctx.
func CacheConnOK(ctx context.Context, addr string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, "tcp", addr)
}

// Migrate has no ctx: it runs at start-up.
func Migrate(db *sql.DB) error {
	_, err := db.Exec("CREATE TABLE IF NOT EXISTS labels (id INTEGER, label TEXT)")
	return err
}

// get is a local function named like http.Get.
func get(url string) error { return nil }

func Warm(ctx context.Context, base string) error { return get(base) }

// PredictRetry attaches ctx at the top of the next attempt: written above
// the http.NewRequest, it runs after it, around the loop.
func (c *Client) PredictRetry(ctx context.Context, body []byte) (*http.Response, error) {
	var req *http.Request
	for attempt := 0; attempt < 3; attempt++ {
		if req != nil {
			req = req.WithContext(ctx)
			return c.http.Do(req)
		}
		var err error
		req, err = http.NewRequest("POST", c.url+"/v1/predict", bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
	}
	return nil, nil
}
