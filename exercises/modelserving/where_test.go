package modelserving

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/asyncbook/asyncbook/exercises/suite/suitetest"
)

// whereUnbatched calls the model from every request's handler, on the
// line the failure must point at.
func whereUnbatched(model Model, cfg Config) Server {
	var wg sync.WaitGroup
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wg.Add(1)
		defer wg.Done()
		in, err := DecodeInput(r)
		if err != nil {
			WriteError(w, http.StatusBadRequest, err.Error())
			return
		}
		out, err := model.PredictBatch(r.Context(), []Input{in}) //where:predict
		if err != nil {
			WriteError(w, http.StatusInternalServerError, err.Error())
			return
		}
		WriteOutput(w, out[0])
	})
	return ServerFuncs{Handler: h, OnShutdown: func(context.Context) error { wg.Wait(); return nil }}
}

func TestWherePointsAtTheCallResponsible(t *testing.T) {
	file, line := suitetest.MarkedLine(t, "predict")
	r := suitetest.CheckOne(t, Suite(), PropBatchLimits, whereUnbatched)
	require.False(t, r.Pass)
	require.NotEmpty(t, r.Where)
	for _, w := range r.Where {
		assert.Equal(t, file, w.File, "%+v", w)
		assert.Equal(t, line, w.Line, "%+v", w)
		assert.Contains(t, w.Note, "model call at once (limit 1)")
	}
}

func TestWhereIsEmptyWhenNoCallIsToBlame(t *testing.T) {
	for _, r := range Suite().Check(solution) {
		assert.True(t, r.Pass, r.Property)
		assert.Empty(t, r.Where, r.Property)
	}
}
