package modelclient

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestHealth calls a real server on loopback: tests are silent.
func TestHealth(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	ctx := t.Context()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	req := httptest.NewRequest("GET", "/", nil)
	_ = req
	_ = ctx
}
