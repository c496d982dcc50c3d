package lockblock

import (
	"go/ast"
	"go/parser"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSerializer(t *testing.T) {
	for src, want := range map[string]bool{
		"c.writeMu.Lock()":    true,
		"p.wrMu.Lock()":       true,
		"wmu.Lock()":          true,
		"c.sendMu.Lock()":     true,
		"s.connMu.Lock()":     true,
		"logMu.Lock()":        true,
		"c.bufWriteMu.Lock()": true,
		"w.out_mu.Lock()":     true,
		"c.mu.Lock()":         false,
		"c.cacheMu.Lock()":    false,
		"mu.Lock()":           false,
		"c.modelsLock.Lock()": false,
		"r.guardMu.Lock()":    false,
		"s.stateMutex.Lock()": false,
	} {
		e, err := parser.ParseExpr(src)
		require.NoError(t, err)
		call, ok := e.(*ast.CallExpr)
		require.True(t, ok)
		sel, ok := call.Fun.(*ast.SelectorExpr)
		require.True(t, ok)
		assert.Equal(t, want, serializer(sel.X), src)
	}
}
