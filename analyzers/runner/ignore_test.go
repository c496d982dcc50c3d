package runner

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestIgnored(t *testing.T) {
	src := []byte(`package p
func f() {
	go a() //asyncvet:ignore unboundedgo the queue is bounded upstream
	//asyncvet:ignore chanleak,ctxcancel
	go b()
	go c() //asyncvet:ignore
	x := 1 //asyncvet:ignore Bounded elsewhere.
	go d() // not a directive: asyncvet:ignore
	y := 2 //asyncvet:ignore
	go e()
}
`)
	cases := []struct {
		line     int
		analyzer string
		want     bool
	}{
		{3, "unboundedgo", true},
		{3, "chanleak", false},
		{5, "chanleak", true},
		{5, "ctxcancel", true},
		{5, "unboundedgo", false},
		{6, "anything", true},
		{7, "anything", true},
		{8, "unboundedgo", false},
		{10, "unboundedgo", false}, // a directive at the end of the line above does not count
		{1, "x", false},
		{99, "x", false},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, Ignored(src, c.line, c.analyzer), "line %d %s", c.line, c.analyzer)
	}
}
