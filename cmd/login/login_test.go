package login

import (
	"context"
	"encoding/json"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/cmd/cmdtest"
	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
)

func TestLoginPicksTheWayToSignIn(t *testing.T) {
	tests := []struct {
		cli        string
		deviceCode bool // the global --device-code
		display    string
		want       factory.LoginMethod
		wantErr    string
	}{
		{cli: "--browser", want: factory.LoginBrowser},
		{cli: "", deviceCode: true, display: ":0", want: factory.LoginDeviceCode},
		{cli: "", display: ":0", want: factory.LoginBrowser},
		{cli: "--browser", deviceCode: true, wantErr: "give one"},
		{cli: "extra", wantErr: "takes no arguments"},
	}
	if runtime.GOOS == "linux" { // over SSH, no display: the device code
		tests = append(tests, struct {
			cli        string
			deviceCode bool
			display    string
			want       factory.LoginMethod
			wantErr    string
		}{cli: "", want: factory.LoginDeviceCode})
	}
	for _, tt := range tests {
		t.Run(tt.cli+"/"+tt.display, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			f := &factory.Factory{IO: ios, Globals: &factory.Globals{DeviceCode: tt.deviceCode},
				Getenv: func(k string) string {
					if k == "DISPLAY" {
						return tt.display
					}
					return ""
				}}
			got, err := cmdtest.Parse(f, newCmdLogin, tt.cli)
			if tt.wantErr != "" {
				cmdtest.WantUsageError(t, err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Method != tt.want {
				t.Errorf("method = %q, want %q", got.Method, tt.want)
			}
		})
	}
}

type fakeSigner struct {
	st  directory.Login
	err error
}

func (s fakeSigner) EntraLogin(context.Context, factory.LoginMethod) (directory.Login, error) {
	return s.st, s.err
}

func (s fakeSigner) EntraLoginStatus(context.Context) (directory.Login, bool, error) {
	return s.st, s.st.User != "", s.err
}

func TestLoginSaysWhoAndWhere(t *testing.T) {
	ios, _, _, errOut := iostreams.Test()
	st := directory.Login{Profile: "default", User: "jdoe@corp.example.com", TenantID: "t1", Store: "/home/j/.cache/.IdentityService/adkit-default-1, encrypted", Valid: true,
		ExpiresOn: time.Now().Add(time.Hour)}
	if err := loginRun(context.Background(), &loginOptions{IO: ios, Signer: fakeSigner{st: st}, Method: factory.LoginDeviceCode}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Signed in to Entra ID as jdoe@corp.example.com (tenant t1) for profile default", "adkit renews it by itself", "kept in /home/j/.cache"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr %q lacks %q", errOut, want)
		}
	}
	// A failed sign-in passes the error on, for the exit code and the message.
	refused := errors.New("cannot connect to Entra ID: the sign-in was declined in the browser")
	if err := loginRun(context.Background(), &loginOptions{IO: ios, Signer: fakeSigner{err: refused}}); !errors.Is(err, refused) {
		t.Errorf("err = %v", err)
	}
}

func TestStatusExitsOneUnlessSignedIn(t *testing.T) {
	valid := directory.Login{Profile: "default", User: "jdoe@corp.example.com", TenantID: "t1", Valid: true, ExpiresOn: time.Now().Add(time.Hour)}
	revoked := valid
	revoked.Valid, revoked.Problem = false, "your Entra ID sign-in has expired or was revoked (AADSTS50173); run adkit login"
	tests := []struct {
		name     string
		st       directory.Login
		wantExit int
		want     string
	}{
		{"signed in", valid, 0, `"valid": true`},
		{"revoked", revoked, 1, `"problem": "your Entra ID sign-in has expired or was revoked (AADSTS50173); run adkit login"`},
		{"nobody", directory.Login{Profile: "default"}, 1, `"problem": "not signed in: run adkit login"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, out, _ := iostreams.Test()
			err := statusRun(context.Background(), &statusOptions{IO: ios, Reader: fakeSigner{st: tt.st}, Format: output.FormatJSON})
			if code := cmdutil.ExitCode(err); code != tt.wantExit {
				t.Errorf("exit %d, want %d (err %v)", code, tt.wantExit, err)
			}
			if !strings.Contains(out.String(), tt.want) {
				t.Errorf("stdout %s lacks %s", out, tt.want)
			}
			var v map[string]any
			if err := json.Unmarshal(out.Bytes(), &v); err != nil {
				t.Errorf("not JSON: %v", err)
			}
		})
	}
}

type fakeForgetter struct{ removed bool }

func (f fakeForgetter) EntraLogout() (bool, string, error) { return f.removed, "contoso", nil }

func TestLogoutSaysWhatItRemoved(t *testing.T) {
	for _, removed := range []bool{true, false} {
		ios, _, _, errOut := iostreams.Test()
		if err := logoutRun(&logoutOptions{IO: ios, Forgetter: fakeForgetter{removed: removed}}); err != nil {
			t.Fatal(err)
		}
		want := "nothing to remove"
		if removed {
			want = "Signed out of Entra ID for profile contoso"
		}
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("removed=%v: stderr %q lacks %q", removed, errOut, want)
		}
	}
}
