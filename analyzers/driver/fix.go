package driver

import (
	"fmt"
	"go/format"
	"os"
	"sort"
)

// FixPlan is the outcome of merging the first suggested fix of each finding.
type FixPlan struct {
	Files   map[string][]byte // new contents of every changed file
	Applied int               // fixes applied
	Skipped int               // fixes dropped because they overlap an applied one
}

// PlanFixes merges the first suggested fix of every finding into new file
// contents. Identical edits (the same fix reported twice) are applied once; a
// fix whose edits overlap an already chosen fix is skipped whole, so no file
// is left half-fixed. Changed Go files are gofmt'ed. Nothing is written.
func PlanFixes(findings []Finding) (*FixPlan, error) {
	plan := &FixPlan{Files: map[string][]byte{}}
	chosen := map[string][]Edit{} // per file, the edits taken so far
	for _, f := range findings {
		if len(f.Fixes) == 0 {
			continue
		}
		fix := f.Fixes[0]
		if conflicts(chosen, fix.Edits) {
			plan.Skipped++
			continue
		}
		for _, e := range fix.Edits {
			if !contains(chosen[e.File], e) {
				chosen[e.File] = append(chosen[e.File], e)
			}
		}
		plan.Applied++
	}
	for file, edits := range chosen {
		src, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("read %s to fix it: %w", file, err)
		}
		out, err := apply(src, edits)
		if err != nil {
			return nil, fmt.Errorf("fix %s: %w", file, err)
		}
		if formatted, err := format.Source(out); err == nil {
			out = formatted
		}
		plan.Files[file] = out
	}
	return plan, nil
}

// Write writes the planned files, keeping each file's permissions.
func (p *FixPlan) Write() error {
	for file, b := range p.Files {
		info, err := os.Stat(file)
		if err != nil {
			return fmt.Errorf("write fix to %s: %w", file, err)
		}
		if err := os.WriteFile(file, b, info.Mode().Perm()); err != nil {
			return fmt.Errorf("write fix to %s: %w", file, err)
		}
	}
	return nil
}

func contains(edits []Edit, e Edit) bool {
	for _, x := range edits {
		if x == e {
			return true
		}
	}
	return false
}

// conflicts reports whether any of edits overlaps a different chosen edit.
func conflicts(chosen map[string][]Edit, edits []Edit) bool {
	for _, e := range edits {
		for _, c := range chosen[e.File] {
			if c == e {
				continue
			}
			if e.Start < c.End && c.Start < e.End || (e.Start == c.Start && e.Start == e.End && c.Start == c.End) {
				return true
			}
		}
	}
	return false
}

// apply applies non-overlapping edits to src.
func apply(src []byte, edits []Edit) ([]byte, error) {
	sorted := append([]Edit(nil), edits...)
	sort.Slice(sorted, func(i, j int) bool {
		if sorted[i].Start != sorted[j].Start {
			return sorted[i].Start < sorted[j].Start
		}
		return sorted[i].End < sorted[j].End
	})
	var out []byte
	last := 0
	for _, e := range sorted {
		if e.Start < last || e.End > len(src) || e.Start > e.End {
			return nil, fmt.Errorf("edit [%d,%d) is out of order or out of range", e.Start, e.End)
		}
		out = append(out, src[last:e.Start]...)
		out = append(out, e.NewText...)
		last = e.End
	}
	return append(out, src[last:]...), nil
}
