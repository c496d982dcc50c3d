//go:build tools

// Package tools pins the third-party checkers bench/goker compares asyncvet
// with; the bench builds them from this module so their versions are fixed.
package tools

import _ "honnef.co/go/tools/cmd/staticcheck"
