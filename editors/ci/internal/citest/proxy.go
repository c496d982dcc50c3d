package citest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/mod/module"
	"golang.org/x/mod/zip"

	"github.com/asyncbook/asyncbook/workbook"
)

// Proxy is a module proxy in a folder that serves this checkout as a
// version of github.com/asyncbook/asyncbook, for running
// `go install github.com/asyncbook/asyncbook/...@version` as CI does,
// without publishing anything.
type Proxy struct {
	Dir     string // the proxy's folder
	Version string // the version it serves, named after the content
}

// Env returns the go command's environment for using the proxy: it is
// asked first, then the local module cache's downloads (so nothing goes to
// the network). The checksum database is not asked: it is on the network,
// the module served here has no published sum, and every dependency comes
// from the local module cache, which `go mod download` filled and checked
// against the module's go.sum. (A module cache holds the database's tiles
// only if something once looked a module up there, so relying on it made
// the tests pass on a used machine and fail on a fresh one.)
func (p Proxy) Env(t testing.TB) []string {
	t.Helper()
	cache := strings.TrimSpace(goEnv(t, "GOMODCACHE"))
	return []string{
		"GOPROXY=" + fileURL(p.Dir) + "," + fileURL(filepath.Join(cache, "cache", "download")),
		"GOSUMDB=off",
		"GOFLAGS=-modcacherw -buildvcs=false",
		"GOTOOLCHAIN=local",
	}
}

func fileURL(dir string) string { return "file://" + filepath.ToSlash(dir) }

func goEnv(t testing.TB, name string) string {
	t.Helper()
	out, err := exec.Command("go", "env", name).Output()
	require.NoError(t, err)
	return string(out)
}

// diskFile is a file of the checkout, for zip.Create.
type diskFile struct{ root, rel string }

func (f diskFile) Path() string { return f.rel }
func (f diskFile) Lstat() (os.FileInfo, error) {
	return os.Lstat(filepath.Join(f.root, filepath.FromSlash(f.rel)))
}
func (f diskFile) Open() (io.ReadCloser, error) {
	return os.Open(filepath.Join(f.root, filepath.FromSlash(f.rel)))
}

// LocalProxy zips the checkout as git sees it (tracked and untracked files
// that .gitignore does not exclude; nested modules are left out as in any
// module zip) into a proxy folder. The version is named after the zip's
// content, so the module cache's copy of an unchanged checkout is reused,
// and the test removes that copy when it ends.
func LocalProxy(t testing.TB) Proxy {
	t.Helper()
	root := Root(t)
	cmd := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	cmd.Dir = root
	out, err := cmd.Output()
	require.NoError(t, err, "list the checkout's files")
	var files []zip.File
	h := sha256.New()
	for _, rel := range strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00") {
		full := filepath.Join(root, filepath.FromSlash(rel))
		fi, err := os.Lstat(full)
		if err != nil || !fi.Mode().IsRegular() {
			continue // deleted in the work tree, or a link
		}
		data, err := os.ReadFile(full)
		require.NoError(t, err)
		sum := sha256.Sum256(data)
		h.Write([]byte(rel + "\x00" + hex.EncodeToString(sum[:]) + "\n"))
		files = append(files, diskFile{root, rel})
	}
	version := "v0.0.0-ci-" + hex.EncodeToString(h.Sum(nil))[:16]
	mv := module.Version{Path: workbook.ModulePath, Version: version}

	dir := t.TempDir()
	at := filepath.Join(dir, filepath.FromSlash(workbook.ModulePath), "@v")
	require.NoError(t, os.MkdirAll(at, 0o755))
	var z bytes.Buffer
	require.NoError(t, zip.Create(&z, mv, files), "zip the checkout")
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	require.NoError(t, err)
	info, err := json.Marshal(map[string]any{"Version": version, "Time": time.Now().UTC().Format(time.RFC3339)})
	require.NoError(t, err)
	for name, data := range map[string][]byte{
		"list":            []byte(version + "\n"),
		version + ".info": info,
		version + ".mod":  gomod,
		version + ".zip":  z.Bytes(),
	} {
		require.NoError(t, os.WriteFile(filepath.Join(at, name), data, 0o644))
	}
	t.Cleanup(func() { removeFromModCache(t, mv) })
	return Proxy{Dir: dir, Version: version}
}

// removeFromModCache deletes a version the test put in the shared module
// cache: its extracted folder and its downloads.
func removeFromModCache(t testing.TB, mv module.Version) {
	cache := strings.TrimSpace(goEnv(t, "GOMODCACHE"))
	escaped, err := module.EscapePath(mv.Path)
	require.NoError(t, err)
	ver, err := module.EscapeVersion(mv.Version)
	require.NoError(t, err)
	paths := []string{filepath.Join(cache, filepath.FromSlash(escaped)+"@"+ver)}
	dl, _ := filepath.Glob(filepath.Join(cache, "cache", "download", filepath.FromSlash(escaped), "@v", ver+".*"))
	paths = append(paths, dl...)
	for _, p := range paths {
		// The module cache's folders are read-only unless -modcacherw.
		_ = filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				_ = os.Chmod(q, 0o755)
			}
			return nil
		})
		require.NoError(t, os.RemoveAll(p))
	}
}
