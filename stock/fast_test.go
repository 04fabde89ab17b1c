package stock

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/network"
)

// TestShipIsReserveThenCommit checks Ship against Reserve followed by
// Commit on two copies of one table, including refusals.
func TestShipIsReserveThenCommit(t *testing.T) {
	net := demoNet(t)
	a := New(net)
	for n := range net.Nodes {
		require.NoError(t, a.Set(n, "SKU", Row{OnHand: int32(5 + n), Reserved: 1, Safety: 1}))
	}
	b := a.Clone()
	for _, qty := range []int32{1, 2, 3, 4, 50} {
		for n := range net.Nodes {
			left, errShip := a.Ship(n, "SKU", qty)
			errRes := b.Reserve(n, "SKU", qty)
			if errRes == nil {
				require.NoError(t, b.Commit(n, "SKU", qty))
			}
			require.Equal(t, errRes == nil, errShip == nil, "node %d qty %d: Ship %v, Reserve %v", n, qty, errShip, errRes)
			if errShip != nil && !errors.Is(errShip, ErrInsufficient) {
				t.Fatalf("node %d qty %d: Ship %v, Reserve %v", n, qty, errShip, errRes)
			}
			require.Equal(t, b.ATP(n, "SKU"), left, "node %d qty %d: Ship left %d, ATP %d", n, qty, left, b.ATP(n, "SKU"))
		}
	}
	assert.True(t, slices.Equal(a.Snapshot(), b.Snapshot()), "tables differ")
	if _, err := a.Ship(0, "NONE", 1); !errors.Is(err, ErrInsufficient) {
		t.Errorf("ship of an unknown SKU: %v", err)
	}
	if _, err := a.Ship(0, "SKU", 0); !errors.Is(err, ErrInvalid) {
		t.Errorf("ship of 0 units: %v", err)
	}
}

// TestAppendATPListsEachATP checks the fast path against EachATP.
func TestAppendATPListsEachATP(t *testing.T) {
	net := demoNet(t)
	tb := New(net)
	for n := range net.Nodes {
		require.NoError(t, tb.Set(n, "SKU", Row{OnHand: int32(n % 3), Safety: int32(n % 2)}))
	}
	var wantN, wantA []int32
	tb.EachATP("SKU", func(n int, a int32) { wantN, wantA = append(wantN, int32(n)), append(wantA, a) })
	gotN, gotA := tb.AppendATP("SKU", []int32{-1}, []int32{-1})
	if !slices.Equal(gotN[1:], wantN) || !slices.Equal(gotA[1:], wantA) || gotN[0] != -1 || gotA[0] != -1 {
		t.Errorf("AppendATP %v %v, EachATP %v %v", gotN, gotA, wantN, wantA)
	}
	if n, a := tb.AppendATP("NONE", nil, nil); len(n) != 0 || len(a) != 0 {
		t.Errorf("unknown SKU listed %v %v", n, a)
	}
}

// TestAppendATPMaskedListsMaskedEachATP checks the masked fast path against
// EachATP filtered by the mask, over several mask words, with rows added
// out of node order and a clone changed after copying.
func TestAppendATPMaskedListsMaskedEachATP(t *testing.T) {
	net := &network.Network{Nodes: make([]network.Node, 200)}
	for n := range net.Nodes {
		net.Nodes[n].ID = fmt.Sprintf("n%03d", n)
	}
	tb := New(net)
	for _, n := range []int{150, 3, 64, 63, 199, 0, 128, 127, 70, 5, 190} {
		require.NoError(t, tb.Set(n, "SKU", Row{OnHand: int32(n%4 + 1), Safety: int32(n % 3)}))
	}
	c := tb.Clone()
	require.NoError(t, c.Set(100, "SKU", Row{OnHand: 9}))
	masks := map[string][]uint64{
		"all":    {^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0)},
		"none":   make([]uint64, 4),
		"short":  {^uint64(0)},
		"sparse": {1<<3 | 1<<63, 1 << 6, 1<<0 | 1<<63 | 1<<22, 1<<7 | 1<<62},
		"odd":    {0xaaaaaaaaaaaaaaaa, 0x5555555555555555, 0xaaaaaaaaaaaaaaaa, 0x5555555555555555},
	}
	for _, tab := range []*Table{tb, c} {
		held := map[int]int32{}
		for _, r := range tab.Snapshot() {
			held[r.Node] = r.ATP()
		}
		for n := range net.Nodes {
			_, ok := tab.Get(n, "SKU")
			if _, want := held[n]; ok != want || tab.ATP(n, "SKU") != held[n] {
				t.Errorf("node %d: Get found %v, ATP %d; want %v, %d", n, ok, tab.ATP(n, "SKU"), want, held[n])
			}
		}
		for name, mask := range masks {
			var wantN, wantA []int32
			tab.EachATP("SKU", func(n int, a int32) {
				if n>>6 < len(mask) && mask[n>>6]&(1<<(n&63)) != 0 {
					wantN, wantA = append(wantN, int32(n)), append(wantA, a)
				}
			})
			gotN, gotA := tab.AppendATPMasked("SKU", mask, nil, nil)
			if !slices.Equal(gotN, wantN) || !slices.Equal(gotA, wantA) {
				t.Errorf("%s: AppendATPMasked %v %v, EachATP %v %v", name, gotN, gotA, wantN, wantA)
			}
		}
	}
	if n, a := tb.AppendATPMasked("NONE", masks["all"], nil, nil); len(n) != 0 || len(a) != 0 {
		t.Errorf("unknown SKU listed %v %v", n, a)
	}
}

// TestReceiveIsApply checks Receive against Apply of the same delta on two
// copies of one table: existing and new rows, new SKUs, repeated and zero
// sequence numbers, unknown nodes, empty SKUs, and deltas out of range.
func TestReceiveIsApply(t *testing.T) {
	net := demoNet(t)
	a := New(net)
	require.NoError(t, a.Set(0, "SKU", Row{OnHand: 5, Safety: 1, Seq: 3}))
	b := a.Clone()
	cases := []struct {
		name string
		node int
		sku  string
		seq  uint64
		qty  int32
	}{
		{"existing row", 0, "SKU", 4, 2},
		{"repeated seq", 0, "SKU", 4, 2},
		{"late seq", 0, "SKU", 1, 2},
		{"zero seq", 0, "SKU", 0, 2},
		{"new row", 1, "SKU", 1, 3},
		{"new sku", 1, "NEW", 1, 3},
		{"negative result", 0, "SKU", 5, -100},
		{"above int32", 0, "SKU", 6, 1<<31 - 1},
		{"above the level limit", 0, "SKU", 6, MaxLevel},
		{"take away", 0, "SKU", 7, -3},
		{"unknown node", len(net.Nodes), "SKU", 1, 1},
		{"negative node", -1, "SKU", 1, 1},
		{"empty sku", 0, "", 1, 1},
	}
	for _, c := range cases {
		okR, errR := a.Receive(c.node, []byte(c.sku), c.seq, c.qty)
		okA, errA := b.Apply(Update{Node: c.node, SKU: c.sku, Seq: c.seq, Delta: c.qty})
		require.Equal(t, okA, okR, "%s: Receive %v, %v; Apply %v, %v", c.name, okR, errR, okA, errA)
		require.Equal(t, fmt.Sprint(errA), fmt.Sprint(errR), "%s: Receive %v, %v; Apply %v, %v", c.name, okR, errR, okA, errA)
		require.True(t, slices.Equal(a.Snapshot(), b.Snapshot()), "%s: tables differ", c.name)
	}
}
