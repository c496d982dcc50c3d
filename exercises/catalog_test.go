package exercises

import (
	"io/fs"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/asyncbook/asyncbook/exercises/batchinference"
	"github.com/asyncbook/asyncbook/exercises/datapipeline"
	"github.com/asyncbook/asyncbook/exercises/distributedtraining"
	"github.com/asyncbook/asyncbook/exercises/hyperparamtuning"
	"github.com/asyncbook/asyncbook/exercises/modelserving"
)

// seedPatterns are the key patterns the seed says the workbook teaches.
var seedPatterns = []string{
	"concurrent API requests",
	"producer-consumer with queues",
	"resource pooling and management",
	"throttling and backpressure",
	"coordinating parallel workers",
	"efficient I/O operations",
	"CPU-bound processing in worker pools",
}

func TestCatalog(t *testing.T) {
	infos := All()
	assert.Len(t, infos, 5)
	rank := map[string]int{Introductory: 1, Intermediate: 2, Advanced: 3}
	for i, info := range infos {
		assert.Equal(t, i+1, info.Order, info.Slug)
		assert.Contains(t, rank, info.Level, "%s has a level", info.Slug)
		if i > 0 {
			assert.GreaterOrEqual(t, rank[info.Level], rank[infos[i-1].Level], "levels rise with the order: %s after %s", info.Slug, infos[i-1].Slug)
		}
		for _, f := range []string{"README.md", "guide.md", "exercise.go", "solution.go"} {
			_, err := fs.Stat(info.Files, f)
			assert.NoError(t, err, "%s embeds %s", info.Slug, f)
		}
	}
}

// TestEveryPatternIsTaughtAndChecked: each seed pattern is named by at least
// one exercise's Info and by at least one property of a suite.
func TestEveryPatternIsTaughtAndChecked(t *testing.T) {
	taught := map[string]bool{}
	for _, info := range All() {
		for _, p := range info.Patterns {
			taught[p] = true
		}
	}
	checked := map[string]bool{}
	for _, p := range batchinference.Suite().Properties {
		checked[p.Pattern] = true
	}
	for _, p := range datapipeline.Suite().Properties {
		checked[p.Pattern] = true
	}
	for _, p := range modelserving.Suite().Properties {
		checked[p.Pattern] = true
	}
	for _, p := range hyperparamtuning.Suite().Properties {
		checked[p.Pattern] = true
	}
	for _, p := range distributedtraining.Suite().Properties {
		checked[p.Pattern] = true
	}
	for _, p := range seedPatterns {
		assert.True(t, taught[p], "no exercise teaches %q", p)
		assert.True(t, checked[p], "no property checks %q", p)
	}
}
