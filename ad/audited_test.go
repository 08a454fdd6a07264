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
		var stack []ast.Node
		ast.Inspect(f, func(n ast.Node) bool {
			if n == nil {
				stack = stack[:len(stack)-1]
				return false
			}
			stack = append(stack, n)
			call, ok := n.(*ast.CallExpr)
			if !ok || !isConnWrite(call) {
				return true
			}
			writes++
			if !insideChange(stack) {
				t.Errorf("%s: %s is not inside a function passed to c.change: it would change the directory without an audit record",
					fset.Position(call.Pos()), exprString(call.Fun))
			}
			return true
		})
	}
	if writes == 0 {
		t.Fatal("found no directory writes at all: the test no longer sees the code it guards")
	}
}

// isConnWrite matches c.conn.Modify(...) and friends.
func isConnWrite(call *ast.CallExpr) bool {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || !ldapWrites[sel.Sel.Name] {
		return false
	}
	inner, ok := sel.X.(*ast.SelectorExpr)
	return ok && inner.Sel.Name == "conn"
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
