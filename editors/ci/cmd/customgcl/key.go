package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// builderVersion changes when the way the binary is built changes, so that
// binaries built the old way are not reused.
const builderVersion = "customgcl/1"

// listedPackage is what `go list -deps -json` says of a package.
type listedPackage struct {
	ImportPath string
	Dir        string
	Standard   bool
	GoFiles    []string
	CgoFiles   []string
	EmbedFiles []string
	Module     *struct {
		Path    string
		Version string
		Dir     string
		Main    bool
		Replace *struct {
			Path    string
			Version string
		}
	}
}

// sourceKey hashes everything the custom binary is built from:
// golangci-lint's version, the Go toolchain and target, each plugin's
// module, import and version, and, for plugins built from a local folder,
// the contents of every file of every package they import from a local
// module (found with go list -deps) with those modules' go.mod and go.sum.
// Editing an analyzer changes the key; editing an exercise does not.
func sourceKey(ctx context.Context, c *config) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\ngolangci-lint %s\n", builderVersion, c.Version)
	env, err := goOutput(ctx, "", "env", "GOVERSION", "GOOS", "GOARCH", "CGO_ENABLED", "GOEXPERIMENT")
	if err != nil {
		return "", err
	}
	fmt.Fprintf(h, "go env %s\n", strings.Join(strings.Fields(env), " "))

	files := map[string]string{} // absolute path -> what it is, hashed in order
	for _, p := range c.Plugins {
		fmt.Fprintf(h, "plugin %s import %s version %s local %t\n", p.Module, p.Import, p.Version, p.Path != "")
		if p.Path == "" {
			continue
		}
		out, err := goOutput(ctx, p.Path, "list", "-deps", "-json=ImportPath,Dir,Standard,GoFiles,CgoFiles,EmbedFiles,Module", p.Import)
		if err != nil {
			return "", fmt.Errorf("list the packages plugin %s imports: %w", p.Module, err)
		}
		dec := json.NewDecoder(strings.NewReader(out))
		for {
			var pkg listedPackage
			if err := dec.Decode(&pkg); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				return "", fmt.Errorf("read go list output: %w", err)
			}
			switch m := pkg.Module; {
			case pkg.Standard:
				// Part of the toolchain, which is hashed by version.
			case m == nil:
				return "", fmt.Errorf("package %s of plugin %s is in no module", pkg.ImportPath, p.Module)
			case m.Main || (m.Replace != nil && m.Replace.Version == ""):
				// A local folder: its source is what counts.
				for _, group := range [][]string{pkg.GoFiles, pkg.CgoFiles, pkg.EmbedFiles} {
					for _, f := range group {
						files[filepath.Join(pkg.Dir, f)] = "source of " + pkg.ImportPath
					}
				}
				for _, f := range []string{"go.mod", "go.sum"} {
					if _, err := os.Stat(filepath.Join(m.Dir, f)); err == nil {
						files[filepath.Join(m.Dir, f)] = f + " of " + m.Path
					}
				}
			default:
				// A module from the proxy: its version says what it is.
				v := m.Path + "@" + m.Version
				if m.Replace != nil {
					v += " => " + m.Replace.Path + "@" + m.Replace.Version
				}
				fmt.Fprintf(h, "package %s %s\n", pkg.ImportPath, v)
			}
		}
	}
	names := make([]string, 0, len(files))
	for f := range files {
		names = append(names, f)
	}
	sort.Slice(names, func(i, j int) bool { return files[names[i]]+names[i] < files[names[j]]+names[j] })
	for _, f := range names {
		data, err := os.ReadFile(f)
		if err != nil {
			return "", fmt.Errorf("hash plugin source: %w", err)
		}
		sum := sha256.Sum256(data)
		// The file's role and base name, not its absolute path: the same
		// source in another checkout gives the same key.
		fmt.Fprintf(h, "file %s %s %x\n", files[f], filepath.Base(f), sum)
	}
	return hex.EncodeToString(h.Sum(nil))[:24], nil
}

// goOutput runs the go command in dir and returns its standard output.
func goOutput(ctx context.Context, dir string, args ...string) (string, error) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		return "", errNoGo
	}
	cmd := exec.CommandContext(ctx, gobin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}
