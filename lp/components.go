package lp

import (
	"context"
	"math"
	"time"
)

// components splits the model into independent blocks: two columns are in
// the same block when a row holds both, and a row belongs to the block of
// its columns. The blocks are returned in order of their smallest column
// (rows without columns come last, one block each), columns and rows
// within a block in index order. Planning models are block diagonal by SKU
// when nothing couples the SKUs, and each block solves far faster alone.
func components(m *Model) [][2][]int {
	n := m.NumVars()
	parent := make([]int, n)
	for j := range parent {
		parent[j] = j
	}
	find := func(j int) int {
		for parent[j] != j {
			parent[j] = parent[parent[j]]
			j = parent[j]
		}
		return j
	}
	for _, cols := range m.rowCols {
		for k := 1; k < len(cols); k++ {
			a, b := find(cols[0]), find(cols[k])
			if a != b {
				if a < b {
					parent[b] = a
				} else {
					parent[a] = b
				}
			}
		}
	}
	// Roots are the smallest column of their block (union keeps the
	// smaller root), so blocks numbered by first column come out ordered.
	// The blocks' columns, then their rows, are counted first and share
	// one array each, in block order.
	block := make([]int, n)
	blocks := 0
	for j := 0; j < n; j++ {
		if r := find(j); r < j {
			block[j] = block[r]
		} else {
			block[j] = blocks
			blocks++
		}
	}
	empty := 0
	colCount := make([]int, blocks+1)
	rowCount := make([]int, blocks+1)
	for _, b := range block {
		colCount[b+1]++
	}
	for _, cols := range m.rowCols {
		if len(cols) == 0 {
			empty++
			continue
		}
		rowCount[block[cols[0]]+1]++
	}
	for b := 0; b < blocks; b++ {
		colCount[b+1] += colCount[b]
		rowCount[b+1] += rowCount[b]
	}
	colsAll := make([]int, n)
	rowsAll := make([]int, len(m.rowCols))
	out := make([][2][]int, blocks, blocks+empty)
	for b := range out {
		out[b][0] = colsAll[colCount[b]:colCount[b]:colCount[b+1]]
		out[b][1] = rowsAll[rowCount[b]:rowCount[b]:rowCount[b+1]]
	}
	for j, b := range block {
		out[b][0] = append(out[b][0], j)
	}
	rest := rowsAll[rowCount[blocks]:]
	for i, cols := range m.rowCols {
		if len(cols) == 0 {
			rest[0] = i
			out = append(out, [2][]int{nil, rest[:1:1]})
			rest = rest[1:]
			continue
		}
		b := block[cols[0]]
		out[b][1] = append(out[b][1], i)
	}
	return out
}

// subModel copies the block's columns and rows into a model of their own.
func subModel(m *Model, cols, rows []int, local []int) *Model {
	sub := NewModel(m.name)
	sub.Reserve(len(cols), len(rows))
	for _, j := range cols {
		local[j] = sub.AddVar(m.colName[j], m.colLo[j], m.colHi[j], m.cost[j])
	}
	// The rows' local column indices share one array.
	nnz := 0
	for _, i := range rows {
		nnz += len(m.rowCols[i])
	}
	all := make([]int, nnz)
	for _, i := range rows {
		rc, rv := m.rowCols[i], m.rowVals[i]
		lc := all[:len(rc):len(rc)]
		all = all[len(rc):]
		for k, j := range rc {
			lc[k] = local[j]
		}
		// Local indices keep the order of the global ones: no re-sort needed.
		sub.rowName = append(sub.rowName, m.rowName[i])
		sub.rowLo = append(sub.rowLo, m.rowLo[i])
		sub.rowHi = append(sub.rowHi, m.rowHi[i])
		sub.rowCols = append(sub.rowCols, lc)
		sub.rowVals = append(sub.rowVals, rv)
		sub.nnz += len(lc)
	}
	return sub
}

// solveBlocks solves each block alone and assembles the Result of the
// whole model. The iteration and time limits apply to the whole solve.
func solveBlocks(ctx context.Context, m *Model, blocks [][2][]int, set Settings) (*Result, error) {
	n, rows := m.NumVars(), m.NumRows()
	res := &Result{
		Status:      StatusOptimal,
		X:           make([]float64, n),
		RowActivity: make([]float64, rows),
		Dual:        make([]float64, rows),
		ReducedCost: make([]float64, n),
		Basis:       &Basis{numVars: n, numRows: rows, state: make([]varState, n+rows)},
	}
	deadline := time.Time{}
	if set.TimeLimit > 0 {
		deadline = time.Now().Add(set.TimeLimit)
	}
	local := make([]int, n)
	var weights []float64  // a block's starting weights, reused block after block
	worst := StatusOptimal // infeasible beats unbounded beats optimal
	for b, blk := range blocks {
		cols, rws := blk[0], blk[1]
		sub := subModel(m, cols, rws, local)
		subSet := Settings{stallSteps: set.stallSteps}
		if set.MaxIterations > 0 {
			subSet.MaxIterations = set.MaxIterations - res.Iterations
			if subSet.MaxIterations <= 0 {
				res.Status = StatusIterationLimit
				res.LowerBound += unsolvedBound(m, blocks[b:])
				return res, nil
			}
		}
		if !deadline.IsZero() {
			subSet.TimeLimit = time.Until(deadline)
			if subSet.TimeLimit <= 0 {
				res.Status = StatusTimeLimit
				res.LowerBound += unsolvedBound(m, blocks[b:])
				return res, nil
			}
		}
		if set.Start != nil {
			st := make([]varState, 0, len(cols)+len(rws))
			for _, j := range cols {
				st = append(st, set.Start.state[j])
			}
			for _, i := range rws {
				st = append(st, set.Start.state[n+i])
			}
			subSet.Start = &Basis{numVars: len(cols), numRows: len(rws), state: st}
			if w := set.Start.weights; w != nil {
				weights = weights[:0]
				for _, j := range cols {
					weights = append(weights, w[j])
				}
				for _, i := range rws {
					weights = append(weights, w[n+i])
				}
				subSet.Start.weights = weights // read by setStart only
			}
		}
		sx := newSimplex(sub, set.Workspace)
		if subSet.Start != nil {
			sx.setStart(subSet.Start)
		}
		set.Workspace.borrow(sx)
		status, err := sx.run(ctx, subSet)
		if err != nil {
			set.Workspace.giveBack(sx)
			return nil, err
		}
		r := sx.result(status)
		set.Workspace.giveBack(sx)
		if r.Basis.weights != nil && res.Basis.weights == nil {
			res.Basis.weights = make([]float64, n+rows)
		}
		for k, j := range cols {
			res.X[j] = r.X[k]
			res.ReducedCost[j] = r.ReducedCost[k]
			res.Basis.state[j] = r.Basis.state[k]
			if r.Basis.weights != nil {
				res.Basis.weights[j] = r.Basis.weights[k]
			}
		}
		for k, i := range rws {
			res.RowActivity[i] = r.RowActivity[k]
			res.Dual[i] = r.Dual[k]
			res.Basis.state[n+i] = r.Basis.state[len(cols)+k]
			if r.Basis.weights != nil {
				res.Basis.weights[n+i] = r.Basis.weights[len(cols)+k]
			}
		}
		res.Objective += r.Objective
		res.LowerBound += r.LowerBound
		res.Iterations += r.Iterations
		switch r.Status {
		case StatusInfeasible:
			worst = StatusInfeasible
		case StatusUnbounded:
			if worst == StatusOptimal {
				worst = StatusUnbounded
			}
		case StatusIterationLimit, StatusTimeLimit:
			res.Status = r.Status
			res.LowerBound += unsolvedBound(m, blocks[b+1:])
			return res, nil
		}
	}
	if res.Status == StatusOptimal {
		res.Status = worst
	}
	if res.Status != StatusOptimal {
		res.LowerBound = math.Inf(-1)
	}
	return res, nil
}

// unsolvedBound is the lower bound of blocks no solve reached: each
// column at the bound its cost prefers (the Lagrangian bound at zero
// duals), -Inf when one of them is infinite.
func unsolvedBound(m *Model, blocks [][2][]int) float64 {
	b := 0.0
	for _, blk := range blocks {
		for _, j := range blk[0] {
			b += minOver(m.cost[j], m.colLo[j], m.colHi[j])
		}
	}
	return b
}
