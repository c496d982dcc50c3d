package main

import (
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/tools/go/analysis/unitchecker"

	"github.com/asyncbook/asyncbook/analyzers/driver"
	"github.com/asyncbook/asyncbook/analyzers/registry"
)

// profileFlag is -profile, checked as it is parsed.
type profileFlag struct{ p registry.Profile }

func (f *profileFlag) String() string { return string(f.p) }

func (f *profileFlag) Set(s string) error {
	p, err := registry.ParseProfile(s)
	f.p = p
	return err
}

// vetMain serves go vet: the suite's analyzers, wrapped by the driver so
// that //asyncvet:ignore, the settings file and profiles apply as they do
// everywhere else. go vet runs the tool once per package; the settings are
// read once the flags are parsed, for the package's folder.
func vetMain() {
	for _, a := range os.Args[1:] {
		if a == "-V=full" {
			if err := printVetVersion(os.Stdout); err != nil {
				fmt.Fprintf(os.Stderr, "asyncvet: %v\n", err)
				os.Exit(1)
			}
			return
		}
	}
	profile := &profileFlag{}
	flag.Var(profile, "profile", "the analyzers to start from: default or strict (default: the settings file's, else default)")
	var (
		once     sync.Once
		resolver *driver.Resolver
	)
	selectFor := func(dir string) (*driver.Selection, error) {
		once.Do(func() { resolver = driver.NewResolver(registry.Entries(), vetSettings(profile.p), true) })
		return resolver.For(dir)
	}
	suite := driver.NewSuite(registry.Entries(), selectFor)
	unitchecker.Main(suite.Analyzers()...)
}

// vetSettings returns the settings of go vet's command line: the profile,
// and the analyzers whose flags were set.
func vetSettings(profile registry.Profile) driver.Settings {
	st := driver.Settings{Profile: profile, Analyzers: map[string]bool{}}
	flag.Visit(func(f *flag.Flag) {
		if registry.Lookup(f.Name) == nil && f.Name != driver.IgnoreName {
			return
		}
		if on, err := strconv.ParseBool(f.Value.String()); err == nil {
			st.Analyzers[f.Name] = on
		}
	})
	return st
}

// printVetVersion answers go vet's -V=full. go vet caches each package's
// result under an ID that includes the tool's, so the ID covers the
// settings files go vet's packages may read, not only the executable: a
// changed .asyncbook.json must not replay a cached result.
func printVetVersion(w io.Writer) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("-V=full: %w", err)
	}
	h := sha256.New()
	f, err := os.Open(exe)
	if err != nil {
		return fmt.Errorf("-V=full: %w", err)
	}
	_, err = io.Copy(h, f)
	f.Close()
	if err != nil {
		return fmt.Errorf("-V=full: %w", err)
	}
	cwd, err := os.Getwd()
	if err != nil {
		return fmt.Errorf("-V=full: %w", err)
	}
	for _, file := range settingsFiles(cwd) {
		b, err := os.ReadFile(file)
		if err != nil {
			b = []byte(err.Error())
		}
		fmt.Fprintf(h, "\x00%s\x00%d\x00", file, len(b))
		h.Write(b)
	}
	_, err = fmt.Fprintf(w, "%s version devel asyncvet-%s buildID=%02x\n", exe, version, h.Sum(nil))
	return err
}

// settingsFiles returns the settings files of the workspace dir is in (the
// folder of go.work or go.mod above it), sorted: those go vet's packages
// can read. Folders the go command ignores are skipped.
func settingsFiles(dir string) []string {
	root := ""
	for d := dir; ; d = filepath.Dir(d) {
		if exists(filepath.Join(d, "go.work")) {
			root = d
			break
		}
		if root == "" && exists(filepath.Join(d, "go.mod")) {
			root = d
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	if root == "" {
		return nil // not in a module: go vet reads no package here
	}
	var out []string
	_ = filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		name := e.Name()
		if e.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "node_modules" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if name == driver.SettingsFile {
			out = append(out, path)
		}
		return nil
	})
	sort.Strings(out)
	return out
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, fs.ErrNotExist)
}
