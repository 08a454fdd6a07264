package graph_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// post sends a raw request to the Graph test server with an app token, bypassing the client,
// and returns the status and body.
func (e *env) post(path, body string) (int, string) {
	e.t.Helper()
	hc := e.srv.HTTPClient()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {e.srv.ClientID()},
		"client_secret": {e.srv.ClientSecret()}, "scope": {"https://graph.microsoft.com/.default"}}
	resp, err := hc.PostForm(e.srv.URL()+"/"+e.srv.TenantID()+"/oauth2/v2.0/token", form)
	if err != nil {
		e.t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	req, _ := http.NewRequest("POST", e.srv.GraphURL()+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err = hc.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
