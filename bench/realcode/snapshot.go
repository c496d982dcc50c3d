package realcode

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// The snapshot (findings.tsv) is the benchmark's last full run: the findings
// with the digest of the analyzers that found them. A full run analyses 24
// modules and std, over ten minutes whenever an analyzer changes; the test
// reads the snapshot instead, and refuses one the analyzers have outgrown.

// SnapshotFile is where -report writes the findings it rendered.
func (b Bench) SnapshotFile() string { return filepath.Join(b.Dir, "findings.tsv") }

const snapshotDigest = "# analyzers "

// AnalyzersDigest hashes what decides asyncvet's findings: the module's
// go.mod and go.sum and the Go files of analyzers/ and cmd/asyncvet,
// without tests and test data.
func AnalyzersDigest(repo string) (string, error) {
	var files []string
	for _, dir := range []string{"analyzers", filepath.Join("cmd", "asyncvet")} {
		err := filepath.WalkDir(filepath.Join(repo, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && (d.Name() == "testdata" || d.Name() == "corpus") {
				return filepath.SkipDir
			}
			if !d.IsDir() && strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return "", fmt.Errorf("analyzers digest: %w", err)
		}
	}
	sort.Strings(files)
	files = append([]string{filepath.Join(repo, "go.mod"), filepath.Join(repo, "go.sum")}, files...)
	h := sha256.New()
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return "", fmt.Errorf("analyzers digest: %w", err)
		}
		rel, _ := filepath.Rel(repo, f)
		fmt.Fprintf(h, "%s %d\n", filepath.ToSlash(rel), len(data))
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// WriteSnapshot writes findings as findings.tsv under digest.
func WriteSnapshot(w io.Writer, digest string, findings []Finding) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "# The real-code benchmark's findings, as bash bench/realcode/run.sh last found them")
	fmt.Fprintln(bw, "# (go test ./bench/realcode reads this file; it refuses it when the analyzers changed since).")
	fmt.Fprintln(bw, snapshotDigest+digest)
	fmt.Fprintln(bw, "# module\tfile\tline\tanalyzer\tmessage")
	for _, f := range findings {
		msg := strings.NewReplacer("\t", " ", "\n", " ").Replace(f.Message)
		fmt.Fprintf(bw, "%s\t%s\t%d\t%s\t%s\n", f.Module, f.File, f.Line, f.Analyzer, msg)
	}
	return bw.Flush()
}

// ReadSnapshot reads findings.tsv: its digest and findings.
func ReadSnapshot(path string) (digest string, findings []Finding, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", nil, err
	}
	for i, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		if d, ok := strings.CutPrefix(line, snapshotDigest); ok {
			digest = strings.TrimSpace(d)
			continue
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Split(line, "\t")
		if len(fields) != 5 {
			return "", nil, fmt.Errorf("%s:%d: want 5 tab-separated fields, got %d", path, i+1, len(fields))
		}
		n, err := strconv.Atoi(fields[2])
		if err != nil {
			return "", nil, fmt.Errorf("%s:%d: line %q: %w", path, i+1, fields[2], err)
		}
		findings = append(findings, Finding{Module: fields[0], File: fields[1], Line: n, Analyzer: fields[3], Message: fields[4]})
	}
	if digest == "" {
		return "", nil, fmt.Errorf("%s: no %q line", path, strings.TrimSpace(snapshotDigest))
	}
	return digest, findings, nil
}
