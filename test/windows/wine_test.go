package windows

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/adkit-dev/adkit/internal/labtest"
)

// wine is what a run under Wine needs: the wine64 loader and a prepared prefix holding the
// ProcessPrng shim, and the tools that built it.
type wine struct {
	loader string // wine64
	server string // wineserver, to stop the prefix's server at the end
	prefix string // WINEPREFIX
	dir    string // scratch directory: adkit.exe, the test executables
}

// requireWine finds wine64 and mingw-w64, or skips; under the test command
// (ADKIT_REQUIRE_WINE=1, set by scripts/test.sh) their absence is a failure instead, so CI
// can never pass by not running adkit.exe.
func requireWine(t *testing.T) (loader, server, gcc string) {
	t.Helper()
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skip("the Wine run needs linux/amd64 (wine64 runs windows/amd64 binaries)")
	}
	find := func(names ...string) string {
		for _, n := range names {
			if p, err := exec.LookPath(n); err == nil {
				return p
			}
		}
		return ""
	}
	// Debian's wine64 package installs the loader under /usr/lib/wine; the wine package
	// adds the /usr/bin wrappers.
	loader = find("wine64", "/usr/lib/wine/wine64", "wine")
	server = find("wineserver", "/usr/lib/wine/wineserver64", "/usr/lib/wine/wineserver")
	gcc = find("x86_64-w64-mingw32-gcc")
	if loader != "" && server != "" && gcc != "" {
		return loader, server, gcc
	}
	msg := fmt.Sprintf("Wine run needs wine64 (found %q), wineserver (%q) and x86_64-w64-mingw32-gcc (%q): apt-get install wine64 gcc-mingw-w64-x86-64-win32", loader, server, gcc)
	if os.Getenv("ADKIT_REQUIRE_WINE") == "1" {
		t.Fatal("ADKIT_REQUIRE_WINE=1 but " + msg)
	}
	t.Skip(msg)
	return "", "", ""
}

// setup builds the shim DLL, a throwaway Wine prefix with it in system32, and adkit.exe.
func setup(t *testing.T) *wine {
	t.Helper()
	loader, server, gcc := requireWine(t)
	// Not t.TempDir: wineserver and the Wine services it stops write into the prefix while
	// they exit, after any wait wineserver offers, which fails TempDir's one removal.
	dir, err := os.MkdirTemp("", "adkit-wine-")
	if err != nil {
		t.Fatal(err)
	}
	w := &wine{loader: loader, server: server, prefix: filepath.Join(dir, "prefix"), dir: dir}
	t.Cleanup(func() {
		kill := exec.Command(server, "-k")
		kill.Env = append(os.Environ(), w.env()...)
		kill.Run()
		// Removal is retried while the prefix's last writers exit; a prefix that still cannot
		// be removed is reported, not a test failure (it is scratch space in $TMPDIR).
		var err error
		for range 20 {
			if err = os.RemoveAll(dir); err == nil {
				return
			}
			time.Sleep(500 * time.Millisecond)
		}
		t.Logf("could not remove the Wine scratch directory %s: %v", dir, err)
	})

	// The times are logged for the CI budget (docs/windows.md), never asserted.
	start := time.Now()
	defer func() { t.Logf("Wine setup (shim, wineboot, adkit.exe): %s", time.Since(start).Round(time.Second)) }()
	dll := filepath.Join(dir, "bcryptprimitives.dll")
	run(t, "", nil, gcc, "-O2", "-shared", "-o", dll, "shim/bcryptprimitives.c", "shim/bcryptprimitives.def", "-lbcrypt")

	// wineboot -i makes the prefix; mscoree and mshtml are left out so that it never offers
	// to download Mono or Gecko. The server is stopped at the end so that no wineserver
	// outlives the test holding the prefix.
	run(t, "", w.env(), loader, "wineboot", "-i")
	t.Logf("wineboot -i: %s", time.Since(start).Round(time.Second))
	system32 := filepath.Join(w.prefix, "drive_c", "windows", "system32")
	data, err := os.ReadFile(dll)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(system32, "bcryptprimitives.dll"), data, 0o644); err != nil {
		t.Fatalf("install the ProcessPrng shim: %v", err)
	}

	gobin := goTool(t)
	run(t, "", []string{"GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0"}, gobin, "build", "-o", filepath.Join(dir, "adkit.exe"), "../../cmd/adkit")
	return w
}

// goTool is the go command that runs this test (runtime.GOROOT is empty under -trimpath,
// which scripts/test.sh sets).
func goTool(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	if r := os.Getenv("GOROOT"); r != "" {
		return filepath.Join(r, "bin", "go")
	}
	t.Fatal("no go command on PATH to cross-compile adkit.exe with")
	return ""
}

// env is the environment every Wine process gets: the prefix, no debug chatter on stderr
// (the scripts match stderr), no Mono or Gecko.
func (w *wine) env() []string {
	return []string{"WINEPREFIX=" + w.prefix, "WINEDEBUG=-all", "WINEDLLOVERRIDES=mscoree,mshtml="}
}

// wineProfile is the Unix path of the Windows user profile wineboot made in prefix: the one
// directory under drive_c/users besides Public.
func wineProfile(prefix string) (string, error) {
	users := filepath.Join(prefix, "drive_c", "users")
	entries, err := os.ReadDir(users)
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		if e.IsDir() && e.Name() != "Public" {
			return filepath.Join(users, e.Name()), nil
		}
	}
	return "", fmt.Errorf("wineboot made no user profile in %s", users)
}

// run runs a command with extra environment and fails the test, with its output, if it fails.
func run(t *testing.T, dir string, env []string, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
	}
}

// TestWine is the whole Windows run: one prefix (wineboot takes seconds), then the unit
// tests of the Windows-only code and the end-to-end scripts.
func TestWine(t *testing.T) {
	w := setup(t)
	t.Run("unit", func(t *testing.T) { w.unitTests(t) })
	t.Run("scripts", func(t *testing.T) { w.scripts(t) })
}

// unitTests cross-compiles the tests of the packages with Windows-only code and runs them
// under Wine: LockFileEx locking, the owner-only ACL.
func (w *wine) unitTests(t *testing.T) {
	gobin := goTool(t)
	for _, pkg := range []string{"internal/filelock", "internal/ownerfile"} {
		exe := filepath.Join(w.dir, strings.ReplaceAll(pkg, "/", "_")+".test.exe")
		run(t, "", []string{"GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0"}, gobin, "test", "-c", "-o", exe, "../../"+pkg)
		cmd := exec.Command(w.loader, exe, "-test.v")
		cmd.Dir = w.dir
		cmd.Env = append(os.Environ(), w.env()...)
		out, err := cmd.CombinedOutput()
		t.Logf("%s under Wine:\n%s", pkg, out)
		if err != nil {
			t.Errorf("%s tests failed under Wine: %v", pkg, err)
		}
		if !strings.Contains(string(out), "--- PASS") {
			t.Errorf("%s: no test passed under Wine", pkg)
		}
	}
}

// scripts runs testdata/*.txtar, where `adkit` is adkit.exe under Wine (a wrapper on PATH
// that also turns the lab's file settings into the Z: paths a Windows program is given).
func (w *wine) scripts(t *testing.T) {
	labtest.Require(t)
	bin := filepath.Join(w.dir, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	wrapper := `#!/bin/sh
# adkit.exe under Wine, with the file settings a Windows user would give: Z:\ is Wine's /.
winpath() { case "$1" in /*) printf 'Z:%s' "$(printf %s "$1" | tr / '\\')" ;; *) printf %s "$1" ;; esac; }
for v in ADKIT_CA_FILE ADKIT_BIND_PASSWORD_FILE ADKIT_AUDIT_LOG ADKIT_CONFIG; do
	eval "val=\${$v:-}"
	[ -n "$val" ] && export "$v=$(winpath "$val")"
done
exec "$WINE_LOADER" "$ADKIT_EXE" "$@"
`
	if err := os.WriteFile(filepath.Join(bin, "adkit"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata",
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
			env.Setenv("WINE_LOADER", w.loader)
			env.Setenv("ADKIT_EXE", filepath.Join(w.dir, "adkit.exe"))
			env.Setenv("WINEPREFIX", w.prefix)
			env.Setenv("WINEDEBUG", "-all")
			env.Setenv("WINEDLLOVERRIDES", "mscoree,mshtml=")
			env.Setenv("ADKIT_AUDIT_LOG", env.WorkDir+"/audit.jsonl")
			// The Windows profile of the user Wine runs as, for the scripts to look into
			// %APPDATA% and %LOCALAPPDATA% (C:\users\NAME\AppData\...).
			profile, err := wineProfile(w.prefix)
			if err != nil {
				return err
			}
			env.Setenv("WINE_PROFILE", profile)
			for _, kv := range os.Environ() {
				k, v, _ := strings.Cut(kv, "=")
				if strings.HasPrefix(k, "ADKIT_LAB") || k == "ADKIT_LDAP_URL" || k == "ADKIT_BASE_DN" ||
					k == "ADKIT_BIND_USER" || k == "ADKIT_BIND_PASSWORD_FILE" || k == "ADKIT_CA_FILE" ||
					k == "LDAPTLS_CACERT" || k == "USER" || k == "LANG" {
					env.Setenv(k, v)
				}
			}
			return nil
		},
	})
}
