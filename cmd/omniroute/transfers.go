package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/simulate"
	"github.com/omniroute/omniroute/stock"
)

// readTransferPlan reads a transfers file against the network's lanes and
// the stock's SKUs.
func readTransferPlan(path string, net *network.Network, table *stock.Table) ([]simulate.Transfer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("transfers: %w", err)
	}
	defer f.Close()
	return simulate.ReadTransfers(f, path, net, table)
}

// readExpectedSaving reads expected_cost_before - expected_cost_after from
// the JSON omniroute allocate --json printed.
func readExpectedSaving(path string) (float64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("allocation: %w", err)
	}
	var v struct {
		Before *float64 `json:"expected_cost_before"`
		After  *float64 `json:"expected_cost_after"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return 0, fmt.Errorf("allocation: %s: %w", path, err)
	}
	if v.Before == nil || v.After == nil {
		return 0, fmt.Errorf("allocation: %s: no expected_cost_before and expected_cost_after (the output of omniroute allocate --json)", path)
	}
	return *v.Before - *v.After, nil
}
