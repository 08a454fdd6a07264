package secret

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSecretNeverPrints(t *testing.T) {
	s := New("hunter2-Pa55!")
	type wrapper struct {
		Password Secret `json:"password"`
	}
	outputs := []string{
		fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s %q %x %X", s, s, s, s, s, s, s),
		fmt.Sprintf("%v %+v", wrapper{s}, &wrapper{s}),
		fmt.Errorf("bind failed with %v", s).Error(),
	}
	b, err := json.Marshal(wrapper{s})
	if err != nil {
		t.Fatal(err)
	}
	outputs = append(outputs, string(b))
	for _, out := range outputs {
		if strings.Contains(out, "hunter2") || strings.Contains(out, fmt.Sprintf("%x", "hunter2")) {
			t.Errorf("secret leaked: %s", out)
		}
		if !strings.Contains(out, Redacted) {
			t.Errorf("output %q does not say the value was redacted", out)
		}
	}
	if s.Reveal() != "hunter2-Pa55!" {
		t.Errorf("Reveal() = %q", s.Reveal())
	}
}

func TestFromFile(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		content string
		want    string
		wantErr bool
	}{
		{"pa ss\n", "pa ss", false},
		{"crlf\r\nsecond line", "crlf", false},
		{"no-newline", "no-newline", false},
		{"", "", true},
		{"\n", "", true},
	}
	for i, tt := range tests {
		path := filepath.Join(dir, fmt.Sprint(i))
		if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := FromFile(path)
		if (err != nil) != tt.wantErr {
			t.Fatalf("FromFile(%q) error = %v, wantErr %v", tt.content, err, tt.wantErr)
		}
		if got.Reveal() != tt.want {
			t.Errorf("FromFile(%q) = %q, want %q", tt.content, got.Reveal(), tt.want)
		}
	}
	if _, err := FromFile(filepath.Join(dir, "missing")); err == nil {
		t.Error("FromFile on a missing file succeeded")
	}
}
