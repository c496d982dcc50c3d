// Builds the inference request with the caller's context.
package c

import (
	"bytes"
	"context"
	"net/http"
)

func Infer(ctx context.Context, url string, body []byte) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	return http.DefaultClient.Do(req)
}
