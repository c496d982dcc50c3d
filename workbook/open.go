package workbook

import "github.com/asyncbook/asyncbook/exercises"

// Open opens the workbook of the workspace at root with the built-in
// exercises.
func Open(root string) (*Workbook, error) { return New(root, exercises.All()) }
