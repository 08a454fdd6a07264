package ad

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ldapWrites are the go-ldap calls that change the directory.
var ldapWrites = map[string]bool{"Add": true, "Del": true, "Modify": true, "ModifyDN": true, "ModifyWithResult": true, "PasswordModify": true}

// TestEveryWriteIsAudited enforces, from the source, the rule the audit log rests on: every
// call that changes the directory sits inside a function passed to Client.change, which
// writes the intent before and the outcome after. A new write anywhere else fails here.
func TestEveryWriteIsAudited(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	writes := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		n, unaudited := unauditedWrites(fset, f)
		writes += n
		for _, u := range unaudited {
			t.Errorf("%s is not inside a function passed to c.change: it would change the directory without an audit record", u)
		}
	}
	if writes == 0 {
		t.Fatal("found no directory writes at all: the test no longer sees the code it guards")
	}
}

// TestEveryWriteIsAuditedCatchesAViolation: the rule sees a write outside c.change, also
// through a connection held in a variable or a parameter, and lets one inside pass.
func TestEveryWriteIsAuditedCatchesAViolation(t *testing.T) {
	const src = `package ad
func (c *Client) direct() { c.conn.Modify(nil) }
func viaParam(conn *ldap.Conn) { conn.Del(nil) }
func (c *Client) viaVar() { l := c.conn; l.ModifyDN(nil) }
func (c *Client) viaDecl() { var x *ldap.Conn = c.conn; x.Add(nil) }
func (c *Client) audited(ctx context.Context) error {
	return c.change(ctx, "user.update", audit.Target{}, nil, func(context.Context) error { return c.conn.Modify(nil) })
}
func reads(conn *ldap.Conn) { conn.Search(nil) }
`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "violation.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	writes, unaudited := unauditedWrites(fset, f)
	var got []string
	for _, u := range unaudited {
		got = append(got, u[strings.Index(u, ": ")+2:])
	}
	want := []string{"c.conn.Modify", "conn.Del", "l.ModifyDN", "x.Add"}
	if writes != 5 || strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("%d writes, unaudited %q; want 5 and %q", writes, got, want)
	}
}

// unauditedWrites counts the directory writes in f and returns "position: call" for each one
// outside a function passed to c.change.
func unauditedWrites(fset *token.FileSet, f *ast.File) (writes int, unaudited []string) {
	conns := connNames(f)
	var stack []ast.Node
	ast.Inspect(f, func(n ast.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return false
		}
		stack = append(stack, n)
		call, ok := n.(*ast.CallExpr)
		if !ok || !isConnWrite(call, conns) {
			return true
		}
		writes++
		if !insideChange(stack) {
			unaudited = append(unaudited, fset.Position(call.Pos()).String()+": "+exprString(call.Fun))
		}
		return true
	})
	return writes, unaudited
}

// connNames are the names that hold an LDAP connection in f: parameters and variables
// declared *ldap.Conn or ldap.Client, and variables assigned from a .conn field.
func connNames(f *ast.File) map[string]bool {
	names := map[string]bool{}
	isConnType := func(e ast.Expr) bool {
		if star, ok := e.(*ast.StarExpr); ok {
			e = star.X
		}
		sel, ok := e.(*ast.SelectorExpr)
		if !ok {
			return false
		}
		pkg, ok := sel.X.(*ast.Ident)
		return ok && pkg.Name == "ldap" && (sel.Sel.Name == "Conn" || sel.Sel.Name == "Client")
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch v := n.(type) {
		case *ast.Field:
			if isConnType(v.Type) {
				for _, id := range v.Names {
					names[id.Name] = true
				}
			}
		case *ast.ValueSpec:
			if v.Type != nil && isConnType(v.Type) {
				for _, id := range v.Names {
					names[id.Name] = true
				}
			}
		case *ast.AssignStmt:
			for i, rhs := range v.Rhs {
				if sel, ok := rhs.(*ast.SelectorExpr); ok && sel.Sel.Name == "conn" && i < len(v.Lhs) {
					if id, ok := v.Lhs[i].(*ast.Ident); ok {
						names[id.Name] = true
					}
				}
			}
		}
		return true
	})
	return names
}

// isConnWrite matches c.conn.Modify(...) and friends, and the same calls on a name that holds
// a connection (conns).
func isConnWrite(call *ast.CallExpr, conns map[string]bool) bool {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || !ldapWrites[sel.Sel.Name] {
		return false
	}
	switch x := sel.X.(type) {
	case *ast.SelectorExpr:
		return x.Sel.Name == "conn"
	case *ast.Ident:
		return conns[x.Name]
	}
	return false
}

// insideChange reports whether the innermost function literal around the call is an
// argument of a call to .change or .changeAll (which writes an intent and an outcome for each
// of its changes).
func insideChange(stack []ast.Node) bool {
	for i := len(stack) - 1; i > 0; i-- {
		lit, ok := stack[i].(*ast.FuncLit)
		if !ok {
			continue
		}
		call, ok := stack[i-1].(*ast.CallExpr)
		if !ok {
			return false
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "change" && sel.Sel.Name != "changeAll" {
			return false
		}
		for _, arg := range call.Args {
			if arg == lit {
				return true
			}
		}
		return false
	}
	return false
}

func exprString(e ast.Expr) string {
	switch v := e.(type) {
	case *ast.SelectorExpr:
		return exprString(v.X) + "." + v.Sel.Name
	case *ast.Ident:
		return v.Name
	}
	return "?"
}
