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

// All returns every exercise's description, in workbook order.
func All() []suite.Info {
	return []suite.Info{
		batchinference.Info,
		datapipeline.Info,
		modelserving.Info,
		hyperparamtuning.Info,
		distributedtraining.Info,
	}
}
