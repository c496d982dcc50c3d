// Package repocopy copies this module's source tree for tests that write
// into a workspace (practice copies, graded submissions), so that a test
// run never writes into the checkout it runs from.
package repocopy

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// skipped are folders left out of a copy: version control, a learner's
// practice copies, caches and installed Node packages.
var skipped = map[string]bool{".git": true, "practice": true, ".cache": true, "node_modules": true}

// Into copies the regular files of the module rooted at src into dst,
// without the skipped folders (at any depth for node_modules, at the root
// for the others). Links and other special files are left out.
func Into(src, dst string) error {
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		if d.IsDir() {
			if skipped[rel] || d.Name() == "node_modules" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	return nil
}
