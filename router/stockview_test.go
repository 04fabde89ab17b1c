package router

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/stock"
)

// TestStockViewListsAsEachATP: the view's one-pass stock lists (whole and
// masked) give what EachATP visits, with and without units held by
// earlier orders of a batch, including held units that use up a node's
// stock.
func TestStockViewListsAsEachATP(t *testing.T) {
	n, st := bigNetwork(t, 200)
	in := newInventory(n, st)
	mask := make([]uint64, (len(n.Nodes)+63)/64)
	for i := range n.Nodes {
		if i%3 != 1 {
			mask[i>>6] |= 1 << (i & 63)
		}
	}
	hold := &batchHold{}
	var held []stock.Item
	for node := range n.Nodes {
		if a := st.ATP(node, "MILK-1L"); a > 0 && node%4 == 0 {
			held = append(held, stock.Item{Node: node, SKU: "MILK-1L", Qty: min(a, int32(1+node%3))})
		}
	}
	require.NotEmpty(t, held)
	hold.add(n, held)
	for _, h := range []*batchHold{nil, hold} {
		v := &stockView{in: in, hold: h}
		for _, sku := range []string{"MILK-1L", "BREAD-WHITE", "PHONE-X12", "NO-SUCH-SKU"} {
			var wantN, wantA, maskN, maskA []int32
			v.EachATP(sku, func(node int, atp int32) {
				wantN, wantA = append(wantN, int32(node)), append(wantA, atp)
				if mask[node>>6]&(1<<(node&63)) != 0 {
					maskN, maskA = append(maskN, int32(node)), append(maskA, atp)
				}
			})
			// The lists append.
			gotN, gotA := v.AppendATP(sku, []int32{-7}, []int32{-7})
			require.Equal(t, append([]int32{-7}, wantN...), gotN, "%s held=%v", sku, h != nil)
			require.Equal(t, append([]int32{-7}, wantA...), gotA, "%s held=%v", sku, h != nil)
			gotN, gotA = v.AppendATPMasked(sku, mask, nil, nil)
			require.Equal(t, maskN, gotN, "%s masked held=%v", sku, h != nil)
			require.Equal(t, maskA, gotA, "%s masked held=%v", sku, h != nil)
		}
	}
}
