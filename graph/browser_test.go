package graph_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/graph"
	"github.com/adkit-dev/adkit/graph/graphtest"
)

// fakeBrowser stands in for the system browser of a technician who signs in: azidentity opens
// the authorization URL with xdg-open (github.com/pkg/browser); this one is a script on PATH
// that writes the URL down, and the test, as the person at the browser, follows it to the
// authority and from there back to adkit's loopback redirect. It returns how many URLs were
// opened.
// browser is an HTTP client that trusts the authority.
func fakeBrowser(t *testing.T, browser *http.Client) func() int {
	t.Helper()
	dir := t.TempDir()
	opened := filepath.Join(dir, "opened.txt")
	script := "#!/bin/sh\nprintf '%s\\n' \"$1\" >> '" + opened + "'\n"
	if err := os.WriteFile(filepath.Join(dir, "xdg-open"), []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	ctx, cancel := context.WithCancel(context.Background())
	var (
		mu    sync.Mutex
		count int
		wg    sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		seen := 0
		for ctx.Err() == nil {
			urls := readLines(opened)
			for _, u := range urls[seen:] {
				if err := signInAt(browser, u); err != nil {
					t.Errorf("the browser could not finish the sign-in: %v", err)
				}
				mu.Lock()
				count++
				mu.Unlock()
			}
			seen = len(urls)
			select {
			case <-ctx.Done():
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	t.Cleanup(func() { cancel(); wg.Wait() })
	return func() int {
		mu.Lock()
		defer mu.Unlock()
		return count
	}
}

// signInAt is what the browser does with the authorization URL: load the authority's page,
// which (response_mode=form_post) is a form that posts the code to adkit's loopback listener,
// and post it.
func signInAt(browser *http.Client, authorizeURL string) error {
	resp, err := browser.Get(authorizeURL)
	if err != nil {
		return err
	}
	page, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the authority answered %s: %s", resp.Status, page)
	}
	action := formAction.FindSubmatch(page)
	if action == nil {
		return fmt.Errorf("the authority's page has no form to post: %s", page)
	}
	fields := url.Values{}
	for _, m := range hiddenField.FindAllSubmatch(page, -1) {
		fields.Set(html.UnescapeString(string(m[1])), html.UnescapeString(string(m[2])))
	}
	target := html.UnescapeString(string(action[1]))
	if u, err := url.Parse(target); err != nil || u.Hostname() != "localhost" {
		return fmt.Errorf("the form posts to %q, not to adkit's loopback listener", target)
	}
	resp, err = browser.PostForm(target, fields)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("adkit's loopback listener answered %s", resp.Status)
	}
	return nil
}

var (
	formAction  = regexp.MustCompile(`<form method="POST"[^>]* action="([^"]*)"`)
	hiddenField = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)"`)
)

func readLines(path string) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var lines []string
	for sc := bufio.NewScanner(f); sc.Scan(); {
		lines = append(lines, sc.Text())
	}
	return lines
}

func TestLoginInTheBrowserThenCommandsWithoutIt(t *testing.T) {
	l := newLoginLab(t)
	opened := fakeBrowser(t, &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: l.srv.CertPool()}}})
	cfg := l.config()
	cfg.Auth = graph.AuthBrowser
	st, err := graph.Login(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Login --browser: %v", err)
	}
	if st.User != technician || st.TenantID != l.srv.TenantID() || !st.Valid {
		t.Errorf("Login = %+v", st)
	}
	if opened() != 1 || l.srv.Grants("authorization_code") != 1 {
		t.Errorf("%d browser pages, %d code redemptions; want one each", opened(), l.srv.Grants("authorization_code"))
	}
	for i := range 2 {
		c, err := l.command()
		if err != nil {
			t.Fatalf("command %d after a browser login: %v", i+1, err)
		}
		if c.BindIdentity() != technician {
			t.Errorf("command %d: BindIdentity = %q, want the technician", i+1, c.BindIdentity())
		}
	}
	if opened() != 1 || l.deviceCodeFlows() != 0 {
		t.Errorf("the commands opened the browser again (%d) or started a device code (%d)", opened(), l.deviceCodeFlows())
	}
	if n := l.srv.Count("GET", "/common/discovery/instance"); n != 0 {
		t.Errorf("instance discovery was called %d times: it must be off", n)
	}
}

func TestManagedIdentityOnAppService(t *testing.T) {
	srv, err := graphtest.New(graphtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	endpoint, header := srv.ManagedIdentity()
	t.Setenv("IDENTITY_ENDPOINT", endpoint)
	t.Setenv("IDENTITY_HEADER", header)
	t.Setenv("PATH", t.TempDir())
	cfg := graph.Config{GraphURL: srv.GraphURL(), TenantID: srv.TenantID(), AuthorityHost: srv.URL(), CAPool: srv.CertPool(),
		Auth: graph.AuthManagedIdentity}

	for _, tc := range []struct{ clientID, identity string }{
		{"", "managed-identity"}, // the App Service's own identity
		{graphtest.UserAssignedIdentity, "managed-identity:" + graphtest.UserAssignedIdentity},
	} {
		cfg.ClientID = tc.clientID
		c, err := graph.Connect(context.Background(), cfg, trail(t))
		if err != nil {
			t.Fatalf("Connect with managed identity %q: %v", tc.clientID, err)
		}
		for range 2 {
			if _, err := c.User(context.Background(), "jdoe@corp.example.com"); err != nil {
				t.Fatal(err)
			}
		}
		if c.BindIdentity() != tc.identity {
			t.Errorf("BindIdentity = %q, want %q", c.BindIdentity(), tc.identity)
		}
	}
	// One token per identity: the second read used the cached token.
	if n := srv.Count("GET", "/msi/token"); n != 2 {
		t.Errorf("%d managed identity token requests, want 2 (one per identity)", n)
	}

	// An identity not assigned to the resource is refused, and the message says which.
	cfg.ClientID = "5a5e0000-0000-4000-8000-0000000000ff"
	_, err = graph.Connect(context.Background(), cfg, trail(t))
	if err == nil || !strings.Contains(err.Error(), cfg.ClientID) {
		t.Errorf("an unassigned identity: err = %v", err)
	}
	if err != nil && strings.Contains(err.Error(), header) {
		t.Errorf("the error shows IDENTITY_HEADER's value: %v", err)
	}
}
