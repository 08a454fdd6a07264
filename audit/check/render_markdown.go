package check

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// WriteMarkdown writes the report as Markdown for a ticket or a wiki page: a summary table,
// then each finding with why, fix and a table of its objects.
func WriteMarkdown(w io.Writer, r *Report) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }

	p("# Active Directory permission audit: %s\n\n", mdEscape(r.Directory))
	p("Generated %s by adkit. %s.\n\n", r.GeneratedAt.UTC().Format("2006-01-02 15:04 MST"), summaryText(r.Summary))
	for _, w := range r.Warnings {
		p("**Warning:** %s\n\n", mdEscape(w))
	}
	p("| Severity | Findings |\n|---|---:|\n")
	for _, sev := range Severities() {
		p("| %s | %d |\n", capitalize(sev.String()), r.Summary.Count(sev))
	}
	p("\n")
	if len(r.Findings) == 0 {
		p("No findings.\n")
	}
	for i, f := range r.Findings {
		p("## %d. [%s] %s\n\n", i+1, strings.ToUpper(f.Severity.String()), mdEscape(f.Title))
		p("Check `%s` · %d object(s)\n\n", f.Check, len(f.Objects))
		p("**Why it matters.** %s\n\n", mdEscape(f.Why))
		p("**How to fix.** %s\n\n", mdEscape(f.Fix))
		p("| Account | Detail | Path | DN |\n|---|---|---|---|\n")
		for _, o := range f.Objects {
			p("| %s | %s | %s | %s |\n", mdEscape(o.SAMAccountName), mdEscape(o.Shown()), mdEscape(pathNames(o.Path)), mdEscape(o.DN))
		}
		p("\n")
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write markdown: %w", err)
	}
	return nil
}

// summaryText reads "3 findings: 1 critical, 2 high".
func summaryText(s Summary) string {
	if s.Total() == 0 {
		return "No findings"
	}
	var parts []string
	for _, sev := range Severities() {
		if n := s.Count(sev); n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, sev))
		}
	}
	return fmt.Sprintf("%d finding(s): %s", s.Total(), strings.Join(parts, ", "))
}

// mdEscape keeps directory data from being read as Markdown or HTML (a "<" could open a tag;
// ">" matters only at the start of a line, where a cell never is): names are free text
// (a group may be called "*|<script>"), and a table cell must stay on one line.
var mdReplacer = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "<", `\<`,
	"|", `\|`, "~", `\~`, "\r\n", " ", "\n", " ", "\r", " ",
)

func mdEscape(s string) string { return mdReplacer.Replace(s) }

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
