package driver

import (
	"context"
	"fmt"
	"strings"

	"golang.org/x/tools/go/packages"
)

// LoadConfig says what to load.
type LoadConfig struct {
	Dir      string   // the folder patterns are relative to ("" = current)
	Patterns []string // package patterns, e.g. "./..."
	Tests    bool     // include test files and test packages
	// Overlay holds unsaved file contents by absolute path.
	Overlay map[string][]byte
	Env     []string // environment for the go command (nil = inherit)
}

// Load loads the packages matching the patterns with go/packages, with
// syntax and types for them and their dependencies (the analyzers' facts
// cross packages), and returns the packages to analyse: a package's test
// variant in place of the package when tests are included (it holds the
// same files and more, as go vet does), never the generated test mains.
func Load(ctx context.Context, cfg LoadConfig) ([]*packages.Package, error) {
	patterns := cfg.Patterns
	if len(patterns) == 0 {
		patterns = []string{"."}
	}
	lcfg := &packages.Config{
		Context: ctx,
		Mode:    packages.LoadAllSyntax | packages.NeedModule | packages.NeedForTest,
		Dir:     cfg.Dir,
		Tests:   cfg.Tests,
		Overlay: cfg.Overlay,
		Env:     cfg.Env,
	}
	pkgs, err := packages.Load(lcfg, patterns...)
	if err != nil {
		return nil, fmt.Errorf("load packages %s: %w", strings.Join(patterns, " "), err)
	}
	if len(pkgs) == 0 {
		return nil, fmt.Errorf("load packages %s: no packages matched", strings.Join(patterns, " "))
	}
	return analysable(pkgs), nil
}

// analysable drops test mains, and a package whose in-package test variant
// is also there.
func analysable(pkgs []*packages.Package) []*packages.Package {
	variant := map[string]bool{}
	for _, p := range pkgs {
		if p.ForTest != "" && p.PkgPath == p.ForTest {
			variant[p.PkgPath] = true
		}
	}
	var out []*packages.Package
	for _, p := range pkgs {
		switch {
		case p.Name == "main" && strings.HasSuffix(p.ID, ".test"):
		case p.ForTest == "" && variant[p.PkgPath]:
		default:
			out = append(out, p)
		}
	}
	return out
}
