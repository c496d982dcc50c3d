package workbook

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"go/format"
	"text/template"

	"github.com/asyncbook/asyncbook/exercises/suite"
)

// The grading harness is an external test package (practice_test) beside
// the submission: the submission cannot name anything it declares. It reads
// a per-run key from descriptor 4 (a pipe the grader fills and closes), runs
// the property suite and the speedup, finds leaked goroutines itself
// (goleak.Find, not text on stderr), and writes one line to descriptor 3 (a
// pipe only the grader reads): the HMAC-SHA256 of the report under the key,
// a space, the report as JSON. The submission's allowed imports cannot reach
// a descriptor; whatever else it prints or writes is not signed.
const (
	harnessReportFD = 3
	harnessKeyFD    = 4
	harnessTest     = "TestGrade"
	harnessFile     = "grade_harness_test.go"
)

var harnessTemplate = template.Must(template.New("harness").Parse(`package practice_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"testing"
	"time"

	"go.uber.org/goleak"

	exercise {{printf "%q" .Exercise}}
	"github.com/asyncbook/asyncbook/exercises/suite"
	submission {{printf "%q" .Submission}}
)

type gradeReport struct {
	Exercise string               ` + "`json:\"exercise\"`" + `
	Ran      bool                 ` + "`json:\"ran\"`" + `
	Code     int                  ` + "`json:\"code\"`" + `
	Results  []suite.Result       ` + "`json:\"results\"`" + `
	Leaks    string               ` + "`json:\"leaks\"`" + `
	Speedup  *suite.SpeedupReport ` + "`json:\"speedup\"`" + `
}

var graded gradeReport

func TestMain(m *testing.M) {
	keyFile := os.NewFile({{.KeyFD}}, "grade-key")
	key, _ := io.ReadAll(io.LimitReader(keyFile, 1024))
	keyFile.Close()
	out := os.NewFile({{.ReportFD}}, "grade-report")
	code := m.Run()
	graded.Exercise = {{printf "%q" .Slug}}
	graded.Code = code
	if err := goleak.Find(); err != nil {
		graded.Leaks = err.Error()
		if code == 0 {
			code = 1
		}
	}
	graded.Code = code
	payload, err := json.Marshal(graded)
	if err != nil {
		os.Exit(3)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write(payload)
	if _, err := out.Write([]byte(hex.EncodeToString(mac.Sum(nil)) + " " + string(payload) + "\n")); err != nil {
		os.Exit(3)
	}
	out.Close()
	os.Exit(code)
}

func {{.Test}}(t *testing.T) {
	graded.Ran = true
	graded.Results = exercise.Suite().Run(t, submission.Solve)
	if t.Failed() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sp := &suite.SpeedupReport{Ideal: exercise.IdealSpeedup}
	if measured, err := suite.Speedup[exercise.Impl](ctx, exercise.Sequential, submission.Solve, exercise.Workload); err != nil {
		sp.Error = err.Error()
	} else {
		sp.Measured = measured
	}
	graded.Speedup = sp
}
`))

// namesTemplate is a program, built from the fresh copy without the
// submission, that prints the suite's property names: the list a complete
// report must match.
var namesTemplate = template.Must(template.New("names").Parse(`package main

import (
	"fmt"

	exercise {{printf "%q" .Exercise}}
)

func main() {
	for _, p := range exercise.Suite().Properties {
		fmt.Println(p.Name)
	}
}
`))

func renderHarness(t *template.Template, e *Exercise, submissionPath string) ([]byte, error) {
	var buf bytes.Buffer
	err := t.Execute(&buf, map[string]any{
		"Exercise": ImportPath(e), "Submission": submissionPath, "Slug": e.Info.Slug,
		"KeyFD": harnessKeyFD, "ReportFD": harnessReportFD, "Test": harnessTest,
	})
	if err != nil {
		return nil, fmt.Errorf("render grading harness: %w", err)
	}
	return format.Source(buf.Bytes())
}

// harnessReport is what the harness signs.
type harnessReport struct {
	Exercise string               `json:"exercise"`
	Ran      bool                 `json:"ran"`
	Code     int                  `json:"code"`
	Results  []suite.Result       `json:"results"`
	Leaks    string               `json:"leaks"`
	Speedup  *suite.SpeedupReport `json:"speedup"`
}

// Why a report channel's content is not accepted.
var (
	errNoReport     = errors.New("the harness sent no report")
	errForgedReport = errors.New("the report channel carried data the harness did not sign")
)

// readReport checks what came over the report channel: exactly one line,
// signed with key.
func readReport(data, key []byte) (*harnessReport, error) {
	if len(data) == 0 {
		return nil, errNoReport
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, len(data)+1)
	if !sc.Scan() {
		return nil, errForgedReport
	}
	line := sc.Bytes()
	if len(data) != len(line)+1 || data[len(data)-1] != '\n' {
		return nil, errForgedReport
	}
	sig, payload, ok := bytes.Cut(line, []byte(" "))
	if !ok {
		return nil, errForgedReport
	}
	got, err := hex.DecodeString(string(sig))
	if err != nil {
		return nil, errForgedReport
	}
	mac := hmac.New(sha256.New, key)
	mac.Write(payload)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return nil, errForgedReport
	}
	var r harnessReport
	if err := json.Unmarshal(payload, &r); err != nil {
		return nil, errForgedReport
	}
	return &r, nil
}

// missingProperties returns the names of want that results does not hold
// exactly once, and the results that are not in want.
func missingProperties(results []suite.Result, want []string) (missing, extra []string) {
	count := map[string]int{}
	for _, r := range results {
		count[r.Property]++
	}
	wanted := map[string]bool{}
	for _, n := range want {
		wanted[n] = true
		if count[n] != 1 {
			missing = append(missing, n)
		}
	}
	for _, r := range results {
		if !wanted[r.Property] {
			extra = append(extra, r.Property)
		}
	}
	return missing, extra
}
