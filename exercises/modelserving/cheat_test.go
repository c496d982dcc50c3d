package modelserving

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/asyncbook/asyncbook/exercises/simworld"
	"github.com/asyncbook/asyncbook/exercises/suite/suitetest"
)

// predictItself answers every request with simworld.ServingPredict, the
// function the model computes, and never calls the model.
func predictItself(model Model, cfg Config) Server {
	return ServerFuncs{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			in, err := DecodeInput(r)
			if err != nil {
				WriteError(w, http.StatusBadRequest, err.Error())
				return
			}
			WriteOutput(w, simworld.ServingPredict(in))
		}),
		OnShutdown: func(context.Context) error { return nil },
	}
}

func TestCheatServingPredictInsteadOfTheModel(t *testing.T) {
	r := suitetest.CheckOne(t, Suite(), "correct-responses", predictItself)
	assert.False(t, r.Pass, "correct-responses passed: %s", r.Observed)
	assert.Contains(t, r.Observed, "no successful model call")
	assert.ErrorContains(t, Workload(context.Background(), predictItself), "no successful model call")
}

// TestCheatModelIsOnlyPredictBatch: the server is given the model behind
// PredictBatch alone; a type assertion does not reach the simulated
// model's holds (which a property uses to freeze a batch) or its records.
func TestCheatModelIsOnlyPredictBatch(t *testing.T) {
	var reached []string
	spy := func(model Model, cfg Config) Server {
		if _, ok := model.(*simworld.ServingModel); ok {
			reached = append(reached, "*simworld.ServingModel")
		}
		if _, ok := model.(interface{ Hold() *simworld.ServingHold }); ok {
			reached = append(reached, "Hold")
		}
		if _, ok := model.(interface{ Calls() []simworld.ServingCall }); ok {
			reached = append(reached, "Calls")
		}
		return solution(model, cfg)
	}
	suitetest.CheckOne(t, Suite(), "correct-responses", spy)
	assert.Empty(t, reached)
}
