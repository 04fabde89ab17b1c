package planning

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/omniroute/omniroute/lp"
)

// ErrNotSolved is wrapped by the error of a plan whose LP did not end
// optimal (infeasible, unbounded, or out of budget); the message says which.
var ErrNotSolved = errors.New("planning LP not solved")

// Result is a solved plan.
type Result struct {
	// Status is the LP's status (optimal, infeasible...).
	Status string `json:"status"`
	// Objective is the LP's objective: expected shipping cost plus the
	// lost units at their LP prices (FillPenalty for unpriced cells).
	Objective float64 `json:"objective"`
	Rows      int     `json:"rows"`
	Cols      int     `json:"cols"`
	Nonzeros  int     `json:"nonzeros"`
	// Iterations and SolveMs are the LP solve's.
	Iterations int     `json:"iterations"`
	SolveMs    float64 `json:"solve_ms"`
	// At and Horizon are the input's.
	At      time.Time     `json:"at"`
	Horizon time.Duration `json:"-"`
	// ExpectedUnits are the units the forecast expects over the horizon,
	// ExpectedLostUnits those the plan leaves unserved.
	ExpectedUnits     float64 `json:"expected_units"`
	ExpectedLostUnits float64 `json:"expected_lost_units"`
	// ShippingCost is the arcs' cost; LostSaleCost the lost units at their
	// lost-sale prices (unpriced cells count 0).
	ShippingCost float64 `json:"shipping_cost"`
	LostSaleCost float64 `json:"lost_sale_cost"`
	// Prices are the opportunity costs, one per supply, sorted by node id
	// then SKU; each includes its node's capacity price (Capacities).
	Prices []Price `json:"-"`
	// Capacities are the prices of the nodes' pick capacities over the
	// horizon, one per capacity row, by node id.
	Capacities []CapacityPrice `json:"capacities,omitempty"`
	// Basis warm-starts the next solve of a model of the same shape, or,
	// through Model.StartFrom, the next plan's.
	Basis *lp.Basis `json:"-"`
	// keys name the columns and rows Basis is over (Model.StartFrom).
	keys *keys
}

// Solve builds the model of in, solves it and returns the plan. An LP that
// does not end optimal returns the Result (with its Status) and an error
// wrapping ErrNotSolved.
func Solve(ctx context.Context, in *Input, s lp.Settings) (*Result, *Model, error) {
	m, err := Build(in)
	if err != nil {
		return nil, nil, err
	}
	res, err := m.Solve(ctx, in, s)
	return res, m, err
}

// Solve solves a built model; in is the input it was built from.
func (m *Model) Solve(ctx context.Context, in *Input, s lp.Settings) (*Result, error) {
	mod := m.lp(false)
	t0 := time.Now()
	sol, err := lp.Solve(ctx, mod, s)
	took := time.Since(t0)
	if err != nil {
		return nil, fmt.Errorf("planning LP: %w", err)
	}
	res := &Result{
		Status: sol.Status.String(), Rows: mod.NumRows(), Cols: mod.NumVars(), Nonzeros: mod.NumNonzeros(),
		Iterations: sol.Iterations, SolveMs: float64(took.Microseconds()) / 1000,
		At: in.At, Horizon: in.Horizon, Basis: sol.Basis, keys: m.keys(),
	}
	for i := range m.Cells {
		res.ExpectedUnits += m.Cells[i].Expected
	}
	if sol.Status != lp.StatusOptimal {
		return res, fmt.Errorf("%w: the LP is %s", ErrNotSolved, sol.Status)
	}
	res.Objective = sol.Objective
	used := make([]float64, len(m.Supplies))
	picked := make([]float64, len(m.net.Nodes))
	for j, a := range m.Arcs {
		res.ShippingCost += a.UnitCost * sol.X[j]
		used[a.Supply] += sol.X[j]
		picked[m.Supplies[a.Supply].Node] += sol.X[j]
	}
	for i := range m.Cells {
		lost := sol.X[len(m.Arcs)+i]
		res.ExpectedLostUnits += lost
		if m.Cells[i].Priced {
			res.LostSaleCost += lost * m.Cells[i].LostPrice
		}
	}
	// A unit picked at a node whose capacity binds takes a pick as well
	// as the unit: its price adds the capacity's, weighed as the stock's
	// by the chance that the last pick is needed.
	capPrice := make([]float64, len(m.net.Nodes))
	row := len(m.Supplies) + len(m.Cells)
	res.Capacities = make([]CapacityPrice, len(m.Capacities))
	for i, c := range m.Capacities {
		dual := -sol.Dual[row+i]
		if dual < 1e-9 {
			dual = 0
		}
		price := dual * NeededProbability(picked[c.Node], c.Units)
		capPrice[c.Node] = price
		res.Capacities[i] = CapacityPrice{Node: c.Node, NodeID: m.net.Nodes[c.Node].ID, Units: c.Units, Used: picked[c.Node], Dual: dual, Price: price}
	}
	SortCapacityPrices(res.Capacities)
	res.Prices = make([]Price, len(m.Supplies))
	for i, at := range m.priceOrder() {
		s := &m.Supplies[i]
		// A binding "<= supply" row of a min problem has Dual <= 0.
		dual := -sol.Dual[i]
		if dual < 1e-9 {
			dual = 0
		}
		res.Prices[at] = Price{
			Node: s.Node, NodeID: s.NodeID, SKU: s.SKU, Supply: s.Units(), Used: used[i],
			Dual: dual, Price: dual*NeededProbability(used[i], s.Units()) + capPrice[s.Node],
		}
	}
	if !slices.IsSortedFunc(m.Supplies, func(a, b Supply) int { return cmp.Compare(a.SKU, b.SKU) }) {
		SortPrices(res.Prices) // a model not built by Build
	}
	return res, nil
}

// priceOrder returns where each supply's price goes in SortPrices' order
// (node id, then SKU). The supplies are in SKU order, and a stable
// counting sort by the rank of their node's id keeps that order within
// each node: the same order as sorting, in linear time.
func (m *Model) priceOrder() []int {
	byID := make([]int, len(m.net.Nodes))
	for i := range byID {
		byID[i] = i
	}
	slices.SortFunc(byID, func(a, b int) int { return cmp.Compare(m.net.Nodes[a].ID, m.net.Nodes[b].ID) })
	// start[r] is where the prices of the node ranked r begin.
	start := make([]int, len(byID)+1)
	rank := make([]int, len(byID))
	for r, node := range byID {
		rank[node] = r
	}
	for i := range m.Supplies {
		start[rank[m.Supplies[i].Node]+1]++
	}
	for r := 1; r < len(start); r++ {
		start[r] += start[r-1]
	}
	at := make([]int, len(m.Supplies))
	for i := range m.Supplies {
		r := rank[m.Supplies[i].Node]
		at[i] = start[r]
		start[r]++
	}
	return at
}

// SortPrices sorts prices by node id, then SKU: the order of a Result's
// prices and of the prices files written from them.
func SortPrices(prices []Price) {
	slices.SortFunc(prices, func(a, b Price) int {
		if c := cmp.Compare(a.NodeID, b.NodeID); c != 0 {
			return c
		}
		return cmp.Compare(a.SKU, b.SKU)
	})
}

// NeededProbability is the probability that the last of supply units is
// needed over the horizon: P(D >= supply) for D Poisson with mean used, the
// units the plan serves from that supply. The LP's dual is what that unit
// saves if the expected demand comes exactly as forecast; demand is random,
// and the last unit is sold only when at least supply units are asked for.
// It is 1 for a supply under one unit and 0 when nothing is served.
func NeededProbability(used, supply float64) float64 {
	if supply < 1 {
		return 1
	}
	if used <= 0 {
		return 0
	}
	// P(D >= k) = 1 - P(D <= k-1), k the supply's last whole unit.
	k := math.Ceil(supply - 1e-9)
	return distuv.Poisson{Lambda: used}.Survival(k - 1)
}
