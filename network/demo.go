package network

import (
	"bytes"
	_ "embed" // the demo network and stock are embedded
	"fmt"
	"time"

	"github.com/omniroute/omniroute/solver"
)

//go:embed demo/network.yaml
var demoNetwork []byte

//go:embed demo/stock.csv
var demoStock []byte

// DemoStockFile is the name the demo stock is reported under in errors.
const DemoStockFile = "demo/stock.csv"

// Demo returns a freshly parsed and initialised copy of the embedded demo
// network: a grocery and electronics chain in Almaty and Astana (40
// stores, 4 dark stores, 2 warehouses, a glovo courier zone over each
// city, a parcel carrier with Jasin & Sinha's constants).
func Demo() (*Network, error) {
	n, err := Parse(bytes.NewReader(demoNetwork), "demo/network.yaml")
	if err != nil {
		return nil, fmt.Errorf("demo network: %w", err)
	}
	return n, nil
}

// DemoNetworkYAML returns a copy of the embedded demo network file.
func DemoNetworkYAML() []byte { return bytes.Clone(demoNetwork) }

// DemoStock returns a copy of the embedded demo stock file (CSV:
// node,sku,on_hand,safety_stock), for stock.ReadCSV.
func DemoStock() []byte { return bytes.Clone(demoStock) }

// DemoOrder returns the README's demo order: two litres of milk, a loaf
// and a phone for a customer in central Almaty at 14:30 local time,
// delivered, split allowed, promised within a day.
func DemoOrder() *Order {
	created := time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC) // 14:30 in Almaty
	return &Order{
		ID:        "demo-1",
		CreatedAt: created,
		Lat:       43.2389,
		Lon:       76.8897,
		Lines: []solver.Line{
			{SKU: "MILK-1L", Quantity: 2, UnitWeightKg: 1.03},
			{SKU: "BREAD-WHITE", Quantity: 1, UnitWeightKg: 0.5},
			{SKU: "PHONE-X12", Quantity: 1, UnitWeightKg: 0.4},
		},
		Want:       WantDelivery,
		PromiseBy:  created.Add(24 * time.Hour),
		AllowSplit: true,
	}
}
