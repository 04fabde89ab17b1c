package stock

import (
	"errors"
	"slices"
	"testing"
)

// TestShipIsReserveThenCommit checks Ship against Reserve followed by
// Commit on two copies of one table, including refusals.
func TestShipIsReserveThenCommit(t *testing.T) {
	net := demoNet(t)
	a := New(net)
	for n := range net.Nodes {
		if err := a.Set(n, "SKU", Row{OnHand: int32(5 + n), Reserved: 1, Safety: 1}); err != nil {
			t.Fatal(err)
		}
	}
	b := a.Clone()
	for _, qty := range []int32{1, 2, 3, 4, 50} {
		for n := range net.Nodes {
			left, errShip := a.Ship(n, "SKU", qty)
			errRes := b.Reserve(n, "SKU", qty)
			if errRes == nil {
				if err := b.Commit(n, "SKU", qty); err != nil {
					t.Fatal(err)
				}
			}
			if (errShip == nil) != (errRes == nil) || (errShip != nil && !errors.Is(errShip, ErrInsufficient)) {
				t.Fatalf("node %d qty %d: Ship %v, Reserve %v", n, qty, errShip, errRes)
			}
			if left != b.ATP(n, "SKU") {
				t.Fatalf("node %d qty %d: Ship left %d, ATP %d", n, qty, left, b.ATP(n, "SKU"))
			}
		}
	}
	if !slices.Equal(a.Snapshot(), b.Snapshot()) {
		t.Error("tables differ")
	}
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
		if err := tb.Set(n, "SKU", Row{OnHand: int32(n % 3), Safety: int32(n % 2)}); err != nil {
			t.Fatal(err)
		}
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
