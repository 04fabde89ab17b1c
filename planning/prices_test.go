package planning

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/forecast"
	"github.com/omniroute/omniroute/lp"
)

// TestReadPricesCSVReadsWhatPlanWrites: the prices a plan writes read back
// to the same price of every (node, SKU), planned at the time given.
func TestReadPricesCSVReadsWhatPlanWrites(t *testing.T) {
	net := handNet(t)
	in := handInput(t, net, forecast.Cell{Region: "A", SKU: "s", Method: forecast.Parcel, UnitsPerDay: 2, UnitsPerOrder: 1, LostSaleCost: 7})
	res, _, err := Solve(context.Background(), in, lp.Settings{})
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, WritePricesCSV(&buf, res.Prices))
	rows, err := ReadPricesCSV(&buf, "prices.csv", net)
	require.NoError(t, err)
	got := NewPrices(rows, len(net.Nodes), at)
	want := NewPrices(res.Prices, len(net.Nodes), at)
	for node := range net.Nodes {
		assert.InDelta(t, want.Price(node, "s"), got.Price(node, "s"), 1e-6, net.Nodes[node].ID)
	}
	assert.Positive(t, got.Price(0, "s"), "the scarce unit at near is priced")

	// Columns in any order, a byte-order mark, spaces, a price of 0.
	rows, err = ReadPricesCSV(strings.NewReader("\ufeffsku, price ,node\ns, 3.5 ,far\nt,0,near\n"), "p.csv", net)
	require.NoError(t, err)
	assert.Equal(t, []Price{{Node: 2, NodeID: "far", SKU: "s", Price: 3.5}, {Node: 0, NodeID: "near", SKU: "t"}}, rows)
	got = NewPrices(rows, len(net.Nodes), at)
	assert.Equal(t, 3.5, got.Price(2, "s"))
	assert.Zero(t, got.Price(0, "t"))
}

func TestReadPricesCSVRejectsBadRows(t *testing.T) {
	net := handNet(t)
	for _, c := range []struct{ file, want string }{
		{"", "p.csv:1: empty file: want a header row node,sku,price"},
		{"node,sku\n", "p.csv:1: price: missing column"},
		{"node,sku,price,price\n", "p.csv:1: price: column given twice"},
		{"node,sku,price\nnowhere,s,1\n", `p.csv:2: node: unknown node "nowhere"`},
		{"node,sku,price\nnear,,1\n", "p.csv:2: sku: is empty"},
		{"node,sku,price\nnear,s,\n", "p.csv:2: price: is empty"},
		{"node,sku,price\nnear,s,cheap\n", `p.csv:2: price: "cheap" is not a finite number`},
		{"node,sku,price\nnear,s,NaN\n", `p.csv:2: price: "NaN" is not a finite number`},
		{"node,sku,price\nnear,s,-1\n", "p.csv:2: price: -1 is below 0"},
		{"node,sku,price\nnear,s,1\nfar,s,2\nnear,s,3\n", "p.csv:4: near,s repeats line 2"},
		{"node,sku,price\nnear,\"s,1\n", "p.csv:2: extraneous or missing \" in quoted-field"},
	} {
		_, err := ReadPricesCSV(strings.NewReader(c.file), "p.csv", net)
		require.Error(t, err, c.file)
		assert.Equal(t, c.want, err.Error(), c.file)
		var pe *forecast.ParseError
		assert.ErrorAs(t, err, &pe)
	}
}
