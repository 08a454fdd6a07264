package check

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
)

func TestSeverity(t *testing.T) {
	for _, name := range []string{"low", "medium", "high", "critical", "HIGH"} {
		s, err := ParseSeverity(name)
		if err != nil || s.String() != strings.ToLower(name) {
			t.Errorf("ParseSeverity(%q) = %v, %v", name, s, err)
		}
	}
	if _, err := ParseSeverity("info"); err == nil {
		t.Error("ParseSeverity(info) succeeded")
	}
	if !(SeverityLow < SeverityMedium && SeverityMedium < SeverityHigh && SeverityHigh < SeverityCritical) {
		t.Error("severities are not ordered")
	}
	if !SeverityHigh.AtLeast(SeverityHigh) || !SeverityCritical.AtLeast(SeverityHigh) || SeverityMedium.AtLeast(SeverityHigh) {
		t.Error("AtLeast is wrong")
	}
	if SeverityLow.AtLeast(0) {
		t.Error("an unset threshold must match nothing")
	}
	b, err := json.Marshal(struct{ S Severity }{SeverityMedium})
	if err != nil || string(b) != `{"S":"medium"}` {
		t.Errorf("marshal: %s, %v", b, err)
	}
	var back struct{ S Severity }
	if err := json.Unmarshal([]byte(`{"S":"critical"}`), &back); err != nil || back.S != SeverityCritical {
		t.Errorf("unmarshal: %v, %v", back.S, err)
	}
	if _, err := json.Marshal(Severity(9)); err == nil {
		t.Error("an invalid severity marshalled")
	}
}

func TestReportAtLeast(t *testing.T) {
	r := &Report{Findings: []Finding{{Severity: SeverityLow}, {Severity: SeverityHigh}, {Severity: SeverityCritical}}}
	for threshold, want := range map[Severity]int{SeverityLow: 3, SeverityMedium: 2, SeverityHigh: 2, SeverityCritical: 1, 0: 0} {
		if got := r.AtLeast(threshold); got != want {
			t.Errorf("AtLeast(%v) = %d, want %d", threshold, got, want)
		}
	}
}

// TestReportJSONShape pins `audit run -o json` to the spec: these keys, no others, and lists
// that are [] rather than null.
func TestReportJSONShape(t *testing.T) {
	r := runAll(t, fixture(), Options{})
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	keys := func(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }
	if got := keys(doc); !slices.Equal(got, []string{"directory", "findings", "generated_at", "summary"}) {
		t.Errorf("top-level keys %v", got)
	}
	if got := keys(doc["summary"].(map[string]any)); !slices.Equal(got, []string{"critical", "high", "low", "medium"}) {
		t.Errorf("summary keys %v", got)
	}
	if doc["generated_at"] != "2026-11-22T12:00:00Z" {
		t.Errorf("generated_at = %v", doc["generated_at"])
	}
	findings := doc["findings"].([]any)
	if len(findings) == 0 {
		t.Fatal("no findings")
	}
	for _, f := range findings {
		fm := f.(map[string]any)
		if got := keys(fm); !slices.Equal(got, []string{"check", "fix", "objects", "severity", "title", "why"}) {
			t.Fatalf("finding keys %v", got)
		}
		for _, o := range fm["objects"].([]any) {
			om := o.(map[string]any)
			if got := keys(om); !slices.Equal(got, []string{"detail", "dn", "path", "sam_account_name"}) {
				t.Fatalf("object keys %v", got)
			}
			if _, ok := om["path"].([]any); !ok {
				t.Fatalf("path is %#v, want a list", om["path"])
			}
		}
	}
	empty, _ := json.Marshal(Run(&Inventory{Directory: "x"}, nil, Options{Now: testNow}))
	if !bytes.Contains(empty, []byte(`"findings":[]`)) {
		t.Errorf("a report without findings: %s", empty)
	}
}

func TestTableAndCSV(t *testing.T) {
	r := runAll(t, fixture(), Options{})
	objects := 0
	for _, f := range r.Findings {
		objects += len(f.Objects)
	}
	table, csv := r.Table(), r.CSV()
	if len(table.Rows) != objects || len(csv.Rows) != objects {
		t.Fatalf("%d table rows, %d csv rows, want %d", len(table.Rows), len(csv.Rows), objects)
	}
	if strings.Join(csv.Header, ",") != "check,severity,title,dn,sam_account_name,detail,path" {
		t.Errorf("csv header %v", csv.Header)
	}
	for _, row := range table.Rows {
		if row[2] == "offadm" && row[1] == "privileged-disabled" {
			if row[4] != "Domain Admins > Tier0 > Ops" {
				t.Errorf("table path %q", row[4])
			}
			return
		}
	}
	t.Error("no table row for offadm")
}
