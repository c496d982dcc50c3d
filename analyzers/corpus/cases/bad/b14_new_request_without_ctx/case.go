// Builds the inference HTTP request without the caller's context.
// Expect: ctxprop
package c

import (
	"bytes"
	"context"
	"net/http"
)

func Infer(ctx context.Context, url string, body []byte) (*http.Response, error) {
	req, err := http.NewRequest("POST", url, bytes.NewReader(body)) // BUG
	if err != nil {
		return nil, err
	}
	return http.DefaultClient.Do(req)
}
