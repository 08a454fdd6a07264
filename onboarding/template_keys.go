package onboarding

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/adkit-dev/adkit/internal/lazyregexp"
	"gopkg.in/yaml.v3"
)

var templateType = reflect.TypeOf(Template{})

// unknownKeys walks the YAML against the Template type and names every key that is not a
// field, with its line and full path: yaml.v3's own message names Go types, which mean
// nothing to the admin editing the file.
func unknownKeys(n *yaml.Node, t reflect.Type, path string) []string {
	var problems []string
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return nil // a type error, which Decode reports with its line
		}
		fields, names := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Value == "<<" {
				continue // a merge key; the merged mapping is checked where it is written
			}
			ft, ok := fields[k.Value]
			if !ok {
				where := "the top level"
				if path != "" {
					where = path
				}
				problems = append(problems, fmt.Sprintf("line %d: unknown key %q (%s can have: %s)",
					k.Line, joinKey(path, k.Value), where, strings.Join(names, ", ")))
				continue
			}
			problems = append(problems, unknownKeys(v, ft, joinKey(path, k.Value))...)
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return nil
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			problems = append(problems, unknownKeys(n.Content[i+1], t.Elem(), joinKey(path, n.Content[i].Value))...)
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return nil
		}
		for i, c := range n.Content {
			problems = append(problems, unknownKeys(c, t.Elem(), fmt.Sprintf("%s[%d]", path, i))...)
		}
	}
	return problems
}

// yamlFields maps a struct's YAML keys to their types, and lists the keys in field order.
func yamlFields(t reflect.Type) (map[string]reflect.Type, []string) {
	fields := map[string]reflect.Type{}
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		fields[name] = f.Type
		names = append(names, name)
	}
	return fields, names
}

func joinKey(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func nodeKindName(k yaml.Kind) string {
	switch k {
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		return "single value"
	default:
		return "value of another kind"
	}
}

var unmarshalRE = lazyregexp.New("cannot unmarshal !!(\\w+) `(.*)` into (\\S+)")

// yamlProblems turns yaml.v3 errors into lines an admin can act on.
func yamlProblems(err error) []string {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return []string{strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	out := make([]string, 0, len(te.Errors))
	for _, msg := range te.Errors {
		out = append(out, unmarshalRE.ReplaceAllStringFunc(msg, func(m string) string {
			sub := unmarshalRE.FindStringSubmatch(m)
			value, into := sub[2], sub[3]
			switch {
			case into == "int":
				return fmt.Sprintf("%q is not a whole number", value)
			case into == "bool":
				return fmt.Sprintf("%q is not true or false", value)
			case into == "string":
				return "expected a single value, found a " + yamlTagName(sub[1])
			case strings.HasPrefix(into, "[]"):
				return "expected a list, found a " + yamlTagName(sub[1])
			default:
				return "expected keys and values, found a " + yamlTagName(sub[1])
			}
		}))
	}
	return out
}

func yamlTagName(tag string) string {
	switch tag {
	case "seq":
		return "list"
	case "map":
		return "mapping"
	default:
		return "single value"
	}
}
