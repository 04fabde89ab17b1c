package planning

import (
	"bufio"
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/omniroute/omniroute/forecast"
	"github.com/omniroute/omniroute/network"
)

// Price is the opportunity cost of one unit of SKU at a node: Dual, what
// one more unit there would save over the horizon if demand came as
// expected, times the probability that the unit is needed at all
// (NeededProbability), plus the node's capacity price (CapacityPrice)
// when its pick capacity binds.
type Price struct {
	Node   int     `json:"-"`
	NodeID string  `json:"node"`
	SKU    string  `json:"sku"`
	Supply float64 `json:"supply"`
	// Used is how many units of the supply the plan sends.
	Used float64 `json:"used"`
	// Dual is -dual of the supply's stock row.
	Dual  float64 `json:"dual"`
	Price float64 `json:"price"`
}

// CapacityPrice is the opportunity cost of one unit of a node's pick
// capacity over a plan's time: Dual, what one more unit saves in the
// plan; Price, what the plan's prices add to each unit picked there (the
// demand model weighs Dual by the chance that the last pick is needed,
// as it does a supply's). Units is the capacity planned with, Used what
// the plan picks of it.
type CapacityPrice struct {
	Node   int     `json:"-"`
	NodeID string  `json:"node"`
	Units  float64 `json:"units"`
	Used   float64 `json:"used"`
	Dual   float64 `json:"dual"`
	Price  float64 `json:"price"`
}

// SortCapacityPrices sorts capacity prices by node id.
func SortCapacityPrices(c []CapacityPrice) {
	slices.SortFunc(c, func(a, b CapacityPrice) int { return cmp.Compare(a.NodeID, b.NodeID) })
}

// Prices are a plan's opportunity costs by (node, SKU), for the look-ahead
// policy. A Prices is read-only once made and safe for concurrent use.
type Prices struct {
	// PlannedAt is the plan's Input.At.
	PlannedAt time.Time
	// bySKU[sku][node] is the price of a unit of sku at node.
	bySKU map[string][]float64
	nodes int
	// sellOut is SellOut's probability by SKU (WithSellOut); nil
	// without a season end. seasoned is true once WithSellOut gave one.
	sellOut  map[string]float64
	seasoned bool
	// picks prices the picks of nodes' rest of the day (WithPicks); nil
	// without.
	picks *PickOutlook
	// tills prices the units of the rows the tills sell from (WithTills);
	// nil without.
	tills *TillOutlook
}

// NewPrices indexes prices for a network of nodes nodes; PlannedAt is at.
func NewPrices(prices []Price, nodes int, at time.Time) *Prices {
	p := &Prices{PlannedAt: at, bySKU: map[string][]float64{}, nodes: nodes}
	for _, pr := range prices {
		if pr.Price == 0 || pr.Node < 0 || pr.Node >= nodes {
			continue
		}
		row := p.bySKU[pr.SKU]
		if row == nil {
			row = make([]float64, nodes)
			p.bySKU[pr.SKU] = row
		}
		row[pr.Node] = pr.Price
	}
	return p
}

// Price returns the opportunity cost of a unit of sku at node (0 when the
// plan gave none). A nil *Prices prices everything at 0.
func (p *Prices) Price(node int, sku string) float64 {
	if p == nil {
		return 0
	}
	row := p.bySKU[sku]
	if row == nil || node < 0 || node >= len(row) {
		return 0
	}
	return row[node]
}

// Len is the number of (node, SKU) pairs with a positive price.
func (p *Prices) Len() int {
	if p == nil {
		return 0
	}
	n := 0
	for _, row := range p.bySKU {
		for _, v := range row {
			if v > 0 {
				n++
			}
		}
	}
	return n
}

// WritePricesCSV writes node,sku,price, one row per price in the given
// order (a Result's is sorted by node then SKU), prices with six decimals.
func WritePricesCSV(w io.Writer, prices []Price) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("node,sku,price\n")
	for _, p := range prices {
		bw.WriteString(csvField(p.NodeID))
		bw.WriteByte(',')
		bw.WriteString(csvField(p.SKU))
		bw.WriteByte(',')
		bw.WriteString(strconv.FormatFloat(p.Price, 'f', 6, 64))
		bw.WriteByte('\n')
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write prices: %w", err)
	}
	return nil
}

func csvField(s string) string {
	if !strings.ContainsAny(s, ",\"\n\r") {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// ReadPricesCSV reads a prices file, as WritePricesCSV writes it, over the
// nodes of net (each Price's Node is its index there); name is used in
// errors. NewPrices indexes them.
// The file has a header row, its columns in any order:
//
//	node,sku,price
//	alm-s01,SKU-00007,12.5
//
// node (a node id of net), sku (not empty) and price (a finite number,
// at least 0) are required on every row; a (node, sku) given twice is an
// error. The first bad row fails the read with a *forecast.ParseError
// ("prices.csv:3: price: "x" is not a finite number").
func ReadPricesCSV(r io.Reader, name string, net *network.Network) ([]Price, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &forecast.ParseError{File: name, Line: 1, Msg: "empty file: want a header row node,sku,price"}
	}
	if err != nil {
		return nil, forecast.CSVError(name, err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if _, dup := col[h]; dup {
			return nil, &forecast.ParseError{File: name, Line: 1, Column: h, Msg: "column given twice"}
		}
		col[h] = i
	}
	for _, c := range []string{"node", "sku", "price"} {
		if _, ok := col[c]; !ok {
			return nil, &forecast.ParseError{File: name, Line: 1, Column: c, Msg: "missing column"}
		}
	}
	type key struct {
		node int
		sku  string
	}
	seen := map[key]int{}
	var prices []Price
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, forecast.CSVError(name, err)
		}
		line, _ := cr.FieldPos(0)
		get := func(c string) string {
			if i := col[c]; i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		bad := func(c, format string, args ...any) error {
			return &forecast.ParseError{File: name, Line: line, Column: c, Msg: fmt.Sprintf(format, args...)}
		}
		id := get("node")
		node, ok := net.NodeIndex(id)
		if !ok {
			return nil, bad("node", "unknown node %q", id)
		}
		sku := get("sku")
		if sku == "" {
			return nil, bad("sku", "is empty")
		}
		raw := get("price")
		v, err := strconv.ParseFloat(raw, 64)
		switch {
		case raw == "":
			return nil, bad("price", "is empty")
		case err != nil || math.IsInf(v, 0) || math.IsNaN(v):
			return nil, bad("price", "%q is not a finite number", raw)
		case v < 0:
			return nil, bad("price", "%v is below 0", v)
		}
		k := key{node, sku}
		if prev, dup := seen[k]; dup {
			return nil, bad("", "%s,%s repeats line %d", id, sku, prev)
		}
		seen[k] = line
		prices = append(prices, Price{Node: node, NodeID: id, SKU: sku, Price: v})
	}
	return prices, nil
}
