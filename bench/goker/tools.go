package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/asyncbook/asyncbook/analyzers/driver"
	"github.com/asyncbook/asyncbook/analyzers/registry"
)

// Finding is one diagnostic of a tool over the kernels.
type Finding struct {
	Check   string // analyzer or check name
	File    string // base name
	Line    int
	Col     int
	Message string
}

func goEnv() []string {
	return append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
}

// Asyncvet runs the whole suite (every profile) over the kernels in dir
// through the one driver, with no settings files.
func Asyncvet(ctx context.Context, dir string) ([]Finding, error) {
	res, err := driver.Run(ctx, driver.Config{
		LoadConfig: driver.LoadConfig{Dir: dir, Patterns: []string{"."}, Env: goEnv()},
		Options: driver.Options{
			Settings:        driver.Settings{Profile: registry.Strict},
			NoSettingsFiles: true,
		},
	})
	if err != nil {
		return nil, fmt.Errorf("asyncvet: %w", err)
	}
	if len(res.AnalyzerErrors) > 0 {
		return nil, fmt.Errorf("asyncvet: %v", res.AnalyzerErrors)
	}
	var out []Finding
	for _, f := range res.Findings {
		out = append(out, Finding{Check: f.Analyzer, File: filepath.Base(f.File), Line: f.Line, Col: f.Col, Message: f.Message})
	}
	return out, nil
}

// InDefaultProfile keeps the findings of the analyzers of the default
// profile.
func InDefaultProfile(fs []Finding) []Finding {
	def := map[string]bool{}
	for _, a := range registry.InProfile(registry.Default) {
		def[a.Name] = true
	}
	var out []Finding
	for _, f := range fs {
		if def[f.Check] {
			out = append(out, f)
		}
	}
	return out
}

var posn = regexp.MustCompile(`^(.*):(\d+):(\d+)$`)

// GoVet runs `go vet -json` (its default analyzers) over the kernels.
func GoVet(ctx context.Context, dir string) ([]Finding, error) {
	cmd := exec.CommandContext(ctx, "go", "vet", "-json", ".")
	cmd.Dir = dir
	cmd.Env = goEnv()
	var stderr bytes.Buffer
	cmd.Stdout = &stderr
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go vet: %w\n%s", err, stderr.String())
	}
	// The output is a "# package" line, then a JSON object
	// {"pkg": {"analyzer": [{"posn": "file:line:col", "message": ...}]}}.
	var body bytes.Buffer
	sc := bufio.NewScanner(&stderr)
	for sc.Scan() {
		if !strings.HasPrefix(sc.Text(), "#") {
			body.WriteString(sc.Text() + "\n")
		}
	}
	dec := json.NewDecoder(&body)
	var out []Finding
	for dec.More() {
		var obj map[string]map[string]json.RawMessage
		if err := dec.Decode(&obj); err != nil {
			return nil, fmt.Errorf("go vet output: %w", err)
		}
		for _, byAnalyzer := range obj {
			for name, raw := range byAnalyzer {
				var diags []struct {
					Posn    string `json:"posn"`
					Message string `json:"message"`
				}
				if err := json.Unmarshal(raw, &diags); err != nil {
					continue // an analyzer's error object: {"error": ...}
				}
				for _, d := range diags {
					m := posn.FindStringSubmatch(d.Posn)
					if m == nil {
						continue
					}
					line, _ := strconv.Atoi(m[2])
					col, _ := strconv.Atoi(m[3])
					out = append(out, Finding{Check: name, File: filepath.Base(m[1]), Line: line, Col: col, Message: d.Message})
				}
			}
		}
	}
	return out, nil
}

// BuildStaticcheck builds the staticcheck pinned by the nested module in
// toolsDir into binDir and returns its path and version.
func BuildStaticcheck(ctx context.Context, toolsDir, binDir string) (string, string, error) {
	bin := filepath.Join(binDir, "staticcheck")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "honnef.co/go/tools/cmd/staticcheck")
	cmd.Dir = toolsDir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=readonly")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("build staticcheck: %w\n%s", err, out)
	}
	v, err := exec.CommandContext(ctx, bin, "-version").Output()
	if err != nil {
		return "", "", fmt.Errorf("staticcheck -version: %w", err)
	}
	return bin, strings.TrimSpace(string(v)), nil
}

// Staticcheck runs staticcheck (its default checks) over the kernels.
func Staticcheck(ctx context.Context, bin, dir string) ([]Finding, error) {
	cmd := exec.CommandContext(ctx, bin, "-f", "json", ".")
	cmd.Dir = dir
	cmd.Env = goEnv()
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	// staticcheck exits 1 when it finds something.
	if err := cmd.Run(); err != nil && stdout.Len() == 0 {
		return nil, fmt.Errorf("staticcheck: %w\n%s", err, stderr.String())
	}
	var out []Finding
	dec := json.NewDecoder(&stdout)
	for dec.More() {
		var d struct {
			Code     string `json:"code"`
			Severity string `json:"severity"`
			Location struct {
				File   string `json:"file"`
				Line   int    `json:"line"`
				Column int    `json:"column"`
			} `json:"location"`
			Message string `json:"message"`
		}
		if err := dec.Decode(&d); err != nil {
			return nil, fmt.Errorf("staticcheck output: %w", err)
		}
		if d.Code == "compile" || d.Location.File == "" {
			continue
		}
		out = append(out, Finding{Check: d.Code, File: filepath.Base(d.Location.File), Line: d.Location.Line, Col: d.Location.Column, Message: d.Message})
	}
	return out, nil
}
