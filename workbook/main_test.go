package workbook

import (
	"os"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/asyncbook/asyncbook/internal/repocopy"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		if repo.dir != "" {
			os.RemoveAll(repo.dir)
		}
		os.Exit(code)
	}))
}

// repo is the copy of the module that repoRoot makes once.
var repo struct {
	once sync.Once
	dir  string
	err  error
}

// repoRoot returns the root of a copy of this module, made on first use in
// a temporary folder and removed when the package's tests end: the tests
// that write practice copies or grade submissions work there, so a test
// run never writes into the checkout.
func repoRoot(t *testing.T) string {
	t.Helper()
	repo.once.Do(func() {
		src, err := FindRoot(".")
		if err != nil {
			repo.err = err
			return
		}
		if repo.dir, repo.err = os.MkdirTemp("", "asyncbook-workbook-repo-"); repo.err != nil {
			return
		}
		repo.err = repocopy.Into(src, repo.dir)
	})
	require.NoError(t, repo.err)
	return repo.dir
}
