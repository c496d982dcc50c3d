package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/asyncbook/asyncbook/analyzers/registry"
)

// vetDiagnostic is one entry of go vet's -json tree, as asyncvet -json and
// go vet -json -vettool=asyncvet print it.
type vetDiagnostic struct {
	Category string `json:"category"`
	Posn     string `json:"posn"`
	End      string `json:"end"`
	Message  string `json:"message"`
	URL      string `json:"url"`
}

// readVetJSON reads one or more {"pkg": {"analyzer": [diagnostic...]}}
// objects. An analyzer's entry may instead be {"error": "..."} when it
// failed on the package: that becomes a problem without a place.
func readVetJSON(data []byte, opts Options) (*Report, error) {
	rep := &Report{Kind: KindVetJSON}
	dec := json.NewDecoder(bytes.NewReader(stripComments(data)))
	for {
		var tree map[string]map[string]json.RawMessage
		err := dec.Decode(&tree)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read asyncvet -json output: %w", err)
		}
		for pkg, byAnalyzer := range tree {
			for analyzer, raw := range byAnalyzer {
				var diags []vetDiagnostic
				if err := json.Unmarshal(raw, &diags); err != nil {
					var failed struct {
						Error string `json:"error"`
					}
					if json.Unmarshal(raw, &failed) != nil || failed.Error == "" {
						return nil, fmt.Errorf("read asyncvet -json output: %s in %s: neither diagnostics nor an error: %s", analyzer, pkg, raw)
					}
					rep.Problems = append(rep.Problems, Problem{
						Tool: "asyncvet", Rule: analyzer, Severity: Error,
						Title:   "asyncvet " + analyzer + " failed",
						Message: fmt.Sprintf("%s failed on %s: %s", analyzer, pkg, failed.Error),
					})
					continue
				}
				for _, d := range diags {
					if d.URL == "" {
						// go vet's JSON leaves the URL out; the suite knows it.
						if a := registry.Lookup(analyzer); a != nil {
							d.URL = a.URL
						}
					}
					p := Problem{Tool: "asyncvet", Rule: analyzer, Severity: Warning, Title: "asyncvet " + analyzer, Message: d.Message, URL: d.URL}
					file, line, col := splitPosn(d.Posn)
					p.File, p.Line, p.Col = relPath(opts.Root, file), line, col
					if endFile, endLine, endCol := splitPosn(d.End); endFile == file && endLine > 0 {
						p.EndLine, p.EndCol = endLine, endCol
					}
					rep.Problems = append(rep.Problems, p)
				}
			}
		}
	}
	sortProblems(rep.Problems)
	return rep, nil
}

// splitPosn splits "file:line:col" (or "file:line"), reading the numbers
// from the right so that file names may hold colons.
func splitPosn(posn string) (file string, line, col int) {
	rest := posn
	var nums []int
	for range 2 {
		i := strings.LastIndexByte(rest, ':')
		if i < 0 {
			break
		}
		n, err := strconv.Atoi(rest[i+1:])
		if err != nil {
			break
		}
		nums = append([]int{n}, nums...)
		rest = rest[:i]
	}
	switch len(nums) {
	case 2:
		return rest, nums[0], nums[1]
	case 1:
		return rest, nums[0], 0
	}
	return posn, 0, 0
}

// sarifLog is the part of a SARIF 2.1.0 log that locates results.
type sarifLog struct {
	Runs []struct {
		Tool struct {
			Driver struct {
				Name  string `json:"name"`
				Rules []struct {
					ID      string `json:"id"`
					HelpURI string `json:"helpUri"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		OriginalURIBaseIDs map[string]struct {
			URI string `json:"uri"`
		} `json:"originalUriBaseIds"`
		Results []struct {
			RuleID  string `json:"ruleId"`
			Level   string `json:"level"`
			Message struct {
				Text string `json:"text"`
			} `json:"message"`
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct {
						URI       string `json:"uri"`
						URIBaseID string `json:"uriBaseId"`
					} `json:"artifactLocation"`
					Region struct {
						StartLine   int `json:"startLine"`
						StartColumn int `json:"startColumn"`
						EndLine     int `json:"endLine"`
						EndColumn   int `json:"endColumn"`
					} `json:"region"`
				} `json:"physicalLocation"`
			} `json:"locations"`
		} `json:"results"`
	} `json:"runs"`
}

// readSARIF reads a SARIF 2.1.0 log such as asyncvet -sarif writes.
// Columns stay as SARIF gives them (UTF-16 code units).
func readSARIF(data []byte, opts Options) (*Report, error) {
	var log sarifLog
	if err := json.Unmarshal(data, &log); err != nil {
		return nil, fmt.Errorf("read SARIF log: %w", err)
	}
	rep := &Report{Kind: KindSARIF}
	for _, run := range log.Runs {
		tool := run.Tool.Driver.Name
		help := map[string]string{}
		for _, r := range run.Tool.Driver.Rules {
			help[r.ID] = r.HelpURI
		}
		for _, res := range run.Results {
			p := Problem{Tool: tool, Rule: res.RuleID, Severity: sarifSeverity(res.Level), Title: strings.TrimSpace(tool + " " + res.RuleID), Message: res.Message.Text, URL: help[res.RuleID]}
			if len(res.Locations) > 0 {
				loc := res.Locations[0].PhysicalLocation
				file, err := sarifFile(loc.ArtifactLocation.URI, loc.ArtifactLocation.URIBaseID, run.OriginalURIBaseIDs)
				if err != nil {
					return nil, fmt.Errorf("read SARIF log: result of %s: %w", res.RuleID, err)
				}
				p.File = relPath(opts.Root, file)
				p.Line, p.Col = loc.Region.StartLine, loc.Region.StartColumn
				p.EndLine, p.EndCol = loc.Region.EndLine, loc.Region.EndColumn
			}
			rep.Problems = append(rep.Problems, p)
		}
	}
	sortProblems(rep.Problems)
	return rep, nil
}

func sarifSeverity(level string) Severity {
	switch level {
	case "error":
		return Error
	case "note", "none":
		return Notice
	}
	return Warning // SARIF's default level
}

// sarifFile resolves an artifact URI against its base, returning a local
// path: absolute when the base is known, else as the URI gives it.
func sarifFile(uri, baseID string, bases map[string]struct {
	URI string `json:"uri"`
}) (string, error) {
	if baseID != "" {
		if base, ok := bases[baseID]; ok && base.URI != "" {
			uri = strings.TrimSuffix(base.URI, "/") + "/" + uri
		}
	}
	if !strings.HasPrefix(uri, "file:") {
		p, err := url.PathUnescape(uri)
		if err != nil {
			return "", fmt.Errorf("artifact uri %q: %w", uri, err)
		}
		return filepath.FromSlash(p), nil
	}
	u, err := url.Parse(uri)
	if err != nil {
		return "", fmt.Errorf("artifact uri %q: %w", uri, err)
	}
	return filepath.FromSlash(u.Path), nil
}

func sortProblems(ps []Problem) {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i], ps[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Col != b.Col {
			return a.Col < b.Col
		}
		return a.Rule < b.Rule
	})
}
