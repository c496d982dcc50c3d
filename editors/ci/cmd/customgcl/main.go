// Command customgcl builds a golangci-lint binary with module plugins from a
// .custom-gcl.yml, as `golangci-lint custom` does, for machines that reach
// the Go module proxy but not GitHub: custom clones golangci-lint's git
// repository, customgcl takes the same source from the module proxy. Built
// binaries are cached under a key of their source (golangci-lint's version,
// the Go toolchain, the plugins' packages), so a second build of the same
// source is a copy.
//
//	customgcl -config editors/ci/golangci/.custom-gcl.yml -o bin/custom-gcl
//
// It prints the binary's path. The cache is $ASYNCBOOK_GOLANGCI_CACHE, else
// /var/cache/asyncbook/golangci when that can be written, else the user's
// cache folder.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// keepBuilds is how many binaries the cache keeps: each is tens of MB.
const keepBuilds = 3

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("customgcl", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configFile := fs.String("config", ".custom-gcl.yml", "the .custom-gcl.yml to build")
	cacheDir := fs.String("cache", "", "folder of cached binaries (default: see the package doc)")
	out := fs.String("o", "", "where to put the binary (default: the config's destination and name)")
	printKey := fs.Bool("key", false, "print the source key and exit")
	rebuild := fs.Bool("rebuild", false, "build even when the cache has the binary")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: customgcl [flags]\n\ncustomgcl builds golangci-lint with the module plugins of a .custom-gcl.yml.\n\nflags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return 0
	} else if err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "customgcl: unexpected arguments %v\n", fs.Args())
		return 2
	}
	path, err := buildCached(ctx, *configFile, *cacheDir, *out, *printKey, *rebuild, stdout, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "customgcl: %v\n", err)
		return 1
	}
	if path != "" {
		fmt.Fprintln(stdout, path)
	}
	return 0
}

func buildCached(ctx context.Context, configFile, cacheDir, out string, printKey, rebuild bool, stdout, log io.Writer) (string, error) {
	c, err := loadConfig(configFile)
	if err != nil {
		return "", err
	}
	key, err := sourceKey(ctx, c)
	if err != nil {
		return "", err
	}
	if printKey {
		fmt.Fprintln(stdout, key)
		return "", nil
	}
	if out == "" {
		dest := c.Destination
		if dest == "" {
			dest = filepath.Dir(configFile)
		}
		out = filepath.Join(dest, c.Name)
	}
	if out, err = filepath.Abs(out); err != nil {
		return "", fmt.Errorf("resolve -o: %w", err)
	}
	if cacheDir == "" {
		cacheDir = defaultCache()
	}
	cached := filepath.Join(cacheDir, c.Name+"-"+key)
	if _, err := os.Stat(cached); err == nil && !rebuild {
		fmt.Fprintf(log, "customgcl: cached build %s\n", cached)
		now := time.Now()
		_ = os.Chtimes(cached, now, now) // the newest are kept
	} else {
		if err := build(ctx, c, key, cached, log); err != nil {
			return "", err
		}
		if err := prune(cacheDir, c.Name, keepBuilds); err != nil {
			fmt.Fprintf(log, "customgcl: %v\n", err)
		}
	}
	if err := installFile(cached, out); err != nil {
		return "", err
	}
	return out, nil
}

// defaultCache is $ASYNCBOOK_GOLANGCI_CACHE, else /var/cache/asyncbook/golangci
// when it can be made and written, else the user's cache folder.
func defaultCache() string {
	if d := os.Getenv("ASYNCBOOK_GOLANGCI_CACHE"); d != "" {
		return d
	}
	const system = "/var/cache/asyncbook/golangci"
	if err := os.MkdirAll(system, 0o755); err == nil {
		if f, err := os.CreateTemp(system, ".probe-"); err == nil {
			f.Close()
			os.Remove(f.Name())
			return system
		}
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "asyncbook", "golangci")
	}
	return filepath.Join(os.TempDir(), "asyncbook-golangci")
}
