package planning

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Price is the opportunity cost of one unit of SKU at a node: Dual, what
// one more unit there would save over the horizon if demand came as
// expected, times the probability that the unit is needed at all
// (NeededProbability).
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

// Prices are a plan's opportunity costs by (node, SKU), for the look-ahead
// policy. A Prices is read-only once made and safe for concurrent use.
type Prices struct {
	// PlannedAt is the plan's Input.At.
	PlannedAt time.Time
	// bySKU[sku][node] is the price of a unit of sku at node.
	bySKU map[string][]float64
	nodes int
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
