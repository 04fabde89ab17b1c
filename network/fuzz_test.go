package network

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzParse feeds arbitrary bytes to Parse: it must return a network or an
// error, never panic, and a network it returns must write and read back.
func FuzzParse(f *testing.F) {
	f.Add([]byte(tiny))
	f.Add([]byte(strings.Replace(tiny, "lat: 43.25", "lat: .nan", 1)))
	f.Add([]byte(strings.Replace(tiny, `open: "09:00"`, `open: "24:00"`, 1)))
	f.Add([]byte("nodes: [{id: a, kind: store, lat: 1, lon: 1, methods: [courier]}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := Parse(bytes.NewReader(data), "fuzz.yaml")
		if err != nil {
			return
		}
		var out bytes.Buffer
		require.NoError(t, n.WriteYAML(&out))
		if _, err := Parse(&out, "again.yaml"); err != nil {
			t.Fatalf("a parsed network does not read back: %v", err)
		}
	})
}
