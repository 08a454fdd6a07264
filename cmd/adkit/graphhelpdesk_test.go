package main

import (
	"fmt"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/adkit-dev/adkit/graph/graphtest"
)

// graphServerHelpDesk holds the graph-server subcommands for the Entra ID help-desk tickets:
//
//	graph-server methods UPN          print the user's registered methods, one "type phone_type id"
//	                                  a line (never a pass or a number)
//	graph-server tap-policy on|off|once  the Temporary Access Pass policy: the defaults, off, or
//	                                  one-time passes only
//	graph-server premium on|off       whether the tenant has Entra ID P1 and P2
//	graph-server risk UPN             print the user's risk state ("none" if never at risk)
func graphServerHelpDesk(ts *testscript.TestScript, args []string) bool {
	switch args[0] {
	case "methods":
		if len(args) != 2 {
			ts.Fatalf("usage: graph-server methods UPN")
		}
		for _, m := range server(ts).Tenant().AuthMethodsOf(args[1]) {
			fmt.Fprintln(ts.Stdout(), strings.TrimSpace(m.Type+" "+m.PhoneType+" "+m.ID))
		}
	case "tap-policy":
		p := graphtest.DefaultTAPPolicy()
		switch {
		case len(args) == 2 && args[1] == "off":
			p.Enabled = false
		case len(args) == 2 && args[1] == "once":
			p.OneTimeOnly = true
		case len(args) == 2 && args[1] == "on":
		default:
			ts.Fatalf("usage: graph-server tap-policy on|off|once")
		}
		server(ts).Tenant().SetTAPPolicy(p)
	case "premium":
		if len(args) != 2 || (args[1] != "on" && args[1] != "off") {
			ts.Fatalf("usage: graph-server premium on|off")
		}
		server(ts).Tenant().SetP1Licence(args[1] == "on")
		server(ts).Tenant().SetP2Licence(args[1] == "on")
	case "risk":
		if len(args) != 2 {
			ts.Fatalf("usage: graph-server risk UPN")
		}
		r, ok := server(ts).Tenant().Risk(args[1])
		if !ok {
			fmt.Fprintln(ts.Stdout(), "none")
			break
		}
		fmt.Fprintln(ts.Stdout(), r.Level, r.State, r.Detail)
	default:
		return false
	}
	return true
}
