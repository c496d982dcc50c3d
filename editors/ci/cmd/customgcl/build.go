package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// build makes the custom binary at out the way `golangci-lint custom` does,
// with golangci-lint's source taken from the module proxy instead of a git
// clone: the module at the configured version, plugins.go blank-importing
// the plugins, a replace per local plugin (go get for the others), go mod
// tidy, go build. Progress goes to log.
func build(ctx context.Context, c *config, key, out string, log io.Writer) error {
	module := "github.com/golangci/golangci-lint/v2@" + c.Version
	fmt.Fprintf(log, "customgcl: downloading %s from the module proxy\n", module)
	dl, err := goOutput(ctx, "", "mod", "download", "-json", module)
	if err != nil {
		return fmt.Errorf("download golangci-lint: %w", err)
	}
	var info struct{ Dir, Error string }
	if err := json.Unmarshal([]byte(dl), &info); err != nil || info.Dir == "" {
		return fmt.Errorf("download golangci-lint: no folder in %q (%v %s)", dl, err, info.Error)
	}

	work, err := os.MkdirTemp("", "customgcl-")
	if err != nil {
		return fmt.Errorf("make a work folder: %w", err)
	}
	defer os.RemoveAll(work)
	repo := filepath.Join(work, "golangci-lint")
	if err := copyTree(info.Dir, repo); err != nil {
		return fmt.Errorf("copy golangci-lint's source: %w", err)
	}
	if err := os.WriteFile(filepath.Join(repo, "cmd", "golangci-lint", "plugins.go"), pluginsFile(c), 0o644); err != nil {
		return fmt.Errorf("write plugins.go: %w", err)
	}
	for _, p := range c.Plugins {
		if p.Path != "" {
			fmt.Fprintf(log, "customgcl: replace %s => %s\n", p.Module, p.Path)
			if _, err := goOutput(ctx, repo, "mod", "edit", "-replace", p.Module+"="+p.Path); err != nil {
				return fmt.Errorf("add plugin %s: %w", p.Module, err)
			}
			continue
		}
		fmt.Fprintf(log, "customgcl: go get %s@%s\n", p.Module, p.Version)
		if _, err := goOutput(ctx, repo, "get", p.Module+"@"+p.Version); err != nil {
			return fmt.Errorf("add plugin %s: %w", p.Module, err)
		}
	}
	fmt.Fprintf(log, "customgcl: go mod tidy\n")
	if _, err := goOutput(ctx, repo, "mod", "tidy"); err != nil {
		return fmt.Errorf("tidy golangci-lint's module with the plugins: %w", err)
	}
	version := c.Version + "-custom-gcl-" + key
	fmt.Fprintf(log, "customgcl: go build (version %s); this takes minutes the first time\n", version)
	bin := filepath.Join(work, c.Name)
	ldflags := fmt.Sprintf("-s -w -X 'main.version=%s' -X 'main.date=%s'", strings.TrimPrefix(version, "v"), time.Now().UTC().Format(time.RFC3339))
	if _, err := goOutput(ctx, repo, "build", "-ldflags", ldflags, "-o", bin, "./cmd/golangci-lint"); err != nil {
		return fmt.Errorf("build golangci-lint with the plugins: %w", err)
	}
	return installFile(bin, out)
}

// copyTree copies the regular files and folders of src into dst, writable
// (the module cache's copies are read-only).
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
}

// installFile copies the executable src to dst through a temporary file in
// dst's folder and a rename, so that a reader never sees half a binary.
func installFile(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("install %s: %w", dst, err)
	}
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("install %s: %w", dst, err)
	}
	defer in.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".tmp-")
	if err != nil {
		return fmt.Errorf("install %s: %w", dst, err)
	}
	_, err = io.Copy(tmp, in)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o755)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), dst)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("install %s: %w", dst, err)
	}
	return nil
}

// prune keeps the newest keep binaries named name-* in the cache folder.
func prune(cache, name string, keep int) error {
	matches, err := filepath.Glob(filepath.Join(cache, name+"-*"))
	if err != nil {
		return err
	}
	type entry struct {
		path string
		mod  time.Time
	}
	var es []entry
	for _, m := range matches {
		if fi, err := os.Stat(m); err == nil && fi.Mode().IsRegular() {
			es = append(es, entry{m, fi.ModTime()})
		}
	}
	sort.Slice(es, func(i, j int) bool { return es[i].mod.After(es[j].mod) })
	for i := keep; i < len(es); i++ {
		if err := os.Remove(es[i].path); err != nil {
			return fmt.Errorf("prune the cache: %w", err)
		}
	}
	return nil
}
