package stock

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/network"
)

func demoNet(t testing.TB) *network.Network {
	t.Helper()
	n, err := network.Demo()
	require.NoError(t, err)
	return n
}

func ptr(v int32) *int32 { return &v }

func TestATPNeverNegative(t *testing.T) {
	tab := New(demoNet(t))
	require.NoError(t, tab.Set(0, "MILK-1L", Row{OnHand: 5, Reserved: 3, Safety: 4}))
	assert.EqualValues(t, 0, tab.ATP(0, "MILK-1L"), "ATP")
	assert.EqualValues(t, 0, tab.ATP(0, "NOPE"), "ATP of unknown sku")
	assert.EqualValues(t, 0, tab.ATP(99, "MILK-1L"), "ATP of unknown node")
}

func TestApply(t *testing.T) {
	tests := []struct {
		name        string
		u           Update
		wantApplied bool
		wantErr     error
		wantOnHand  int32
		wantSafety  int32
	}{
		{"delta", Update{Node: 0, SKU: "A", Seq: 2, Delta: 5}, true, nil, 15, 1},
		{"absolute", Update{Node: 0, SKU: "A", Seq: 2, OnHand: ptr(3)}, true, nil, 3, 1},
		{"safety", Update{Node: 0, SKU: "A", Seq: 2, Safety: ptr(4)}, true, nil, 10, 4},
		{"repeated", Update{Node: 0, SKU: "A", Seq: 1, Delta: 5}, false, nil, 10, 1},
		{"late", Update{Node: 0, SKU: "A", Seq: 0, Delta: 5}, false, ErrInvalid, 10, 1},
		{"negative", Update{Node: 0, SKU: "A", Seq: 2, Delta: -11}, false, ErrInvalid, 10, 1},
		{"negative-safety", Update{Node: 0, SKU: "A", Seq: 2, Safety: ptr(-1)}, false, ErrInvalid, 10, 1},
		{"unknown-node", Update{Node: -1, SKU: "A", Seq: 2, Delta: 1}, false, ErrUnknownNode, 10, 1},
		{"empty-sku", Update{Node: 0, SKU: "", Seq: 2, Delta: 1}, false, ErrInvalid, 10, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab := New(demoNet(t))
			if ok, err := tab.Apply(Update{Node: 0, SKU: "A", Seq: 1, OnHand: ptr(10), Safety: ptr(1)}); !ok || err != nil {
				t.Fatalf("first update: %v %v", ok, err)
			}
			ok, err := tab.Apply(tt.u)
			require.Equal(t, tt.wantApplied, ok, "Apply = %v, %v; want %v, %v", ok, err, tt.wantApplied, tt.wantErr)
			require.ErrorIs(t, err, tt.wantErr, "Apply = %v, %v; want %v, %v", ok, err, tt.wantApplied, tt.wantErr)
			require.Equal(t, err == nil, tt.wantErr == nil, "Apply = %v, %v; want %v, %v", ok, err, tt.wantApplied, tt.wantErr)
			r, _ := tab.Get(0, "A")
			if r.OnHand != tt.wantOnHand || r.Safety != tt.wantSafety {
				t.Errorf("row %+v, want on hand %d safety %d", r, tt.wantOnHand, tt.wantSafety)
			}
		})
	}
}

func TestApplyNewRowAndSequencePerPair(t *testing.T) {
	tab := New(demoNet(t))
	for _, u := range []Update{
		{Node: 3, SKU: "B", Seq: 7, Delta: 4},
		{Node: 1, SKU: "B", Seq: 1, Delta: 2}, // another node: its own sequence
		{Node: 3, SKU: "C", Seq: 1, Delta: 1}, // another sku: its own sequence
	} {
		if ok, err := tab.Apply(u); !ok || err != nil {
			t.Fatalf("Apply(%+v) = %v, %v", u, ok, err)
		}
	}
	if ok, _ := tab.Apply(Update{Node: 3, SKU: "B", Seq: 7, Delta: 4}); ok {
		t.Error("repeated update applied")
	}
	var got []int
	tab.EachATP("B", func(n int, atp int32) { got = append(got, n, int(atp)) })
	assert.True(t, slices.Equal(got, []int{1, 2, 3, 4}), "EachATP(B) = %v, want [1 2 3 4]", got)
}

func TestReserveReleaseCommit(t *testing.T) {
	tab := New(demoNet(t))
	require.NoError(t, tab.Set(2, "X", Row{OnHand: 10, Safety: 2}))
	steps := []struct {
		name    string
		op      func() error
		wantErr error
		atp     int32
		onHand  int32
	}{
		{"reserve", func() error { return tab.Reserve(2, "X", 5) }, nil, 3, 10},
		{"reserve-too-many", func() error { return tab.Reserve(2, "X", 4) }, ErrInsufficient, 3, 10},
		{"reserve-unknown-sku", func() error { return tab.Reserve(2, "Y", 1) }, ErrInsufficient, 3, 10},
		{"reserve-zero", func() error { return tab.Reserve(2, "X", 0) }, ErrInvalid, 3, 10},
		{"release", func() error { return tab.Release(2, "X", 1) }, nil, 4, 10},
		{"release-too-many", func() error { return tab.Release(2, "X", 5) }, ErrInsufficient, 4, 10},
		{"commit", func() error { return tab.Commit(2, "X", 3) }, nil, 4, 7},
		{"commit-too-many", func() error { return tab.Commit(2, "X", 2) }, ErrInsufficient, 4, 7},
		{"unknown-node", func() error { return tab.Reserve(1000, "X", 1) }, ErrUnknownNode, 4, 7},
	}
	for _, s := range steps {
		err := s.op()
		require.ErrorIs(t, err, s.wantErr, "%s: error %v, want %v", s.name, err, s.wantErr)
		require.Equal(t, err == nil, s.wantErr == nil, "%s: error %v, want %v", s.name, err, s.wantErr)
		r, _ := tab.Get(2, "X")
		require.Equal(t, s.atp, r.ATP(), "%s: row %+v, want ATP %d on hand %d", s.name, r, s.atp, s.onHand)
		require.Equal(t, s.onHand, r.OnHand, "%s: row %+v, want ATP %d on hand %d", s.name, r, s.atp, s.onHand)
	}
}

func TestReserveAllIsAtomic(t *testing.T) {
	tab := New(demoNet(t))
	_ = tab.Set(0, "A", Row{OnHand: 5})
	_ = tab.Set(1, "B", Row{OnHand: 2})
	before := tab.Snapshot()
	err := tab.ReserveAll([]Item{{0, "A", 3}, {1, "B", 1}, {0, "A", 3}})
	require.ErrorIs(t, err, ErrInsufficient, "ReserveAll = %v, want ErrInsufficient naming items[2]", err)
	require.ErrorContains(t, err, "items[2]", "ReserveAll = %v, want ErrInsufficient naming items[2]", err)
	if after := tab.Snapshot(); !slices.Equal(before, after) {
		t.Errorf("failed ReserveAll changed the table:\n%v\n%v", before, after)
	}
	require.NoError(t, tab.ReserveAll([]Item{{0, "A", 3}, {1, "B", 2}, {0, "A", 2}}))
	if tab.ATP(0, "A") != 0 || tab.ATP(1, "B") != 0 {
		t.Error("ReserveAll did not reserve everything")
	}
	before = tab.Snapshot()
	if err := tab.CommitAll([]Item{{0, "A", 5}, {1, "B", 3}}); !errors.Is(err, ErrInsufficient) {
		t.Fatalf("CommitAll = %v", err)
	}
	if err := tab.ReleaseAll([]Item{{0, "A", 1}, {1, "B", 3}}); !errors.Is(err, ErrInsufficient) {
		t.Fatalf("ReleaseAll = %v", err)
	}
	if after := tab.Snapshot(); !slices.Equal(before, after) {
		t.Error("failed CommitAll or ReleaseAll changed the table")
	}
	require.NoError(t, tab.CommitAll([]Item{{0, "A", 5}, {1, "B", 2}}))
	if r, _ := tab.Get(0, "A"); r.OnHand != 0 || r.Reserved != 0 {
		t.Errorf("after commit %+v", r)
	}
}

// TestReservationProperty runs random reserve, release and commit
// sequences and checks the invariants after every step: ATP is never
// negative, reserved never exceeds on hand, a failed step changes nothing.
func TestReservationProperty(t *testing.T) {
	net := demoNet(t)
	skus := []string{"A", "B", "C"}
	for seed := uint64(1); seed <= 200; seed++ {
		rng := rand.New(rand.NewPCG(seed, 99))
		tab := New(net)
		for n := 0; n < 4; n++ {
			for _, s := range skus {
				_ = tab.Set(n, s, Row{OnHand: int32(rng.IntN(12)), Safety: int32(rng.IntN(3))})
			}
		}
		for step := 0; step < 200; step++ {
			n, s, q := rng.IntN(4), skus[rng.IntN(len(skus))], int32(1+rng.IntN(5))
			before, _ := tab.Get(n, s)
			var err error
			switch rng.IntN(5) {
			case 0, 1:
				err = tab.Reserve(n, s, q)
			case 2:
				err = tab.Release(n, s, q)
			case 3:
				err = tab.Commit(n, s, q)
			case 4:
				items := []Item{{n, s, q}, {rng.IntN(4), skus[rng.IntN(len(skus))], int32(1 + rng.IntN(3))}}
				snap := tab.Snapshot()
				if err := tab.ReserveAll(items); err != nil && !slices.Equal(snap, tab.Snapshot()) {
					t.Fatalf("seed %d step %d: failed ReserveAll changed the table", seed, step)
				}
			}
			after, _ := tab.Get(n, s)
			if err != nil && before != after {
				t.Fatalf("seed %d step %d: failed operation changed %+v to %+v", seed, step, before, after)
			}
			for _, r := range tab.Snapshot() {
				require.LessOrEqual(t, r.Reserved, r.OnHand, "seed %d step %d: invariant broken: %+v", seed, step, r)
				require.GreaterOrEqual(t, r.Reserved, int32(0), "seed %d step %d: invariant broken: %+v", seed, step, r)
				require.GreaterOrEqual(t, r.OnHand, int32(0), "seed %d step %d: invariant broken: %+v", seed, step, r)
				require.GreaterOrEqual(t, r.ATP(), int32(0), "seed %d step %d: invariant broken: %+v", seed, step, r)
				require.Equal(t, max(0, r.OnHand-r.Reserved-r.Safety), r.ATP(), "seed %d step %d: ATP %d of %+v", seed, step, r.ATP(), r)
			}
		}
	}
}

func TestCapacity(t *testing.T) {
	net := demoNet(t)
	tab := New(net)
	node, _ := net.NodeIndex("alm-s01")
	full := int32(net.Nodes[node].CapacityPerDay)
	require.Equal(t, full, tab.Remaining(node), "Remaining")
	require.NoError(t, tab.Use(node, 10))
	assert.Equal(t, full-10, tab.Remaining(node), "Remaining")
	_ = tab.Use(node, full)
	assert.EqualValues(t, 0, tab.Remaining(node), "Remaining over capacity")
	if err := tab.Unuse(node, 20); err != nil || tab.Remaining(node) != 10 || tab.Used(node) != full-10 {
		t.Errorf("after Unuse(20): %v, Remaining %d, Used %d", err, tab.Remaining(node), tab.Used(node))
	}
	if _ = tab.Unuse(node, 10*full); tab.Used(node) != 0 {
		t.Errorf("Unuse went below zero: %d", tab.Used(node))
	}
	_ = tab.Use(node, full)
	c := tab.Clone()
	tab.ResetDay()
	assert.Equal(t, full, tab.Remaining(node), "after ResetDay Remaining")
	assert.EqualValues(t, 0, c.Remaining(node), "ResetDay reached the clone")
	if err := tab.Use(node, -1); !errors.Is(err, ErrInvalid) {
		t.Errorf("Use(-1) = %v", err)
	}
	// A node without a limit.
	net2 := net.Clone()
	net2.Nodes[0].CapacityPerDay = 0
	require.NoError(t, net2.Init())
	assert.EqualValues(t, -1, New(net2).Remaining(0), "Remaining without limit")
}

func TestCloneIsDeep(t *testing.T) {
	tab := New(demoNet(t))
	_ = tab.Set(0, "A", Row{OnHand: 5})
	c := tab.Clone()
	require.NoError(t, c.Reserve(0, "A", 2))
	_, _ = c.Apply(Update{Node: 1, SKU: "NEW", Seq: 1, Delta: 1})
	if tab.ATP(0, "A") != 5 || tab.SKUs() != 1 {
		t.Error("changing the clone changed the original")
	}
	if c.ATP(0, "A") != 3 || c.ATP(1, "NEW") != 1 {
		t.Error("clone lost a change")
	}
}

func TestCSVRoundTrip(t *testing.T) {
	net := demoNet(t)
	tab, err := ReadCSV(bytes.NewReader(network.DemoStock()), network.DemoStockFile, net)
	require.NoError(t, err)
	var out bytes.Buffer
	require.NoError(t, tab.WriteCSV(&out))
	again, err := ReadCSV(bytes.NewReader(out.Bytes()), "again.csv", net)
	require.NoError(t, err)
	assert.True(t, slices.Equal(tab.Snapshot(), again.Snapshot()), "stock changed in a CSV round trip")
	var out2 bytes.Buffer
	_ = again.WriteCSV(&out2)
	assert.True(t, bytes.Equal(out.Bytes(), out2.Bytes()), "writing the same stock twice gave different bytes")
	if tab.SKUs() < 150 || tab.SKUs() > 300 {
		t.Errorf("demo stock has %d SKUs", tab.SKUs())
	}
}

func TestWriteFreeCSV(t *testing.T) {
	net := demoNet(t)
	tab := New(net)
	require.NoError(t, tab.Set(0, "A", Row{OnHand: 5, Safety: 1}))
	require.NoError(t, tab.Set(1, "A", Row{OnHand: 2}))
	require.NoError(t, tab.Reserve(0, "A", 3))
	require.NoError(t, tab.Reserve(1, "A", 2))
	// A recount below the units reserved: nothing is free there.
	require.NoError(t, tab.Set(1, "A", Row{OnHand: 1, Reserved: 2}))
	var free, all bytes.Buffer
	require.NoError(t, tab.WriteFreeCSV(&free))
	require.NoError(t, tab.WriteCSV(&all))
	n0, n1 := net.Nodes[0].ID, net.Nodes[1].ID
	assert.Equal(t, "node,sku,on_hand,safety_stock\n"+n0+",A,2,1\n"+n1+",A,0,0\n", free.String())
	assert.Equal(t, "node,sku,on_hand,safety_stock\n"+n0+",A,5,1\n"+n1+",A,1,0\n", all.String())
	back, err := ReadCSV(&free, "free.csv", net)
	require.NoError(t, err)
	assert.Equal(t, int32(1), back.ATP(0, "A"), "the free stock less its safety stock")
}

func TestReadCSVErrors(t *testing.T) {
	const head = "node,sku,on_hand,safety_stock\n"
	tests := []struct {
		name, csv, want string
	}{
		{"empty", "", "stock.csv: empty file"},
		{"header", "node,sku,qty\n", "stock.csv:1: header has 3 columns"},
		{"header-name", "node,sku,on_hand,safety\n", `stock.csv:1: header column 4 is "safety"`},
		{"not-integer", head + "alm-s01,A,1,0\nalm-s01,B,x,0\n", `stock.csv:3: on_hand: "x" is not an integer`},
		{"negative", head + "alm-s01,A,1,-2\n", "stock.csv:2: safety_stock: -2 is out of range 0..1000000"},
		{"above-limit", head + "alm-s01,A,1000001,0\n", "stock.csv:2: on_hand: 1000001 is out of range 0..1000000"},
		{"above-int32", head + "alm-s01,A,2147483647,0\n", "stock.csv:2: on_hand: 2147483647 is out of range 0..1000000"},
		{"above-int64", head + "alm-s01,A,1,99999999999999999999\n", "stock.csv:2: safety_stock: 99999999999999999999 is out of range 0..1000000"},
		{"unknown-node", head + "nowhere,A,1,0\n", `stock.csv:2: node: unknown node "nowhere"`},
		{"duplicate", head + "alm-s01,A,1,0\nalm-s02,A,1,0\nalm-s01,A,2,0\n", `stock.csv:4: duplicate row for node "alm-s01", sku "A"`},
		{"columns", head + "alm-s01,A,1\n", "stock.csv:2: 3 columns, want 4"},
		{"empty-sku", head + "alm-s01,,1,0\n", "stock.csv:2: sku: empty"},
		{"quote", head + "alm-s01,\"A,1,0\n", "stock.csv:2: extraneous or missing"},
	}
	net := demoNet(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadCSV(strings.NewReader(tt.csv), "stock.csv", net)
			require.ErrorIs(t, err, ErrBadCSV, "error %v does not wrap ErrBadCSV", err)
			var ce *CSVError
			if !errors.As(err, &ce) || ce.File != "stock.csv" {
				t.Errorf("error %v is not a *CSVError of stock.csv", err)
			}
			assert.True(t, strings.HasPrefix(err.Error(), tt.want), "error\n  %q\ndoes not start with\n  %q", err, tt.want)
		})
	}
}

func TestReadCSVTolerates(t *testing.T) {
	src := "\ufeffnode,sku,on_hand,safety_stock\r\nalm-s01, A ,1,0\r\n\r\nalm-s02,B, 2 ,1\r\n"
	tab, err := ReadCSV(strings.NewReader(src), "stock.csv", demoNet(t))
	require.NoError(t, err)
	if tab.ATP(0, "A") != 1 || tab.ATP(1, "B") != 1 {
		t.Errorf("snapshot %+v", tab.Snapshot())
	}
}

func BenchmarkEachATP(b *testing.B) {
	net := demoNet(b)
	tab, err := ReadCSV(bytes.NewReader(network.DemoStock()), network.DemoStockFile, net)
	require.NoError(b, err)
	var sum int32
	fn := func(_ int, atp int32) { sum += atp }
	b.ReportAllocs()
	for b.Loop() {
		tab.EachATP("MILK-1L", fn)
	}
	_ = sum
}

func BenchmarkReserveRelease(b *testing.B) {
	net := demoNet(b)
	tab, err := ReadCSV(bytes.NewReader(network.DemoStock()), network.DemoStockFile, net)
	require.NoError(b, err)
	node, _ := net.NodeIndex("alm-wh1")
	items := []Item{{node, "MILK-1L", 2}, {node, "PHONE-X12", 1}}
	b.ReportAllocs()
	for b.Loop() {
		if err := tab.ReserveAll(items); err != nil {
			b.Fatal(err)
		}
		if err := tab.ReleaseAll(items); err != nil {
			b.Fatal(err)
		}
	}
}

func TestMaxSeq(t *testing.T) {
	tab := New(demoNet(t))
	assert.EqualValues(t, 0, tab.MaxSeq(), "empty table: MaxSeq")
	for _, u := range []Update{
		{Node: 3, SKU: "B", Seq: 7, Delta: 4},
		{Node: 1, SKU: "B", Seq: 2, Delta: 2},
		{Node: 0, SKU: "C", Seq: 5, Delta: 1},
	} {
		if _, err := tab.Apply(u); err != nil {
			t.Fatal(err)
		}
	}
	assert.EqualValues(t, 7, tab.MaxSeq(), "MaxSeq")
}
