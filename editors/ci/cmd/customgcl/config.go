package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// config is a .custom-gcl.yml, the file `golangci-lint custom` reads.
type config struct {
	Version     string    `yaml:"version"`
	Name        string    `yaml:"name"`
	Destination string    `yaml:"destination"`
	Plugins     []*plugin `yaml:"plugins"`
}

// plugin is one module to build into the binary.
type plugin struct {
	Module  string `yaml:"module"`
	Import  string `yaml:"import"`
	Version string `yaml:"version"`
	Path    string `yaml:"path"`
}

const defaultName = "custom-gcl"

// loadConfig reads and checks a .custom-gcl.yml with the rules of
// `golangci-lint custom`: a version, at least one plugin, each plugin with a
// module and either a version or a path. Relative paths are resolved
// against the file's folder (custom resolves them against the current
// directory, which is that folder when it is run as documented).
func loadConfig(file string) (*config, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	var c config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	if strings.TrimSpace(c.Version) == "" {
		return nil, fmt.Errorf("read %s: the field 'version' (of golangci-lint) is required", file)
	}
	if strings.TrimSpace(c.Name) == "" {
		c.Name = defaultName
	}
	if len(c.Plugins) == 0 {
		return nil, fmt.Errorf("read %s: no plugins", file)
	}
	base := filepath.Dir(file)
	for i, p := range c.Plugins {
		if p == nil || strings.TrimSpace(p.Module) == "" {
			return nil, fmt.Errorf("read %s: plugin %d: the field 'module' is required", file, i+1)
		}
		if strings.TrimSpace(p.Import) == "" {
			p.Import = p.Module
		}
		hasPath, hasVersion := strings.TrimSpace(p.Path) != "", strings.TrimSpace(p.Version) != ""
		switch {
		case hasPath == hasVersion:
			return nil, fmt.Errorf("read %s: plugin %s: give either 'version' (from the module proxy) or 'path' (a local folder), not %s", file, p.Module, map[bool]string{true: "both", false: "neither"}[hasPath])
		case hasPath:
			if !filepath.IsAbs(p.Path) {
				p.Path = filepath.Join(base, p.Path)
			}
			abs, err := filepath.Abs(p.Path)
			if err != nil {
				return nil, fmt.Errorf("read %s: plugin %s: %w", file, p.Module, err)
			}
			if _, err := os.Stat(filepath.Join(abs, "go.mod")); err != nil {
				return nil, fmt.Errorf("read %s: plugin %s: path %s is not a module: %w", file, p.Module, abs, err)
			}
			p.Path = abs
		}
	}
	if c.Destination != "" && !filepath.IsAbs(c.Destination) {
		c.Destination = filepath.Join(base, c.Destination)
	}
	return &c, nil
}

// pluginsFile is the cmd/golangci-lint/plugins.go that blank-imports the
// plugins, as `golangci-lint custom` writes it.
func pluginsFile(c *config) []byte {
	var b bytes.Buffer
	b.WriteString("package main\n\n// This file is used to declare module plugins.\n\nimport (\n")
	seen := map[string]bool{}
	for _, p := range c.Plugins {
		if seen[p.Import] {
			continue
		}
		seen[p.Import] = true
		fmt.Fprintf(&b, "\t_ %q\n", p.Import)
	}
	b.WriteString(")\n")
	return b.Bytes()
}

var errNoGo = errors.New("the go command is not on PATH")
