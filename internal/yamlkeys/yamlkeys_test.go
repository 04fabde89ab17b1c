package yamlkeys

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

type band struct {
	MaxKm float64 `yaml:"max_km"`
}

type item struct {
	ID    string            `yaml:"id"`
	Name  string            `yaml:"name,omitempty"`
	Bands []band            `yaml:"bands,flow"`
	Extra map[string]string `yaml:"extra"`
	Skip  string            `yaml:"-"`
	Plain int
}

type common struct {
	Shared string `yaml:"shared"`
}

type doc struct {
	common `yaml:",inline"`
	Title  string  `yaml:"title"`
	Items  []item  `yaml:"items"`
	Ptr    *band   `yaml:"ptr"`
	Named  []item  `yaml:"named"`
	Custom custom  `yaml:"custom"`
	Bands  [2]band `yaml:"arr"`
}

// custom decodes itself: any key below it is its business.
type custom struct{}

func (*custom) UnmarshalYAML(*yaml.Node) error { return nil }

func unknown(t *testing.T, src string) []string {
	t.Helper()
	var n yaml.Node
	require.NoError(t, yaml.Unmarshal([]byte(src), &n))
	var out []string
	for _, k := range Unknown(&n, reflect.TypeFor[doc]()) {
		out = append(out, k.String())
	}
	return out
}

func TestUnknown(t *testing.T) {
	src := `title: x
shared: y
colour: red
items:
  - id: a1
    bands: [{max_km: 1}, {max_km: 2, speed: 3}]
    extra: {anything: goes}
    plain: 4
    skip: no
  - name: second
    size: 2
  - {}
ptr: {max_km: 1, min_km: 0}
named:
  - name: n1
    id: i1
    oops: 1
custom: {whatever: 1}
arr: [{max_km: 1}, {max: 2}]
`
	assert.Equal(t, []string{
		"line 3: colour",
		"line 6: items[0] (a1).bands[1].speed",
		"line 9: items[0] (a1).skip",
		"line 11: items[1] (second).size",
		"line 13: ptr.min_km",
		"line 17: named[0] (i1).oops",
		"line 19: arr[1].max",
	}, unknown(t, src))
}

func TestUnknownFollowsAnchorsAndMerges(t *testing.T) {
	src := `base: &b {max_km: 1, bogus: 2}
title: x
`
	assert.Equal(t, []string{"line 1: base"}, unknown(t, src), "an unknown top-level key is reported once, not its value's keys")

	src = `items:
  - &first {id: a, bands: [{max_km: 1, nope: 1}]}
  - *first
  - <<: *first
    id: b
    more: 1
`
	assert.Equal(t, []string{
		"line 2: items[0] (a).bands[0].nope",
		"line 2: items[1] (a).bands[0].nope", // an alias: the key is where the anchor is
		"line 2: items[2] (b).bands[0].nope",
		"line 6: items[2] (b).more",
	}, unknown(t, src))
}

func TestWrongKindsAreLeftToTheDecoder(t *testing.T) {
	assert.Empty(t, unknown(t, "items: {id: x}\nptr: [1, 2]\ntitle: [a]\n"))
	assert.Empty(t, unknown(t, ""))
}
