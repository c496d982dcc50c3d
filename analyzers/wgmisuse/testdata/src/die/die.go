// Package die ends the process on unrecoverable errors.
package die

import (
	"fmt"
	"os"
)

// On prints err and exits: it never returns.
func On(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
