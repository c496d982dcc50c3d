// An HTTP handler passes the request's context down.
package c

import (
	"context"
	"net/http"
)

type Model interface {
	Predict(ctx context.Context, in string) (string, error)
}

func Handler(m Model) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		out, err := m.Predict(r.Context(), r.URL.Query().Get("q"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		w.Write([]byte(out))
	}
}
