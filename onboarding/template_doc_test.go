package onboarding

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// docs/onboarding-template.md documents every key of the template, by its full path
// (`username.max_length`, `offboard.columns.email`), so a key added to Template without a
// word in the docs fails here.
func TestEveryTemplateKeyIsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/onboarding-template.md")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	var walk func(reflect.Type, string)
	walk = func(typ reflect.Type, prefix string) {
		for i := range typ.NumField() {
			f := typ.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name == "" || name == "-" {
				continue
			}
			if f.Type.Kind() == reflect.Struct {
				walk(f.Type, prefix+name+".")
				continue
			}
			keys = append(keys, prefix+name)
		}
	}
	walk(templateType, "")
	if len(keys) < 30 {
		t.Fatalf("found %d template keys; the walk is broken", len(keys))
	}
	for _, k := range keys {
		if !strings.Contains(string(doc), "`"+k+"`") {
			t.Errorf("docs/onboarding-template.md does not document the key `%s`", k)
		}
	}
}
