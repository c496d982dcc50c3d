// Package exercises lists the workbook's exercises in order. Each exercise is
// a package below this one: a problem statement with a sequential
// implementation (exercise.go), a reference solution (solution.go), an
// interview guide (guide.md) and a property suite (suite.go).
package exercises

import (
	"github.com/asyncbook/asyncbook/exercises/batchinference"
	"github.com/asyncbook/asyncbook/exercises/datapipeline"
	"github.com/asyncbook/asyncbook/exercises/distributedtraining"
	"github.com/asyncbook/asyncbook/exercises/hyperparamtuning"
	"github.com/asyncbook/asyncbook/exercises/modelserving"
	"github.com/asyncbook/asyncbook/exercises/suite"
)

// Difficulty labels, in rising order.
const (
	Introductory = "introductory"
	Intermediate = "intermediate"
	Advanced     = "advanced"
)

// levels is the workbook's order, easiest first, and each exercise's level.
// The order follows what an answer takes: one fan-out with a limit and
// cancellation (batch-inference); a waiting pool, one owner for shared state
// and per-task cancellation (hyperparameter-tuning); a three-stage pipeline
// with retries and a memory budget (data-pipeline); a server with a batcher,
// deadlines and shutdown (model-serving); rounds that must end on time,
// failover and background checkpoints (distributed-training). The catalog
// decides Order and Level; the exercises' own Order fields are overridden.
var levels = []struct {
	info  suite.Info
	level string
}{
	{batchinference.Info, Introductory},
	{hyperparamtuning.Info, Intermediate},
	{datapipeline.Info, Intermediate},
	{modelserving.Info, Advanced},
	{distributedtraining.Info, Advanced},
}

// All returns every exercise's description, in workbook order (by level),
// with Order and Level set.
func All() []suite.Info {
	out := make([]suite.Info, len(levels))
	for i, l := range levels {
		out[i] = l.info
		out[i].Order = i + 1
		out[i].Level = l.level
	}
	return out
}
