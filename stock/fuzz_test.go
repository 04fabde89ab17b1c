package stock

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzReadCSV feeds arbitrary text to ReadCSV: it must return a table or
// an error, never panic, and never hold a negative quantity.
func FuzzReadCSV(f *testing.F) {
	f.Add("node,sku,on_hand,safety_stock\nalm-s01,MILK-1L,3,1\n")
	f.Add("node,sku,on_hand,safety_stock\nalm-s01,\"MILK\n1L\",3,1\n")
	f.Add("node,sku,on_hand,safety_stock\nalm-s01,A,99999999999,1\n")
	net := demoNet(f)
	f.Fuzz(func(t *testing.T, src string) {
		tab, err := ReadCSV(strings.NewReader(src), "fuzz.csv", net)
		if err != nil {
			return
		}
		for _, r := range tab.Snapshot() {
			require.GreaterOrEqual(t, r.OnHand, int32(0), "row %+v", r)
			require.GreaterOrEqual(t, r.Safety, int32(0), "row %+v", r)
			require.GreaterOrEqual(t, r.ATP(), int32(0), "row %+v", r)
		}
	})
}
