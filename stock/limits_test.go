package stock

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLevelLimitIsOneRule: the stock file and a live update refuse the
// same on hand with the same words, and accept the limit itself.
func TestLevelLimitIsOneRule(t *testing.T) {
	net := demoNet(t)
	const head = "node,sku,on_hand,safety_stock\n"
	tab, err := ReadCSV(strings.NewReader(head+"alm-s01,A,1000000,1000000\n"), "stock.csv", net)
	require.NoError(t, err, "the limit itself is accepted")
	row, _ := tab.Get(0, "A")
	assert.Equal(t, int32(MaxLevel), row.OnHand)

	_, csvErr := ReadCSV(strings.NewReader(head+"alm-s01,A,1000001,0\n"), "stock.csv", net)
	require.Error(t, csvErr)
	over := int32(MaxLevel + 1)
	_, upErr := New(net).Apply(Update{Node: 0, SKU: "A", Seq: 1, OnHand: &over})
	require.Error(t, upErr)
	want := CheckLevel(MaxLevel + 1).Error()
	assert.Equal(t, "1000001 is out of range 0..1000000", want)
	assert.True(t, strings.HasSuffix(csvErr.Error(), "on_hand: "+want), csvErr.Error())
	assert.True(t, strings.HasSuffix(upErr.Error(), "on_hand would be "+want), upErr.Error())

	// A delta that carries on hand over the limit is refused and changes
	// nothing; Receive (the replay's arrivals) keeps the same rule.
	ok, err := tab.Apply(Update{Node: 0, SKU: "A", Seq: 2, Delta: 1})
	assert.False(t, ok)
	assert.ErrorIs(t, err, ErrInvalid)
	assert.ErrorContains(t, err, "on_hand would be 1000001 is out of range")
	_, err = tab.Receive(0, []byte("A"), 3, 1)
	assert.ErrorIs(t, err, ErrInvalid)
	row, _ = tab.Get(0, "A")
	assert.Equal(t, int32(MaxLevel), row.OnHand)
	assert.Equal(t, uint64(0), row.Seq)

	safety := int32(-1)
	_, err = tab.Apply(Update{Node: 0, SKU: "A", Seq: 4, Safety: &safety})
	assert.ErrorContains(t, err, "safety_stock -1 is out of range 0..1000000")
}

// TestSeqBound: a sequence number above 2^63-1 is refused, so that no
// single update can make every later one look like a repeat.
func TestSeqBound(t *testing.T) {
	tab := New(demoNet(t))
	one := int32(1)
	for _, seq := range []uint64{0, MaxSeq + 1, ^uint64(0)} {
		ok, err := tab.Apply(Update{Node: 0, SKU: "A", Seq: seq, OnHand: &one})
		assert.False(t, ok, "seq %d", seq)
		assert.ErrorIs(t, err, ErrInvalid, "seq %d", seq)
		assert.ErrorContains(t, err, "is out of range 1..9223372036854775807")
	}
	_, found := tab.Get(0, "A")
	assert.False(t, found, "a refused update leaves no row")
	ok, err := tab.Apply(Update{Node: 0, SKU: "A", Seq: MaxSeq, OnHand: &one})
	require.NoError(t, err)
	assert.True(t, ok)
}

func TestSetUsed(t *testing.T) {
	net := demoNet(t)
	tab := New(net)
	node, _ := net.NodeIndex("alm-s01")
	full := int32(net.Nodes[node].CapacityPerDay)
	require.NoError(t, tab.SetUsed(node, 7))
	assert.Equal(t, int32(7), tab.Used(node))
	assert.Equal(t, full-7, tab.Remaining(node))
	require.NoError(t, tab.SetUsed(node, 0))
	assert.Equal(t, full, tab.Remaining(node))
	assert.ErrorIs(t, tab.SetUsed(node, -1), ErrInvalid)
	assert.ErrorIs(t, tab.SetUsed(len(net.Nodes), 1), ErrUnknownNode)
}
