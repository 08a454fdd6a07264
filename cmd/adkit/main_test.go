package main

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/adkit-dev/adkit/cmd/cli"
	"github.com/adkit-dev/adkit/internal/labtest"
)

// TestMain lets the scripts run `adkit` as a real process: the test binary re-executes itself.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"adkit": func() { os.Exit(cli.Main()) },
	})
}

// TestScripts runs the end-to-end scripts in testdata/script: the binary as a user runs it.
// Scripts that need the lab start with `[!lab] skip`; under the project's test command
// (ADKIT_REQUIRE_LAB=1) a missing lab fails instead.
func TestScripts(t *testing.T) {
	lab := os.Getenv("ADKIT_LDAP_URL") != ""
	if !lab && os.Getenv("ADKIT_REQUIRE_LAB") == "1" {
		labtest.Require(t)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Cmds: map[string]func(*testscript.TestScript, bool, []string){
			"graph-server":  graphServerCmd,
			"idp":           idpCmd,
			"silent-server": silentServerCmd,
			"dns-server":    dnsServerCmd,
		},
		Setup: func(env *testscript.Env) error {
			// Each script gets its own audit log and config; the lab's connection settings pass through.
			env.Setenv("ADKIT_AUDIT_LOG", env.WorkDir+"/audit.jsonl")
			env.Setenv("ADKIT_CONFIG", env.WorkDir+"/config.yaml")
			env.Setenv("XDG_STATE_HOME", env.WorkDir+"/state")
			// adkit login's encrypted token cache (azidentity/cache), not the tester's.
			env.Setenv("XDG_CACHE_HOME", env.WorkDir+"/cache")
			env.Values[graphServerKey{}] = &graphServerSlot{} // for the graph-server command
			for _, kv := range os.Environ() {
				k, v, _ := strings.Cut(kv, "=")
				if strings.HasPrefix(k, "ADKIT_LAB") || k == "ADKIT_LDAP_URL" || k == "ADKIT_BASE_DN" ||
					k == "ADKIT_BIND_USER" || k == "ADKIT_BIND_PASSWORD_FILE" ||
					k == "ADKIT_CA_FILE" || k == "KRB5_CONFIG" || k == "LDAPTLS_CACERT" {
					env.Setenv(k, v)
				}
			}
			return nil
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "lab":
				return lab, nil
			case "twodcs": // the lab's second DC is joined (scripts/lab.sh dc2 up)
				// The [twodcs] lines are assertions: under the test command a lab without its
				// second DC must fail them, not drop them silently.
				twoDCs := lab && os.Getenv("ADKIT_LAB_DC2_HOST") != ""
				if !twoDCs && os.Getenv("ADKIT_REQUIRE_LAB") == "1" {
					return false, errors.New("ADKIT_REQUIRE_LAB=1 but the lab has no second DC (ADKIT_LAB_DC2_HOST unset): run `scripts/lab.sh up --dcs 2` and eval \"$(scripts/lab.sh env)\"")
				}
				return twoDCs, nil
			}
			return false, nil
		},
	})
}
