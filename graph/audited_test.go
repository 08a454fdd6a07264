package graph_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// TestEveryGraphWriteIsAudited enforces, from the source, the rule the audit log rests on
// (ad/audited_test.go does the same for LDAP): every request that changes Entra ID leaves
// from inside a function passed to c.change or c.trail.Do, which record the intent before
// and the outcome after, or from a helper that only such functions reach. A write sent
// anywhere else fails here, and so does a write request the test cannot follow to its send.
func TestEveryGraphWriteIsAudited(t *testing.T) {
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	srcs := map[string]string{}
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		srcs[name] = string(b)
	}
	r := checkGraphWrites(t, srcs)
	for _, f := range r.unaudited {
		t.Errorf("%s: in %s, %s %s", f.pos, f.fn, f.expr, f.why)
	}
	t.Logf("%d builder writes, %d write requests built, %d sends of write requests", r.builder, r.built, r.sent)
	if r.builder == 0 || r.built == 0 || r.sent == 0 {
		t.Fatal("found no Graph writes of some kind (builder call, request built, request sent): the test no longer sees the code it guards")
	}
}

// TestEveryGraphWriteIsAuditedCatchesAViolation: the rule sees a write outside the audit trail
// made directly, through a helper also called outside it, through a builder held in a
// variable, in a goroutine, as a write request sent in a $batch (also through a function
// that can run it outside trail.Do) or straight through the adapter, and one built but never
// followed to a send; the audited forms and reads pass.
func TestEveryGraphWriteIsAuditedCatchesAViolation(t *testing.T) {
	const src = `package graph
import (
	"context"
	"slices"

	abstractions "github.com/microsoft/kiota-abstractions-go"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"
)
func (c *Client) direct(ctx context.Context) { c.usersAPI().ByUserId("a").Patch(ctx, nil, nil) }
func (c *Client) deleteIt(ctx context.Context) error { return c.usersAPI().ByUserId("a").Delete(ctx, nil) }
func (c *Client) viaHelper(ctx context.Context) { c.deleteIt(ctx) }
func (c *Client) viaVar(ctx context.Context) { b := c.usersAPI().ByUserId("a"); b.Patch(ctx, nil, nil) }
func (c *Client) batchOutside(ctx context.Context) {
	ri, _ := c.usersAPI().ByUserId("a").ToDeleteRequestInformation(ctx, nil)
	c.sendAll(ctx, []*abstractions.RequestInformation{ri})
}
func (c *Client) rawOutside(ctx context.Context) {
	ri := abstractions.NewRequestInformation()
	ri.Method = abstractions.POST
	c.adapter.SendNoContent(ctx, ri, nil)
}
func (c *Client) viaNest(ctx context.Context) {
	ri, _ := c.usersAPI().ToPostRequestInformation(ctx, nil, nil)
	c.sendEach(ctx, nil, func(ctx context.Context) []error { c.sendAll(ctx, []*abstractions.RequestInformation{ri}); return nil })
}
func (c *Client) goroutine(ctx context.Context) error {
	return c.change(ctx, "user.delete", audit.Target{}, nil, func(ctx context.Context) error { go c.usersAPI().ByUserId("a").Delete(ctx, nil); return nil })
}
func (c *Client) lost(ctx context.Context) { ri, _ := c.usersAPI().ToPostRequestInformation(ctx, nil, nil); c.keep = append(c.keep, ri) }

func (c *Client) sendAll(ctx context.Context, reqs []*abstractions.RequestInformation) { c.batch(ctx, reqs) }
func (c *Client) batch(ctx context.Context, reqs []*abstractions.RequestInformation) {
	br := msgraphcore.NewBatchRequest(c.adapter)
	br.AddBatchRequestStep(*reqs[0])
	ri := abstractions.NewRequestInformation()
	ri.Method = abstractions.POST
	ri.UrlTemplate = "{+baseurl}/$batch"
	ri.SetContentFromParsable(ctx, c.adapter, "application/json", br)
	c.adapter.Send(ctx, ri, nil, nil)
}
func (c *Client) changeAll(ctx context.Context, op audit.Operation, send func(context.Context) []error) error {
	return c.trail.Do(ctx, op, func(ctx context.Context) error { send(ctx); return nil })
}
// sendEach, like changeAll before it was fixed, sends with no record when ops is empty.
func (c *Client) sendEach(ctx context.Context, ops []audit.Operation, send func(context.Context) []error) {
	var nest func(i int)
	nest = func(i int) {
		if i == len(ops) {
			send(ctx)
			return
		}
		c.trail.Do(ctx, ops[i], func(ctx context.Context) error { nest(i + 1); return nil })
	}
	nest(0)
}
func (c *Client) audited(ctx context.Context) error {
	ri, _ := c.usersAPI().ByUserId("a").ToPatchRequestInformation(ctx, nil, nil)
	c.changeAll(ctx, audit.Operation{}, func(ctx context.Context) []error { c.sendAll(ctx, []*abstractions.RequestInformation{ri}); return nil })
	return c.change(ctx, "user.delete", audit.Target{}, nil, func(ctx context.Context) error {
		_, err := c.usersAPI().Post(ctx, nil, nil)
		return c.deleteIt(ctx)
	})
}
func (c *Client) reads(ctx context.Context) {
	ri, _ := c.usersAPI().ToGetRequestInformation(ctx, nil)
	c.batch(ctx, []*abstractions.RequestInformation{ri})
	c.usersAPI().Get(ctx, nil)
	slices.Delete(nil, 0, 0)
}
`
	r := checkGraphWrites(t, map[string]string{"violation.go": src})
	var got []string
	for _, f := range r.unaudited {
		got = append(got, f.fn+" "+f.expr)
	}
	sort.Strings(got)
	want := []string{
		"direct c.usersAPI().ByUserId().Patch",
		"deleteIt c.usersAPI().ByUserId().Delete",
		"viaVar b.Patch",
		"batchOutside c.sendAll()",
		"rawOutside c.adapter.SendNoContent()",
		"lost c.usersAPI().ToPostRequestInformation()",
		"viaNest c.sendAll()",
		"goroutine c.usersAPI().ByUserId().Delete",
	}
	sort.Strings(want)
	if strings.Join(got, "; ") != strings.Join(want, "; ") || r.builder != 5 || r.built != 5 || r.sent != 4 {
		t.Errorf("builder %d, built %d, sent %d, unaudited:\n%s\nwant 5, 5, 4 and:\n%s", r.builder, r.built, r.sent,
			strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A write is one of three things: a request builder's Post/Patch/Put/Delete (the SDK's
// one-call writes), a write request built (To…RequestInformation, a write Method), or that
// request being sent (through the adapter, in a $batch, or by a helper that passes it on).
// Values are followed by name within a function and through parameters, results and fields,
// loosely: a name that holds a write request anywhere in a function holds it everywhere in
// it, a field of such a value holds it too, and a call by name may run every method of that
// name. That only adds sends to check; the one thing it can loosen is the backstop that every
// request built reaches some send.

type finding struct {
	at                 token.Pos
	pos, fn, expr, why string
}

type graphWrites struct {
	builder, built, sent int
	unaudited            []finding
}

// where a piece of code runs, as far as its own function can tell.
type place int

const (
	audited   place = iota // inside a function literal that only the audit trail runs
	inBody                 // as part of its function's body: audited if every caller is
	unaudited              // somewhere else (a goroutine, a literal handed to unknown code)
)

type labels map[string]bool // "p0".. (parameter k's value) and "src@pos" (a write request built at pos)

type guard struct {
	fset    *token.FileSet
	parent  map[ast.Node]ast.Node
	file    map[ast.Node]*ast.File // of each function
	funcs   map[string][]*ast.FuncDecl
	methods map[string][]*ast.FuncDecl
	idents  map[string][]ast.Node // an identifier by name (not a selector's field)
	sels    map[string][]ast.Node // a selector by its field name
	vars    map[*ast.FuncDecl]map[string]labels
	ret     map[*ast.FuncDecl]labels       // "origin" when it returns a request it built
	carries map[*ast.FuncDecl]map[int]bool // parameters it sends to Graph
	senders map[*ast.FuncDecl]map[int]bool // … outside the audit trail
	sources map[string]ast.Node
	// Literals and functions being decided: met again, they count as audited (a cycle adds no
	// way in). Nothing is remembered after, since an answer found under that assumption may
	// not hold once the rest of the cycle is known.
	deciding map[ast.Node]bool
}

func checkGraphWrites(t *testing.T, srcs map[string]string) graphWrites {
	t.Helper()
	g := &guard{fset: token.NewFileSet(), parent: map[ast.Node]ast.Node{}, file: map[ast.Node]*ast.File{},
		funcs: map[string][]*ast.FuncDecl{}, methods: map[string][]*ast.FuncDecl{}, idents: map[string][]ast.Node{},
		sels: map[string][]ast.Node{}, vars: map[*ast.FuncDecl]map[string]labels{}, ret: map[*ast.FuncDecl]labels{},
		carries: map[*ast.FuncDecl]map[int]bool{}, senders: map[*ast.FuncDecl]map[int]bool{}, sources: map[string]ast.Node{}, deciding: map[ast.Node]bool{}}
	var decls []*ast.FuncDecl
	names := make([]string, 0, len(srcs))
	for name := range srcs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		f, err := parser.ParseFile(g.fset, name, srcs[name], 0)
		if err != nil {
			t.Fatal(err)
		}
		var stack []ast.Node
		ast.Inspect(f, func(n ast.Node) bool {
			if n == nil {
				stack = stack[:len(stack)-1]
				return false
			}
			if len(stack) > 0 {
				g.parent[n] = stack[len(stack)-1]
			}
			stack = append(stack, n)
			switch n := n.(type) {
			case *ast.FuncDecl:
				if n.Body == nil {
					return false
				}
				decls = append(decls, n)
				g.file[n] = f
				g.vars[n], g.ret[n], g.carries[n], g.senders[n] = map[string]labels{}, labels{}, map[int]bool{}, map[int]bool{}
				for k, p := range params(n.Type) {
					g.vars[n][p] = labels{"p" + strconv.Itoa(k): true}
				}
				if n.Recv != nil {
					g.methods[n.Name.Name] = append(g.methods[n.Name.Name], n)
				} else {
					g.funcs[n.Name.Name] = append(g.funcs[n.Name.Name], n)
				}
			case *ast.SelectorExpr:
				g.sels[n.Sel.Name] = append(g.sels[n.Sel.Name], n)
			case *ast.Ident:
				switch p := stack[len(stack)-2].(type) {
				case *ast.SelectorExpr:
					if p.Sel == n {
						return true
					}
				case *ast.FuncDecl:
					if p.Name == n {
						return true
					}
				}
				g.idents[n.Name] = append(g.idents[n.Name], n)
			}
			return true
		})
	}
	// What flows where, then which functions send a parameter outside the audit trail:
	// both to a fixed point, since each function's answer feeds its callers'.
	for changed := true; changed; {
		changed = false
		for _, d := range decls {
			changed = g.flow(d) || changed
		}
	}
	for changed := true; changed; {
		changed = false
		for _, d := range decls {
			ast.Inspect(d.Body, func(n ast.Node) bool {
				if call, ok := n.(*ast.CallExpr); ok {
					for l := range g.sent(d, call, g.carries) {
						if k, err := strconv.Atoi(strings.TrimPrefix(l, "p")); err == nil && !g.carries[d][k] {
							g.carries[d][k], changed = true, true
						}
					}
					for l := range g.sent(d, call, g.senders) {
						if k, err := strconv.Atoi(strings.TrimPrefix(l, "p")); err == nil && !g.senders[d][k] && g.where(call) != audited {
							g.senders[d][k], changed = true, true
						}
					}
				}
				return true
			})
		}
	}
	var r graphWrites
	reached := map[string]bool{}
	report := func(d *ast.FuncDecl, n ast.Node, expr, why string) {
		r.unaudited = append(r.unaudited, finding{n.Pos(), g.fset.Position(n.Pos()).String(), d.Name.Name, expr, why})
	}
	for _, d := range decls {
		ast.Inspect(d.Body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				if g.builderWrite(d, n) {
					r.builder++
					if !g.audited(n) {
						report(d, n, exprString(n), "changes Entra ID outside c.change / c.trail.Do: it would leave no audit record")
					}
				}
			case *ast.CallExpr:
				for l := range g.sent(d, n, g.carries) {
					reached[l] = true
				}
				writes := false
				for l := range g.sent(d, n, g.senders) {
					writes = writes || strings.HasPrefix(l, "src@")
				}
				if writes {
					r.sent++
					if !g.audited(n) {
						report(d, n, exprString(n), "sends a write request outside c.change / c.trail.Do: it would leave no audit record")
					}
				}
			case *ast.ReturnStmt:
				// Returned to a caller in the package, whose call is a source of its own.
				if g.outsideLiterals(n) && !ast.IsExported(d.Name.Name) {
					for _, e := range n.Results {
						for l := range g.exprLabels(d, e) {
							reached[l] = true
						}
					}
				}
			}
			return true
		})
	}
	for l, n := range g.sources {
		if _, producer := n.(*ast.CallExpr); !producer || !g.isProducerCall(n.(*ast.CallExpr)) {
			r.built++
		}
		if !reached[l] {
			report(g.declOf(n), n, exprString(n), "builds a write request that the test cannot follow to where it is sent")
		}
	}
	sort.Slice(r.unaudited, func(i, j int) bool { return r.unaudited[i].at < r.unaudited[j].at })
	return r
}

// flow adds what d's assignments, ranges, returns and batch-filling calls carry; it reports
// whether anything was added.
func (g *guard) flow(d *ast.FuncDecl) bool {
	vars, changed := g.vars[d], false
	add := func(name string, ls labels) {
		if name == "" {
			return
		}
		if vars[name] == nil {
			vars[name] = labels{}
		}
		for l := range ls {
			if !vars[name][l] {
				vars[name][l], changed = true, true
			}
		}
	}
	ast.Inspect(d.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			for i, lhs := range n.Lhs {
				var ls labels
				if len(n.Rhs) == len(n.Lhs) {
					ls = g.exprLabels(d, n.Rhs[i])
					// A request given a write method is a write request; a $batch envelope's
					// POST is not a change: the requests it carries are followed into it.
					if sel, ok := lhs.(*ast.SelectorExpr); ok && sel.Sel.Name == "Method" && g.writeMethodConst(d, n.Rhs[i]) && !g.batchEnvelope(d, base(sel.X)) {
						ls = union(ls, g.source(n))
					}
				} else if i == 0 { // ri, err := …: the value is the first result
					ls = g.exprLabels(d, n.Rhs[0])
				}
				add(base(lhs), ls)
			}
		case *ast.ValueSpec:
			for i, id := range n.Names {
				if len(n.Values) == len(n.Names) {
					add(id.Name, g.exprLabels(d, n.Values[i]))
				} else if i == 0 && len(n.Values) == 1 {
					add(id.Name, g.exprLabels(d, n.Values[0]))
				}
			}
		case *ast.RangeStmt:
			ls := g.exprLabels(d, n.X)
			if n.Key != nil {
				add(base(n.Key), ls)
			}
			if n.Value != nil {
				add(base(n.Value), ls)
			}
		case *ast.CallExpr:
			// A request put into a $batch or used as another request's content travels with it.
			if sel, ok := n.Fun.(*ast.SelectorExpr); ok && (strings.HasPrefix(sel.Sel.Name, "AddBatchRequestStep") || strings.HasPrefix(sel.Sel.Name, "SetContent") || strings.HasPrefix(sel.Sel.Name, "SetStreamContent")) {
				for _, a := range n.Args {
					add(base(sel.X), g.exprLabels(d, a))
				}
			}
		case *ast.ReturnStmt:
			if !g.outsideLiterals(n) {
				break
			}
			for _, e := range n.Results {
				for l := range g.exprLabels(d, e) {
					if strings.HasPrefix(l, "src@") {
						l = "origin"
					}
					if !g.ret[d][l] {
						g.ret[d][l], changed = true, true
					}
				}
			}
		}
		return true
	})
	return changed
}

// exprLabels is what the value of e may hold.
func (g *guard) exprLabels(d *ast.FuncDecl, e ast.Expr) labels {
	switch e := e.(type) {
	case *ast.Ident:
		return g.vars[d][e.Name]
	case *ast.CompositeLit:
		ls := labels{}
		for _, el := range e.Elts {
			if kv, ok := el.(*ast.KeyValueExpr); ok {
				if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "Method" && g.writeMethodConst(d, kv.Value) {
					ls = union(ls, g.source(e))
				}
				el = kv.Value
			}
			ls = union(ls, g.exprLabels(d, el))
		}
		return ls
	case *ast.CallExpr:
		name := calleeName(e)
		switch {
		case strings.HasPrefix(name, "To") && strings.HasSuffix(name, "RequestInformation") && name != "ToGetRequestInformation" && name != "ToHeadRequestInformation":
			return g.source(e)
		case (strings.HasPrefix(name, "NewRequestInformationWithMethod") || name == "NewRequest") && len(e.Args) > 0 && writeMethod(e.Args[0]),
			name == "NewRequestWithContext" && len(e.Args) > 1 && writeMethod(e.Args[1]):
			return g.source(e)
		case name == "append":
			ls := labels{}
			for _, a := range e.Args {
				ls = union(ls, g.exprLabels(d, a))
			}
			return ls
		}
		ls := labels{}
		for _, callee := range g.callees(d, e) {
			for l := range g.ret[callee] {
				if l == "origin" {
					ls = union(ls, g.source(e))
				} else if k, _ := strconv.Atoi(l[1:]); k < len(e.Args) {
					ls = union(ls, g.exprLabels(d, e.Args[k]))
				}
			}
		}
		return ls
	}
	if x := inner(e); x != nil { // a part of a value that holds a write request may be one
		return g.exprLabels(d, x)
	}
	return nil
}

// sent is what call sends to Graph: any argument of the adapter's Send… (or a transport's),
// and the arguments a function of the package passes on to one (by is carries or senders).
func (g *guard) sent(d *ast.FuncDecl, call *ast.CallExpr, by map[*ast.FuncDecl]map[int]bool) labels {
	ls := labels{}
	if callees := g.callees(d, call); len(callees) > 0 {
		for _, callee := range callees {
			for k := range by[callee] {
				if k < len(call.Args) {
					ls = union(ls, g.exprLabels(d, call.Args[k]))
				}
			}
		}
		return ls
	}
	name := calleeName(call)
	if strings.HasPrefix(name, "Send") || name == "ConvertToNativeRequest" || name == "RoundTrip" || name == "Do" && len(call.Args) == 1 {
		if sel, ok := call.Fun.(*ast.SelectorExpr); ok {
			ls = union(ls, g.vars[d][base(sel.X)])
		}
		for _, a := range call.Args {
			ls = union(ls, g.exprLabels(d, a))
		}
	}
	return ls
}

// builderWrite: a request builder's Post, Patch, Put, Delete or PostAs… (called or taken as
// a value); net/http's Post too, but not slices.Delete or models.Post.
func (g *guard) builderWrite(d *ast.FuncDecl, sel *ast.SelectorExpr) bool {
	name := sel.Sel.Name
	write := false
	for _, m := range []string{"Post", "Patch", "Put", "Delete"} {
		write = write || name == m || strings.HasPrefix(name, m+"As")
	}
	if path := g.importPath(d, sel.X); write && path != "" {
		return path == "net/http"
	}
	return write
}

// importPath is the package x names, if it names one.
func (g *guard) importPath(d *ast.FuncDecl, x ast.Expr) string {
	id, ok := x.(*ast.Ident)
	if !ok || id.Obj != nil { // declared in the file: a variable, not a package
		return ""
	}
	for _, imp := range g.file[d].Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		name := path[strings.LastIndex(path, "/")+1:]
		if imp.Name != nil {
			name = imp.Name.Name
		}
		if name == id.Name {
			return path
		}
	}
	return ""
}

// callees are the package's functions call may run: by name, every method of that name.
func (g *guard) callees(d *ast.FuncDecl, call *ast.CallExpr) []*ast.FuncDecl {
	switch f := call.Fun.(type) {
	case *ast.Ident:
		return g.funcs[f.Name]
	case *ast.SelectorExpr:
		if g.importPath(d, f.X) == "" {
			return g.methods[f.Sel.Name]
		}
	}
	return nil
}

func (g *guard) isProducerCall(call *ast.CallExpr) bool {
	return len(g.callees(g.declOf(call), call)) > 0
}

// audited: n runs only inside the audit trail, by where it is or, in a function's body, by
// where every reference to that function is.
func (g *guard) audited(n ast.Node) bool {
	switch g.where(n) {
	case audited:
		return true
	case inBody:
		return g.calledAudited(g.declOf(n))
	}
	return false
}

// where tells how n runs from the innermost function literal around it.
func (g *guard) where(n ast.Node) place {
	for p := g.parent[n]; p != nil; p = g.parent[p] {
		switch p := p.(type) {
		case *ast.GoStmt: // runs after the trail has recorded its outcome
			return unaudited
		case *ast.FuncDecl:
			return inBody
		case *ast.FuncLit:
			return g.litWhere(p)
		}
	}
	return unaudited
}

// litWhere: a literal passed to c.change or c.trail.Do is audited; one called on the spot runs
// where it is; one passed to a function of the package, or held in a variable, runs where
// that parameter or variable is referenced (every reference counts as a call).
func (g *guard) litWhere(lit *ast.FuncLit) place {
	if g.deciding[lit] {
		return audited
	}
	g.deciding[lit] = true
	defer delete(g.deciding, lit)
	w := unaudited
	d := g.declOf(lit)
	switch p := g.parent[lit].(type) {
	case *ast.CallExpr:
		if p.Fun == lit {
			w = g.where(p)
			break
		}
		if sel, ok := p.Fun.(*ast.SelectorExpr); ok {
			if x, ok := sel.X.(*ast.SelectorExpr); sel.Sel.Name == "change" || ok && x.Sel.Name == "trail" && sel.Sel.Name == "Do" {
				w = audited
				break
			}
		}
		k := -1
		for i, a := range p.Args {
			if a == lit {
				k = i
			}
		}
		callees := g.callees(d, p)
		if k < 0 || len(callees) == 0 {
			break
		}
		w = audited
		for _, callee := range callees {
			ps := params(callee.Type)
			if k >= len(ps) || ps[k] == "_" || g.refsWhere(callee, g.idents[ps[k]], lit) != audited {
				w = unaudited // a parameter only run in its function's body is run by unknown callers
			}
		}
	case *ast.AssignStmt, *ast.ValueSpec:
		name := ""
		if a, ok := p.(*ast.AssignStmt); ok {
			for i, r := range a.Rhs {
				if r == lit && i < len(a.Lhs) {
					name = base(a.Lhs[i])
				}
			}
		} else {
			for i, v := range p.(*ast.ValueSpec).Values {
				if v == lit {
					name = p.(*ast.ValueSpec).Names[i].Name
				}
			}
		}
		if name != "" {
			w = g.refsWhere(d, g.idents[name], lit)
		}
	}
	return w
}

// refsWhere combines where of the references to a name inside d's body: unaudited if any is,
// else inBody if any is, else audited.
func (g *guard) refsWhere(d *ast.FuncDecl, refs []ast.Node, lit *ast.FuncLit) place {
	w := audited
	for _, r := range refs {
		if g.declOf(r) != d || r.Pos() < d.Body.Pos() || g.binds(r, lit) {
			continue // elsewhere, a parameter's declaration, or the assignment of lit
		}
		if spec, ok := g.parent[r].(*ast.ValueSpec); ok && spec.Type != nil && len(spec.Values) == 0 {
			continue // var nest func(…): a declaration, not a call
		}
		w = max(w, g.where(r))
	}
	return w
}

// binds: r is the name lit is assigned to.
func (g *guard) binds(r ast.Node, lit *ast.FuncLit) bool {
	switch p := g.parent[r].(type) {
	case *ast.AssignStmt:
		for i, l := range p.Lhs {
			if l == r && i < len(p.Rhs) && p.Rhs[i] == lit {
				return true
			}
		}
	case *ast.ValueSpec:
		for i, id := range p.Names {
			if id == r && i < len(p.Values) && p.Values[i] == lit {
				return true
			}
		}
	}
	return false
}

// calledAudited: every reference to d in the package is audited. An exported function, or
// one nothing in the package references, is called from elsewhere, outside the trail.
func (g *guard) calledAudited(d *ast.FuncDecl) bool {
	if g.deciding[d] {
		return true
	}
	if ast.IsExported(d.Name.Name) {
		return false
	}
	g.deciding[d] = true
	defer delete(g.deciding, d)
	refs := g.idents[d.Name.Name]
	if d.Recv != nil {
		refs = g.sels[d.Name.Name]
	}
	ok := len(refs) > 0
	for _, r := range refs {
		ok = ok && g.audited(r)
	}
	return ok
}

// batchEnvelope: d gives name a $batch URL, so name is the envelope of a $batch.
func (g *guard) batchEnvelope(d *ast.FuncDecl, name string) bool {
	found := false
	ast.Inspect(d.Body, func(n ast.Node) bool {
		if a, ok := n.(*ast.AssignStmt); ok && len(a.Lhs) == 1 && len(a.Rhs) == 1 {
			sel, ok := a.Lhs[0].(*ast.SelectorExpr)
			lit, isLit := a.Rhs[0].(*ast.BasicLit)
			found = found || ok && isLit && sel.Sel.Name == "UrlTemplate" && base(sel.X) == name && strings.HasSuffix(strings.Trim(lit.Value, "\"`"), "/$batch")
		}
		return true
	})
	return found
}

func (g *guard) source(n ast.Node) labels {
	l := fmt.Sprintf("src@%d", n.Pos())
	g.sources[l] = n
	return labels{l: true}
}

func (g *guard) declOf(n ast.Node) *ast.FuncDecl {
	for ; n != nil; n = g.parent[n] {
		if d, ok := n.(*ast.FuncDecl); ok {
			return d
		}
	}
	return nil
}

// outsideLiterals: n belongs to its function, not to a literal inside it.
func (g *guard) outsideLiterals(n ast.Node) bool {
	for p := g.parent[n]; p != nil; p = g.parent[p] {
		switch p.(type) {
		case *ast.FuncLit:
			return false
		case *ast.FuncDecl:
			return true
		}
	}
	return false
}

// writeMethodConst: a write method named by kiota's or net/http's constant or a string, so
// that a Method field of some other type (directory.AuthMethod) is not taken for a request's.
func (g *guard) writeMethodConst(d *ast.FuncDecl, e ast.Expr) bool {
	if sel, ok := e.(*ast.SelectorExpr); ok {
		path := g.importPath(d, sel.X)
		return (path == "net/http" || path == "github.com/microsoft/kiota-abstractions-go") && writeMethod(e)
	}
	_, ok := e.(*ast.BasicLit)
	return ok && writeMethod(e)
}

// writeMethod: anything but a read method, a variable included (it may hold a write).
func writeMethod(e ast.Expr) bool {
	s := exprString(e)
	if lit, ok := e.(*ast.BasicLit); ok {
		s, _ = strconv.Unquote(lit.Value)
	}
	s = strings.ToUpper(s[strings.LastIndex(s, ".")+1:])
	return s != "GET" && s != "HEAD" && s != "OPTIONS" && s != "METHODGET" && s != "METHODHEAD" && s != "METHODOPTIONS"
}

func params(ft *ast.FuncType) []string {
	var out []string
	for _, f := range ft.Params.List {
		for _, id := range f.Names {
			out = append(out, id.Name)
		}
		if len(f.Names) == 0 {
			out = append(out, "_")
		}
	}
	return out
}

func calleeName(call *ast.CallExpr) string {
	switch f := call.Fun.(type) {
	case *ast.Ident:
		return f.Name
	case *ast.SelectorExpr:
		return f.Sel.Name
	}
	return ""
}

// base is the variable an expression such as reqs[k], c.keep or *ri stores into.
func base(e ast.Expr) string {
	for ; e != nil; e = inner(e) {
		if id, ok := e.(*ast.Ident); ok {
			return id.Name
		}
	}
	return ""
}

// inner is what e takes a part of, or points at.
func inner(e ast.Expr) ast.Expr {
	switch e := e.(type) {
	case *ast.SelectorExpr:
		return e.X
	case *ast.IndexExpr:
		return e.X
	case *ast.SliceExpr:
		return e.X
	case *ast.StarExpr:
		return e.X
	case *ast.ParenExpr:
		return e.X
	case *ast.UnaryExpr:
		return e.X
	}
	return nil
}

func union(a, b labels) labels {
	out := labels{}
	for l := range a {
		out[l] = true
	}
	for l := range b {
		out[l] = true
	}
	return out
}

func exprString(e ast.Node) string {
	switch v := e.(type) {
	case *ast.SelectorExpr:
		return exprString(v.X) + "." + v.Sel.Name
	case *ast.Ident:
		return v.Name
	case *ast.CallExpr:
		return exprString(v.Fun) + "()"
	case *ast.IndexExpr:
		return exprString(v.X) + "[]"
	case *ast.StarExpr:
		return "*" + exprString(v.X)
	case *ast.ParenExpr:
		return exprString(v.X)
	}
	return "…"
}
