package batchinference

import (
	"context"

	"github.com/asyncbook/asyncbook/exercises/simworld"
)

// Model is a simulated inference endpoint: Predict sends one request, Name
// says which model it is, and Limit is how many requests it serves at once
// (one more in flight is refused with ErrOverloaded, a 429).
type Model = simworld.Model

// Input is one item of the batch: an ID and the text to run the models on.
type Input = simworld.Input

// Prediction is one model's answer for one input.
type Prediction = simworld.Prediction

// Results holds every model's predictions: Results[m][i] is models[m] on
// inputs[i].
type Results = [][]Prediction

// Errors the endpoints return, for errors.Is.
var (
	ErrOverloaded = simworld.ErrOverloaded
	ErrServer     = simworld.ErrServer
)

// Impl runs every model on every input and returns the predictions in input
// order for every model. On the first failure it returns an error saying
// which model and input failed.
type Impl func(ctx context.Context, models []*Model, inputs []Input) (Results, error)
