package wgmisuse

import (
	"bytes"
	"go/ast"
	"go/token"

	"golang.org/x/tools/go/analysis"
)

// source is the text of one file, for building suggested fixes.
type source struct {
	tf      *token.File
	content []byte
}

// source returns the text of the file holding pos, or nil when it cannot be
// read or does not match what was parsed (then no fix is offered).
func (c *checker) source(pos token.Pos) *source {
	tf := c.pass.Fset.File(pos)
	if tf == nil {
		return nil
	}
	if s, ok := c.files[tf]; ok {
		return s
	}
	var s *source
	if c.pass.ReadFile != nil {
		if content, err := c.pass.ReadFile(tf.Name()); err == nil && len(content) == tf.Size() {
			s = &source{tf: tf, content: content}
		}
	}
	c.files[tf] = s
	return s
}

func (s *source) offset(pos token.Pos) int { return s.tf.Offset(pos) }

// text returns the source text of n.
func (s *source) text(n ast.Node) string {
	return string(s.content[s.offset(n.Pos()):s.offset(n.End())])
}

// indent returns the white space between the start of pos's line and pos,
// and whether only white space precedes pos on its line.
func (s *source) indent(pos token.Pos) (string, bool) {
	start := s.offset(s.tf.LineStart(s.tf.Line(pos)))
	prefix := s.content[start:s.offset(pos)]
	if len(bytes.TrimLeft(prefix, " \t")) != 0 {
		return "", false
	}
	return string(prefix), true
}

// insertStmt returns an edit inserting stmt as a statement just before the
// statement that starts at pos.
func (s *source) insertStmt(pos token.Pos, stmt string) analysis.TextEdit {
	text := stmt + "; "
	if ind, ok := s.indent(pos); ok {
		text = stmt + "\n" + ind
	}
	return analysis.TextEdit{Pos: pos, End: pos, NewText: []byte(text)}
}

// deleteStmt returns an edit removing stmt: its whole line when it stands
// alone on it, else just its text.
func (s *source) deleteStmt(stmt ast.Stmt) analysis.TextEdit {
	start, end := s.offset(stmt.Pos()), s.offset(stmt.End())
	lineStart := s.offset(s.tf.LineStart(s.tf.Line(stmt.Pos())))
	rest := s.content[end:]
	nl := bytes.IndexByte(rest, '\n')
	if _, alone := s.indent(stmt.Pos()); alone && nl >= 0 && len(bytes.TrimSpace(rest[:nl])) == 0 {
		return analysis.TextEdit{
			Pos: s.tf.Pos(lineStart),
			End: s.tf.Pos(end + nl + 1),
		}
	}
	if len(rest) > 0 && rest[0] == ';' {
		end++
	}
	return analysis.TextEdit{Pos: s.tf.Pos(start), End: s.tf.Pos(end)}
}

// insertAfter returns an edit inserting stmt as a statement just after the
// statement n, on a line of its own at n's indentation.
func (s *source) insertAfter(n ast.Node, stmt string) analysis.TextEdit {
	ind, ok := s.indent(n.Pos())
	text := "; " + stmt
	if ok {
		text = "\n" + ind + stmt
	}
	return analysis.TextEdit{Pos: n.End(), End: n.End(), NewText: []byte(text)}
}
