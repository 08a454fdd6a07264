package check

import (
	"bytes"
	"html"
	"regexp"
	"strings"
	"testing"
)

// hostile is a report whose directory data tries to break out of HTML and Markdown.
func hostileReport(t *testing.T) *Report {
	inv := aclFixture()
	inv.Accounts[2].SAMAccountName = `<script>alert("adm")</script>|*x*`
	return runAll(t, inv, Options{})
}

func TestWriteHTMLIsSelfContained(t *testing.T) {
	r := hostileReport(t)
	var buf bytes.Buffer
	if err := WriteHTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	external := regexp.MustCompile(`(?i)(src|href|action)\s*=\s*["']?\s*(https?:)?//|@import|url\(|<link\b|<iframe\b|<img\b`)
	if m := external.FindString(page); m != "" {
		t.Errorf("the page loads something from elsewhere: %q", m)
	}
	if n := strings.Count(page, "<script"); n != 1 {
		t.Errorf("%d <script> elements, want only the page's own (directory data must be escaped)", n)
	}
	for _, want := range []string{"<!DOCTYPE html>", "<svg", "<details", "corp.example.com", r.Summary.String()} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, f := range r.Findings {
		if !strings.Contains(page, html.EscapeString(f.Title)) || !strings.Contains(page, ">"+f.Check+"<") {
			t.Errorf("page lacks finding %s (%s)", f.Check, f.Title)
		}
		for _, o := range f.Objects {
			if o.SAMAccountName != "" && !strings.Contains(page, html.EscapeString(o.SAMAccountName)) {
				t.Errorf("page lacks %s's account %s", f.Check, o.SAMAccountName)
			}
		}
	}
	// Paths are shown as chains of group names, with the DN on hover.
	if !strings.Contains(page, `<li title="`+dnTier0+`"><span>Tier0</span></li>`) {
		t.Error("page lacks the nesting path through Tier0")
	}
}

func TestWriteHTMLWithoutFindings(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteHTML(&buf, Run(&Inventory{Directory: "empty.example"}, nil, Options{Now: testNow})); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "No findings.") {
		t.Error("an empty report does not say so")
	}
}

func TestWriteMarkdown(t *testing.T) {
	r := hostileReport(t)
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, r); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	for _, want := range []string{
		"# Active Directory permission audit: corp.example.com",
		"| Critical | ",
		"## 1. [CRITICAL] ",
		"Check `privileged-members`",
		"| offadm | disabled; member of Domain Admins via Tier0 → Ops; also Administrators | Domain Admins > Tier0 > Ops | CN=offadm,OU=Staff,DC=corp,DC=example,DC=com |",
		`\<script>alert("adm")\</script>\|\*x\*`,
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	if regexp.MustCompile(`(^|[^\\])<script`).MatchString(md) {
		t.Error("markdown carries raw HTML from the directory")
	}
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "| ") && strings.Count(strings.ReplaceAll(line, `\|`, ""), "|") != 5 && !strings.HasPrefix(line, "| Severity") && !strings.Contains(line, "| Critical |") &&
			!strings.Contains(line, "| High |") && !strings.Contains(line, "| Medium |") && !strings.Contains(line, "| Low |") {
			t.Errorf("table row with the wrong number of cells: %q", line)
		}
	}
}
