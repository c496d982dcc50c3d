// Package emit writes problems the way CI systems ingest them: GitHub
// Actions workflow commands (annotations on the changed lines of a pull
// request), GitLab's code-quality report, and a Markdown summary for a job
// page.
package emit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/asyncbook/asyncbook/editors/ci/report"
)

// GitHub prints one workflow command per problem, such as
//
//	::warning file=pkg/a.go,line=9,endLine=9,col=7,endColumn=24,title=asyncvet timerstop::ticker t is never stopped…
//
// which the Actions runner turns into an annotation on that line.
func GitHub(w io.Writer, problems []report.Problem) error {
	for _, p := range problems {
		var props []string
		if p.File != "" {
			props = append(props, "file="+escapeProperty(p.File))
			if p.Line > 0 {
				props = append(props, "line="+strconv.Itoa(p.Line))
				end := max(p.EndLine, p.Line)
				props = append(props, "endLine="+strconv.Itoa(end))
				// Columns only mean something on a one-line annotation.
				if p.Col > 0 && end == p.Line {
					props = append(props, "col="+strconv.Itoa(p.Col))
					if p.EndCol > p.Col {
						props = append(props, "endColumn="+strconv.Itoa(p.EndCol))
					}
				}
			}
		}
		if p.Title != "" {
			props = append(props, "title="+escapeProperty(p.Title))
		}
		cmd := "::" + p.Severity.String()
		if len(props) > 0 {
			cmd += " " + strings.Join(props, ",")
		}
		if _, err := fmt.Fprintf(w, "%s::%s\n", cmd, escapeData(message(p))); err != nil {
			return fmt.Errorf("write workflow command: %w", err)
		}
	}
	return nil
}

// message is the problem's text with its documentation link.
func message(p report.Problem) string {
	if p.URL == "" {
		return p.Message
	}
	return p.Message + "\nSee " + p.URL
}

// escapeData escapes a workflow command's message as the Actions toolkit
// does.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a workflow command's property value: also ':' and
// ',', which delimit properties.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// codeQuality is one issue of a GitLab code-quality report, the subset of
// the Code Climate issue format GitLab reads.
type codeQuality struct {
	Type        string   `json:"type"`
	CheckName   string   `json:"check_name"`
	Description string   `json:"description"`
	Categories  []string `json:"categories"`
	Severity    string   `json:"severity"`
	Fingerprint string   `json:"fingerprint"`
	Location    struct {
		Path  string `json:"path"`
		Lines struct {
			Begin int `json:"begin"`
			End   int `json:"end,omitempty"`
		} `json:"lines"`
	} `json:"location"`
}

// GitLab writes a code-quality report (a JSON array) for
// `artifacts:reports:codequality`. GitLab needs a path and a line for every
// issue, so problems without a place are left out and returned, for the
// caller to print.
func GitLab(w io.Writer, problems []report.Problem) (unplaced []report.Problem, err error) {
	issues := []codeQuality{}
	seen := map[string]int{}
	for _, p := range problems {
		if p.File == "" {
			unplaced = append(unplaced, p)
			continue
		}
		var q codeQuality
		q.Type = "issue"
		q.CheckName = checkName(p)
		q.Description = p.Message
		if p.URL != "" {
			q.Description += " (" + p.URL + ")"
		}
		q.Categories = []string{"Bug Risk"}
		q.Severity = map[report.Severity]string{report.Notice: "info", report.Warning: "minor", report.Error: "major"}[p.Severity]
		q.Location.Path = p.File
		q.Location.Lines.Begin = max(p.Line, 1)
		if p.EndLine > q.Location.Lines.Begin {
			q.Location.Lines.End = p.EndLine
		}
		// The fingerprint leaves the line out, so that an issue keeps its
		// identity when an edit above it moves it, and counts repeats of the
		// same issue in a file, so that each stays unique.
		key := strings.Join([]string{q.CheckName, p.File, p.Message}, "\x00")
		seen[key]++
		sum := sha256.Sum256([]byte(key + "\x00" + strconv.Itoa(seen[key])))
		q.Fingerprint = hex.EncodeToString(sum[:16])
		issues = append(issues, q)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(issues); err != nil {
		return unplaced, fmt.Errorf("write code-quality report: %w", err)
	}
	return unplaced, nil
}

func checkName(p report.Problem) string {
	tool := strings.Fields(p.Tool)
	if len(tool) == 0 {
		return p.Rule
	}
	return tool[0] + "/" + p.Rule
}
