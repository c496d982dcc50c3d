package lockorder

import (
	_ "embed"
	"fmt"
	"go/token"
	"sort"
	"strings"

	"golang.org/x/tools/go/analysis"

	"github.com/asyncbook/asyncbook/analyzers/internal/analysisutil"
	"github.com/asyncbook/asyncbook/analyzers/internal/lockfacts"
)

//go:embed doc.go
var doc string

// Analyzer reports a cycle in the order a package takes its locks.
var Analyzer = &analysis.Analyzer{
	Name:             "lockorder",
	Doc:              analysisutil.MustExtractDoc(doc, "lockorder"),
	URL:              analysisutil.URL("lockorder"),
	Requires:         []*analysis.Analyzer{lockfacts.Analyzer},
	RunDespiteErrors: true,
	Run:              run,
}

// catCycle is the sub-check key, used as the diagnostic category and docs anchor.
const catCycle = "lock-order-cycle"

// edge is the first place where the package takes To while holding From.
type edge struct {
	From, To string
	Pos, End token.Pos // the acquisition of To
	HeldAt   token.Pos // the acquisition of From
	ToName   string
	FromName string
	Via      string // the function called, if through a call
	Where    string
	ReadOnly bool // both are read locks
}

func run(pass *analysis.Pass) (any, error) {
	if !analysisutil.Touches(pass, "sync") {
		return nil, nil
	}
	res, ok := pass.ResultOf[lockfacts.Analyzer].(*lockfacts.Result)
	if !ok {
		return nil, nil
	}
	edges := map[[2]string]*edge{}
	out := map[string][]string{}
	for _, f := range res.Funcs {
		for _, acq := range f.Acquires {
			if acq.Class == "" {
				continue
			}
			for _, h := range acq.Held {
				if h.Class == "" || h.Class == acq.Class || !h.Status.MustHeld() {
					continue
				}
				id := [2]string{h.Class, acq.Class}
				if _, ok := edges[id]; ok {
					continue
				}
				e := &edge{
					From: h.Class, To: acq.Class, Pos: acq.Pos, End: acq.End, HeldAt: h.Status.Site,
					ToName: acq.Name, FromName: h.Status.Name, Where: acq.Where,
					ReadOnly: h.Key.Read && acq.Key.Read,
				}
				if e.ToName == "" {
					e.ToName = lockfacts.ShortClass(acq.Class)
				}
				if acq.Via != nil {
					e.Via = acq.Via.Name()
				}
				edges[id] = e
				out[h.Class] = append(out[h.Class], acq.Class)
			}
		}
	}
	var ids [][2]string
	for id := range edges {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return edges[ids[i]].Pos < edges[ids[j]].Pos })
	seen := map[string]bool{}
	for _, id := range ids {
		cycle := shortestCycle(out, id[0], id[1])
		if cycle == nil {
			continue
		}
		var es []*edge
		readOnly := true
		for i := range cycle {
			e := edges[[2]string{cycle[i], cycle[(i+1)%len(cycle)]}]
			es = append(es, e)
			readOnly = readOnly && e.ReadOnly
		}
		sorted := append([]string(nil), cycle...)
		sort.Strings(sorted)
		canon := strings.Join(sorted, " ")
		if seen[canon] || readOnly {
			continue
		}
		seen[canon] = true
		report(pass, es)
	}
	return nil, nil
}

// shortestCycle returns the classes of a shortest cycle through the edge
// from → to (from first), or nil.
func shortestCycle(out map[string][]string, from, to string) []string {
	prev := map[string]string{to: ""}
	queue := []string{to}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if n == from {
			var path []string
			for m := from; m != ""; m = prev[m] {
				path = append(path, m)
			}
			// path is from ... to reversed: from, ..., to
			cycle := []string{from}
			for i := len(path) - 1; i >= 1; i-- {
				cycle = append(cycle, path[i])
			}
			return cycle
		}
		for _, s := range out[n] {
			if _, ok := prev[s]; !ok {
				prev[s] = n
				queue = append(queue, s)
			}
		}
	}
	return nil
}

func describe(pass *analysis.Pass, e *edge) string {
	s := fmt.Sprintf("%s taken while holding %s (line %d)", lockfacts.ShortClass(e.To), lockfacts.ShortClass(e.From), pass.Fset.Position(e.HeldAt).Line)
	if e.Via != "" {
		s += fmt.Sprintf(" through %s (%s)", e.Via, e.Where)
	}
	return s
}

func report(pass *analysis.Pass, es []*edge) {
	first := es[0]
	var order []string
	for _, e := range es {
		order = append(order, lockfacts.ShortClass(e.From))
	}
	order = append(order, lockfacts.ShortClass(first.From))
	var others []string
	var related []analysis.RelatedInformation
	for _, e := range es[1:] {
		p := pass.Fset.Position(e.Pos)
		others = append(others, fmt.Sprintf("%s at line %d", describe(pass, e), p.Line))
		related = append(related, analysis.RelatedInformation{Pos: e.Pos, End: e.End, Message: describe(pass, e)})
	}
	related = append(related, analysis.RelatedInformation{Pos: first.HeldAt, Message: lockfacts.ShortClass(first.From) + " locked here"})
	pass.Report(analysis.Diagnostic{
		Pos:      first.Pos,
		End:      first.End,
		Category: catCycle,
		Message: fmt.Sprintf("lock order cycle %s: %s here, but %s; two goroutines taking them at once deadlock",
			strings.Join(order, " → "), describe(pass, first), strings.Join(others, "; ")),
		Related: related,
	})
}
