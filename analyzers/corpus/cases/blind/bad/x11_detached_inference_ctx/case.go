// The handler calls the model with context.TODO, losing the client's cancellation.
// Expect: ctxprop
package c

import (
	"context"
	"net/http"
)

type Model interface {
	Predict(ctx context.Context, prompt string) (string, error)
}

func Handler(m Model) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		out, err := m.Predict(context.TODO(), r.URL.Query().Get("q")) // BUG
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		w.Write([]byte(out))
	}
}
