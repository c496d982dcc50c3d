// Downloads a dataset manifest with http.Get although a ctx is in scope.
// Expect: ctxprop
package c

import (
	"context"
	"io"
	"net/http"
)

func Manifest(ctx context.Context, url string) ([]byte, error) {
	resp, err := http.Get(url) // BUG
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}
