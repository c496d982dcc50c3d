package catalog_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/asyncbook/asyncbook/lsp/catalog"
	"github.com/asyncbook/asyncbook/lsp/lsptest"
)

// A practice copy that sends its requests with a ctx that is never
// cancelled: the check, run as the editor runs it, must put the failed
// cancellation properties on that call in the learner's solve.go, not on
// func Solve.
func TestCheckPlacesAFailedPropertyAtTheLearnersCall(t *testing.T) {
	const call = "model.Predict(context.WithoutCancel(ctx), in)"
	root := lsptest.Workspace(t)
	solve := practice(t, root, func(s string) string {
		require.Contains(t, s, "model.Predict(ctx, in)")
		return strings.Replace(s, "model.Predict(ctx, in)", call, 1)
	})
	res, err := catalog.NewWorkbooks(t.Logf).Check(context.Background(), solve, catalog.CheckOptions{})
	require.NoError(t, err)
	assert.False(t, res.Passed)

	callLine, solveLine := lineOf(t, solve, call), lineOf(t, solve, "func Solve(")
	placed := map[string]catalog.Problem{}
	for _, p := range res.Problems {
		if strings.HasPrefix(p.Code, "property:") && strings.Contains(p.Message, ": here, ") {
			placed[p.Code] = p
		}
	}
	for _, prop := range []string{"cancelled-on-entry", "cancelled-between-dispatches"} {
		p, ok := placed["property:"+prop]
		require.True(t, ok, "%s is placed: %+v", prop, res.Problems)
		assert.Equal(t, solve, p.File, prop)
		assert.Equal(t, callLine, p.Line, "%s at the learner's call, not func Solve (line %d): %s", prop, solveLine, p.Message)
		assert.Contains(t, p.Message, "ctx was cancelled", prop)
	}
}
