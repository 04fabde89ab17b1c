package joint

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/omniroute/omniroute/lp"
	"github.com/omniroute/omniroute/solver"
)

// Order is one order of an allocation.
type Order struct {
	// Problem is the order's built problem (network.Builder). Its options'
	// Node and its lines' SKU name the stock it draws on.
	Problem *solver.Problem
	// At is when the order is routed: it may use the arrivals of
	// Instance.Supply at or before At.
	At time.Time
	// Day is the capacity day its picks count against (see Capacity).
	Day int64
}

// Supply is the stock of one (node, SKU) the orders share.
type Supply struct {
	Node int32
	SKU  string
	// Start is the available-to-promise at the start: on hand less
	// reserved and safety stock. It may be negative (on hand below the
	// safety stock): arrivals then fill the gap first.
	Start int64
	// Arrivals come later, in ascending At.
	Arrivals []Arrival
}

// Arrival is a quantity of stock received at a time.
type Arrival struct {
	At    time.Time
	Units int64
}

// Capacity is the units a node may pick on one day, over all orders of
// that Day.
type Capacity struct {
	Node  int32
	Day   int64
	Units int64
}

// Instance is a set of orders over shared stock and capacity. A (node,
// SKU) that Supply does not list has no stock; a (node, day) that Capacity
// does not list has no shared limit (an option's own CapacityUnits still
// holds).
type Instance struct {
	Orders   []Order
	Supply   []Supply
	Capacity []Capacity
}

// ErrInvalidInstance is wrapped by every error about an instance's data;
// the message names the field.
var ErrInvalidInstance = errors.New("invalid instance")

// ErrTooLarge is returned when the model would exceed Settings.MaxVars.
var ErrTooLarge = errors.New("joint model too large")

// supplyKey names a (node, SKU).
type supplyKey struct {
	node int32
	sku  string
}

// capKey names a (node, day).
type capKey struct {
	node int32
	day  int64
}

// orderCols are the columns of one order: -1 where there is none.
type orderCols struct {
	// x[k*L+l] is x[o,k,l].
	x []int32
	// y[k] is y[o,k].
	y []int32
	// u[l] is u[o,l].
	u []int32
}

// model is the LP of an instance with the column of every variable.
type model struct {
	lp     *lp.Model
	orders []orderCols
	// supply[i] is the index in Instance.Supply of each x column's (node,
	// SKU), by column; -1 for other columns.
	supplyOf []int32
	// supplyRow[i] is the first stock row of Instance.Supply[i] (its
	// earliest epoch with demand); -1 when no order can draw on it.
	supplyRow []int
}

// usable reports whether option k of p may ship at all: the per-order
// solver's own exclusions (excluded by the builder, missing the promise, no
// capacity left).
func usable(p *solver.Problem, k int) bool {
	opt := &p.Options[k]
	switch {
	case opt.Excluded != solver.ReasonNone:
		return false
	case p.PromiseMinutes > 0 && opt.ETAMinutes > p.PromiseMinutes:
		return false
	case opt.CapacityUnits == 0:
		return false
	}
	return true
}

// carry is the most units of line l option k can carry for p on its own
// (0: none; without split lines, a line goes whole or not at all).
func carry(p *solver.Problem, k, l int) int64 {
	q := int64(p.Lines[l].Quantity)
	c := min(q, int64(p.Available[p.At(k, l)]))
	opt := &p.Options[k]
	if opt.CapacityUnits >= 0 {
		c = min(c, int64(opt.CapacityUnits))
	}
	if w := p.Lines[l].UnitWeightKg; opt.MaxWeightKg > 0 && w > 0 {
		c = min(c, int64(math.Floor(opt.MaxWeightKg/w+1e-9)))
	}
	if c <= 0 || (!p.SplitLines && c < q) {
		return 0
	}
	return c
}

// check validates the instance's data.
func (inst *Instance) check() error {
	for i := range inst.Orders {
		if inst.Orders[i].Problem == nil {
			return fmt.Errorf("%w: orders[%d].problem: nil", ErrInvalidInstance, i)
		}
		p := inst.Orders[i].Problem
		n := len(p.Options) * len(p.Lines)
		if len(p.Available) != n || len(p.UnitCost) != n {
			return fmt.Errorf("%w: orders[%d].problem: available and unit_cost need %d entries", ErrInvalidInstance, i, n)
		}
	}
	seen := make(map[supplyKey]bool, len(inst.Supply))
	for i := range inst.Supply {
		s := &inst.Supply[i]
		k := supplyKey{s.Node, s.SKU}
		if seen[k] {
			return fmt.Errorf("%w: supply[%d]: node %d, sku %q listed twice", ErrInvalidInstance, i, s.Node, s.SKU)
		}
		seen[k] = true
		for a := range s.Arrivals {
			if s.Arrivals[a].Units < 0 {
				return fmt.Errorf("%w: supply[%d].arrivals[%d].units: %d is negative", ErrInvalidInstance, i, a, s.Arrivals[a].Units)
			}
			if a > 0 && s.Arrivals[a].At.Before(s.Arrivals[a-1].At) {
				return fmt.Errorf("%w: supply[%d].arrivals[%d].at: before the arrival before it", ErrInvalidInstance, i, a)
			}
		}
	}
	caps := make(map[capKey]bool, len(inst.Capacity))
	for i, c := range inst.Capacity {
		k := capKey{c.Node, c.Day}
		if caps[k] {
			return fmt.Errorf("%w: capacity[%d]: node %d, day %d listed twice", ErrInvalidInstance, i, c.Node, c.Day)
		}
		if c.Units < 0 {
			return fmt.Errorf("%w: capacity[%d].units: %d is negative", ErrInvalidInstance, i, c.Units)
		}
		caps[k] = true
	}
	return nil
}

// epoch is the number of arrivals of s at or before t.
func (s *Supply) epoch(t time.Time) int {
	return sort.Search(len(s.Arrivals), func(i int) bool { return s.Arrivals[i].At.After(t) })
}

// reach is what s holds over the period once its first e arrivals are in:
// max(0, Start + the first e arrivals).
func (s *Supply) reach(e int) int64 {
	r := s.Start
	for _, a := range s.Arrivals[:e] {
		r += a.Units
	}
	return max(0, r)
}

// build writes the LP of inst; maxVars > 0 stops it with ErrTooLarge past
// that many columns.
func build(inst *Instance, maxVars int) (*model, error) {
	if err := inst.check(); err != nil {
		return nil, err
	}
	m := &model{lp: lp.NewModel("joint"), orders: make([]orderCols, len(inst.Orders))}
	supplyIdx := make(map[supplyKey]int32, len(inst.Supply))
	for i := range inst.Supply {
		supplyIdx[supplyKey{inst.Supply[i].Node, inst.Supply[i].SKU}] = int32(i)
	}
	capIdx := make(map[capKey]int, len(inst.Capacity))
	for i, c := range inst.Capacity {
		capIdx[capKey{c.Node, c.Day}] = i
	}
	// Shared rows gather their terms while orders are written: stock by
	// supply and epoch, capacity by Capacity index.
	type epochTerms struct {
		epoch int
		cols  []int
	}
	stockTerms := make([][]epochTerms, len(inst.Supply))
	m.supplyRow = make([]int, len(inst.Supply))
	for i := range m.supplyRow {
		m.supplyRow[i] = -1
	}
	capTerms := make([][]int, len(inst.Capacity))
	addVar := func(lo, hi, cost float64, supply int32) (int, error) {
		if maxVars > 0 && m.lp.NumVars() >= maxVars {
			return 0, fmt.Errorf("%w: more than %d variables", ErrTooLarge, maxVars)
		}
		m.supplyOf = append(m.supplyOf, supply)
		return m.lp.AddVar("", lo, hi, cost), nil
	}

	var cols []int
	var vals []float64
	for o := range inst.Orders {
		ord := &inst.Orders[o]
		p := ord.Problem
		L, K := len(p.Lines), len(p.Options)
		oc := &m.orders[o]
		oc.x = make([]int32, K*L)
		oc.y = make([]int32, K)
		oc.u = make([]int32, L)
		for i := range oc.x {
			oc.x[i] = -1
		}
		// Options that ship for this order, in option order.
		var ys []int
		for k := 0; k < K; k++ {
			oc.y[k] = -1
			if !usable(p, k) {
				continue
			}
			opt := &p.Options[k]
			any := false
			for l := 0; l < L; l++ {
				c := carry(p, k, l)
				if c == 0 {
					continue
				}
				si, ok := supplyIdx[supplyKey{opt.Node, p.Lines[l].SKU}]
				if !ok {
					continue
				}
				j, err := addVar(0, float64(c), p.UnitCost[p.At(k, l)], si)
				if err != nil {
					return nil, err
				}
				oc.x[k*L+l] = int32(j)
				any = true
				s := &inst.Supply[si]
				e := s.epoch(ord.At)
				terms := stockTerms[si]
				if n := len(terms); n > 0 && terms[n-1].epoch == e {
					terms[n-1].cols = append(terms[n-1].cols, j)
				} else {
					terms = append(terms, epochTerms{epoch: e, cols: []int{j}})
				}
				stockTerms[si] = terms
				if ci, ok := capIdx[capKey{opt.Node, ord.Day}]; ok {
					capTerms[ci] = append(capTerms[ci], j)
				}
			}
			if !any {
				continue
			}
			j, err := addVar(0, 1, opt.FixedCost, -1)
			if err != nil {
				return nil, err
			}
			oc.y[k] = int32(j)
			ys = append(ys, k)
		}
		// Lost units, and the per-order indicator.
		for l := 0; l < L; l++ {
			q := float64(p.Lines[l].Quantity)
			j, err := addVar(0, q, p.Lines[l].LostSaleCost, -1)
			if err != nil {
				return nil, err
			}
			oc.u[l] = int32(j)
		}
		v := -1
		if p.LostSaleCostPerOrder > 0 {
			j, err := addVar(0, 1, p.LostSaleCostPerOrder, -1)
			if err != nil {
				return nil, err
			}
			v = j
		}
		// Cover rows.
		for l := 0; l < L; l++ {
			cols, vals = cols[:0], vals[:0]
			for _, k := range ys {
				if j := oc.x[k*L+l]; j >= 0 {
					cols, vals = append(cols, int(j)), append(vals, 1)
				}
			}
			cols, vals = append(cols, int(oc.u[l])), append(vals, 1)
			q := float64(p.Lines[l].Quantity)
			m.lp.AddRow("", q, q, cols, vals)
			if v >= 0 {
				m.lp.AddRow("", -lp.Inf, 0, []int{int(oc.u[l]), v}, []float64{1, -q})
			}
		}
		// Link, capacity and weight rows, option by option.
		for _, k := range ys {
			opt := &p.Options[k]
			y := int(oc.y[k])
			var capCols, wCols []int
			var wVals []float64
			for l := 0; l < L; l++ {
				j := oc.x[k*L+l]
				if j < 0 {
					continue
				}
				c := float64(carry(p, k, l))
				m.lp.AddRow("", -lp.Inf, 0, []int{int(j), y}, []float64{1, -c})
				capCols = append(capCols, int(j))
				if w := p.Lines[l].UnitWeightKg; opt.MaxWeightKg > 0 && w > 0 {
					wCols, wVals = append(wCols, int(j)), append(wVals, w)
				}
			}
			if opt.CapacityUnits >= 0 && len(capCols) > 1 {
				cols, vals = cols[:0], vals[:0]
				for _, j := range capCols {
					cols, vals = append(cols, j), append(vals, 1)
				}
				cols, vals = append(cols, y), append(vals, -float64(opt.CapacityUnits))
				m.lp.AddRow("", -lp.Inf, 0, cols, vals)
			}
			if len(wCols) > 1 {
				wCols, wVals = append(wCols, y), append(wVals, -opt.MaxWeightKg)
				m.lp.AddRow("", -lp.Inf, 0, wCols, wVals)
			}
		}
		// One option per node, in the order of each node's first option.
		for i, k := range ys {
			node := p.Options[k].Node
			first := true
			for _, k2 := range ys[:i] {
				if p.Options[k2].Node == node {
					first = false
					break
				}
			}
			if !first {
				continue
			}
			cols, vals = cols[:0], vals[:0]
			for _, k2 := range ys[i:] {
				if p.Options[k2].Node == node {
					cols, vals = append(cols, int(oc.y[k2])), append(vals, 1)
				}
			}
			if len(cols) > 1 {
				m.lp.AddRow("", -lp.Inf, 1, cols, vals)
			}
		}
		if p.MaxShipments > 0 && len(ys) > p.MaxShipments {
			cols, vals = cols[:0], vals[:0]
			for _, k := range ys {
				cols, vals = append(cols, int(oc.y[k])), append(vals, 1)
			}
			m.lp.AddRow("", -lp.Inf, float64(p.MaxShipments), cols, vals)
		}
		if p.SplitPenalty > 0 && len(ys) > 1 && p.MaxShipments != 1 {
			s, err := addVar(0, lp.Inf, p.SplitPenalty, -1)
			if err != nil {
				return nil, err
			}
			cols, vals = cols[:0], vals[:0]
			for _, k := range ys {
				cols, vals = append(cols, int(oc.y[k])), append(vals, 1)
			}
			cols, vals = append(cols, s), append(vals, -1)
			m.lp.AddRow("", -lp.Inf, 1, cols, vals)
		}
	}
	// Shared stock: per (node, SKU), the epochs with demand in ascending
	// order; stock carried from one to the next in c variables.
	for si := range inst.Supply {
		s := &inst.Supply[si]
		terms := stockTerms[si]
		if len(terms) == 0 {
			continue
		}
		sort.SliceStable(terms, func(a, b int) bool { return terms[a].epoch < terms[b].epoch })
		// Merge the groups of one epoch (orders may come out of time order).
		merged := terms[:1]
		for _, t := range terms[1:] {
			if last := &merged[len(merged)-1]; last.epoch == t.epoch {
				last.cols = append(last.cols, t.cols...)
				continue
			}
			merged = append(merged, t)
		}
		prevCarry, prevReach := -1, int64(0)
		m.supplyRow[si] = m.lp.NumRows()
		for i, t := range merged {
			r := s.reach(t.epoch)
			cols, vals = cols[:0], vals[:0]
			for _, j := range t.cols {
				cols, vals = append(cols, j), append(vals, 1)
			}
			if prevCarry >= 0 {
				cols, vals = append(cols, prevCarry), append(vals, -1)
			}
			if i == len(merged)-1 {
				m.lp.AddRow("", -lp.Inf, float64(r-prevReach), cols, vals)
				break
			}
			c, err := addVar(0, lp.Inf, 0, -1)
			if err != nil {
				return nil, err
			}
			cols, vals = append(cols, c), append(vals, 1)
			d := float64(r - prevReach)
			m.lp.AddRow("", d, d, cols, vals)
			prevCarry, prevReach = c, r
		}
	}
	for ci, c := range inst.Capacity {
		if len(capTerms[ci]) == 0 {
			continue
		}
		cols, vals = cols[:0], vals[:0]
		for _, j := range capTerms[ci] {
			cols, vals = append(cols, j), append(vals, 1)
		}
		m.lp.AddRow("", -lp.Inf, float64(c.Units), cols, vals)
	}
	return m, nil
}
