// Package yamlkeys finds the keys of a YAML document that a Go type has no
// field for, and names each by its line and its path in the document, the
// way omniroute's file errors name fields: "nodes[1] (alm-wh1).colour".
//
// yaml.v3's own strict mode (Decoder.KnownFields) reports an unknown key as
// "field colour not found in type network.nodeFile", which names a Go type
// instead of the place in the file; this package is the replacement.
package yamlkeys

import (
	"fmt"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// Key is one unknown key.
type Key struct {
	// Line is the key's line in the document, from 1.
	Line int
	// Path names the key: parent fields joined by ".", list elements as
	// "list[i]", followed by " (label)" when the element has an id or a
	// name, e.g. "couriers[0] (glovo).colour".
	Path string
}

// String is "line 12: nodes[1] (alm-wh1).colour".
func (k Key) String() string { return fmt.Sprintf("line %d: %s", k.Line, k.Path) }

// Unknown returns the mapping keys under node that t (a struct, or a
// pointer, slice or map leading to one) has no field for, in document
// order. Fields are named by their yaml tag (or their lower-cased Go name,
// as yaml.v3 does); inline structs and maps, and types that decode
// themselves (yaml.Unmarshaler), accept any key below them. Values of the
// wrong kind (a list where a mapping belongs) are left to the decoder.
func Unknown(node *yaml.Node, t reflect.Type) []Key {
	var out []Key
	walk(node, t, "", &out)
	return out
}

var unmarshaler = reflect.TypeFor[yaml.Unmarshaler]()

func walk(n *yaml.Node, t reflect.Type, path string, out *[]Key) {
	if n == nil {
		return
	}
	if n.Kind == yaml.DocumentNode {
		for _, c := range n.Content {
			walk(c, t, path, out)
		}
		return
	}
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Implements(unmarshaler) || reflect.PointerTo(t).Implements(unmarshaler) {
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return
		}
		fields, open := structFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Tag == "!!merge" {
				walk(v, t, path, out) // "<<: *anchor" merges a mapping (or a list of them)
				continue
			}
			ft, ok := fields[k.Value]
			if !ok {
				if !open {
					*out = append(*out, Key{Line: k.Line, Path: join(path, k.Value)})
				}
				continue
			}
			walk(v, ft, join(path, k.Value), out)
		}
	case reflect.Slice, reflect.Array:
		if n.Kind != yaml.SequenceNode {
			return
		}
		for i, el := range n.Content {
			walk(el, t.Elem(), element(path, i, el), out)
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			walk(n.Content[i+1], t.Elem(), join(path, n.Content[i].Value), out)
		}
	}
}

// structFields maps the yaml keys of t to their types; open is true when
// an inline map takes any other key.
func structFields(t reflect.Type) (fields map[string]reflect.Type, open bool) {
	fields = map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() && !f.Anonymous {
			continue
		}
		tag := f.Tag.Get("yaml")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if hasOption(opts, "inline") {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			switch ft.Kind() {
			case reflect.Struct:
				inner, innerOpen := structFields(ft)
				for k, v := range inner {
					fields[k] = v
				}
				open = open || innerOpen
			case reflect.Map:
				open = true
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		fields[name] = f.Type
	}
	return fields, open
}

func hasOption(opts, want string) bool {
	for o := range strings.SplitSeq(opts, ",") {
		if o == want {
			return true
		}
	}
	return false
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// element names list element i: "nodes[3]", with " (label)" when it is a
// mapping with an id or, failing that, a name.
func element(path string, i int, el *yaml.Node) string {
	s := fmt.Sprintf("%s[%d]", path, i)
	if label := labelOf(el); label != "" {
		s += " (" + label + ")"
	}
	return s
}

func labelOf(el *yaml.Node) string {
	for el.Kind == yaml.AliasNode && el.Alias != nil {
		el = el.Alias
	}
	if el.Kind != yaml.MappingNode {
		return ""
	}
	var name string
	for i := 0; i+1 < len(el.Content); i += 2 {
		k, v := el.Content[i], el.Content[i+1]
		if v.Kind != yaml.ScalarNode {
			continue
		}
		switch k.Value {
		case "id":
			return v.Value
		case "name":
			name = v.Value
		}
	}
	return name
}
