package lp

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
)

// Inf is the bound of a side that has none: AddVar(name, 0, Inf, c) is a
// non-negative variable, AddRow(name, -Inf, b, ...) a "≤ b" row.
var Inf = math.Inf(1)

// ErrInvalidModel is wrapped by every error [Solve] returns for a model it
// cannot work on (NaN data, lo > hi, a column index out of range).
var ErrInvalidModel = errors.New("invalid model")

// Model is a linear program: minimise c·x subject to rowLo ≤ A·x ≤ rowHi and
// lo ≤ x ≤ hi. A is stored row by row, sparse; names are optional and only
// used by [Model.WriteLP] and in error messages. A Model is not safe for
// concurrent modification; [Solve] only reads it.
type Model struct {
	name string

	// Columns (variables), one entry per AddVar.
	colName []string
	colLo   []float64
	colHi   []float64
	cost    []float64

	// Rows, one entry per AddRow. rowCols[i] is sorted and free of
	// duplicates; rowVals[i] holds the matching coefficients (never 0).
	rowName []string
	rowLo   []float64
	rowHi   []float64
	rowCols [][]int
	rowVals [][]float64
	nnz     int
}

// NewModel returns an empty model called name.
func NewModel(name string) *Model { return &Model{name: name} }

// Name returns the model's name.
func (m *Model) Name() string { return m.name }

// AddVar adds a variable with bounds lo ≤ x ≤ hi (lo may be -Inf, hi may be
// Inf) and objective coefficient cost, and returns its column index.
func (m *Model) AddVar(name string, lo, hi, cost float64) int {
	m.colName = append(m.colName, name)
	m.colLo = append(m.colLo, lo)
	m.colHi = append(m.colHi, hi)
	m.cost = append(m.cost, cost)
	return len(m.cost) - 1
}

// Reserve makes room for vars more variables and rows more rows, so that
// a model whose size is known ahead is built without growing its slices.
func (m *Model) Reserve(vars, rows int) {
	m.colName = slices.Grow(m.colName, vars)
	m.colLo = slices.Grow(m.colLo, vars)
	m.colHi = slices.Grow(m.colHi, vars)
	m.cost = slices.Grow(m.cost, vars)
	m.rowName = slices.Grow(m.rowName, rows)
	m.rowLo = slices.Grow(m.rowLo, rows)
	m.rowHi = slices.Grow(m.rowHi, rows)
	m.rowCols = slices.Grow(m.rowCols, rows)
	m.rowVals = slices.Grow(m.rowVals, rows)
}

// AddRow adds the row lo ≤ Σ vals[k]·x[cols[k]] ≤ hi and returns its index.
// lo == hi makes an equality, -Inf or Inf a one-sided row. Duplicate columns
// are summed and zero coefficients dropped. The slices are copied. Column
// indices are checked by [Solve], so rows may name columns added later.
func (m *Model) AddRow(name string, lo, hi float64, cols []int, vals []float64) int {
	if len(cols) == len(vals) && sortedNonzero(cols, vals) {
		// As most callers build rows: nothing to sort, sum or drop.
		return m.appendRow(name, lo, hi, append(make([]int, 0, len(cols)), cols...), append(make([]float64, 0, len(vals)), vals...))
	}
	n := min(len(cols), len(vals))
	type entry struct {
		col int
		val float64
	}
	entries := make([]entry, n)
	for k := 0; k < n; k++ {
		entries[k] = entry{cols[k], vals[k]}
	}
	if len(cols) != len(vals) {
		// Keep the mismatch visible to Solve as an invalid entry.
		entries = append(entries, entry{-1, math.NaN()})
	}
	slices.SortStableFunc(entries, func(a, b entry) int { return cmp.Compare(a.col, b.col) })
	rc := make([]int, 0, len(entries))
	rv := make([]float64, 0, len(entries))
	for _, e := range entries {
		if k := len(rc) - 1; k >= 0 && rc[k] == e.col {
			rv[k] += e.val
			continue
		}
		rc = append(rc, e.col)
		rv = append(rv, e.val)
	}
	// Drop the zeros left after summing.
	w := 0
	for k := range rc {
		if rv[k] != 0 {
			rc[w], rv[w] = rc[k], rv[k]
			w++
		}
	}
	return m.appendRow(name, lo, hi, rc[:w], rv[:w])
}

// sortedNonzero reports whether cols rise strictly and no val is 0: a row
// AddRow may keep as it is.
func sortedNonzero(cols []int, vals []float64) bool {
	for k := range cols {
		if vals[k] == 0 || k > 0 && cols[k] <= cols[k-1] {
			return false
		}
	}
	return true
}

// appendRow adds a row whose columns are sorted and distinct, its
// coefficients nonzero.
func (m *Model) appendRow(name string, lo, hi float64, rc []int, rv []float64) int {
	m.rowName = append(m.rowName, name)
	m.rowLo = append(m.rowLo, lo)
	m.rowHi = append(m.rowHi, hi)
	m.rowCols = append(m.rowCols, rc)
	m.rowVals = append(m.rowVals, rv)
	m.nnz += len(rc)
	return len(m.rowLo) - 1
}

// AddColumn adds a variable as AddVar does, with the coefficients vals in
// the existing rows (distinct indices below NumRows, in any order), and
// returns its column index: how a column-generation master grows. Zero
// coefficients are dropped. Row indices are checked: AddColumn panics on
// one out of range, as a slice would.
func (m *Model) AddColumn(name string, lo, hi, cost float64, rows []int, vals []float64) int {
	j := m.AddVar(name, lo, hi, cost)
	for k, i := range rows {
		if vals[k] == 0 {
			continue
		}
		// j is the highest column: appending keeps the row sorted.
		m.rowCols[i] = append(m.rowCols[i], j)
		m.rowVals[i] = append(m.rowVals[i], vals[k])
		m.nnz++
	}
	return j
}

// SetCost sets the objective coefficient of column j.
func (m *Model) SetCost(j int, c float64) { m.cost[j] = c }

// SetVarBounds sets the bounds of column j.
func (m *Model) SetVarBounds(j int, lo, hi float64) { m.colLo[j], m.colHi[j] = lo, hi }

// SetRowBounds sets the bounds of row i.
func (m *Model) SetRowBounds(i int, lo, hi float64) { m.rowLo[i], m.rowHi[i] = lo, hi }

// NumVars returns the number of variables (columns).
func (m *Model) NumVars() int { return len(m.cost) }

// NumRows returns the number of rows.
func (m *Model) NumRows() int { return len(m.rowLo) }

// NumNonzeros returns the number of nonzero coefficients of A.
func (m *Model) NumNonzeros() int { return m.nnz }

// VarName returns the name of column j as given to AddVar.
func (m *Model) VarName(j int) string { return m.colName[j] }

// RowName returns the name of row i as given to AddRow.
func (m *Model) RowName(i int) string { return m.rowName[i] }

// Cost returns the objective coefficient of column j.
func (m *Model) Cost(j int) float64 { return m.cost[j] }

// VarBounds returns the bounds of column j.
func (m *Model) VarBounds(j int) (lo, hi float64) { return m.colLo[j], m.colHi[j] }

// RowBounds returns the bounds of row i.
func (m *Model) RowBounds(i int) (lo, hi float64) { return m.rowLo[i], m.rowHi[i] }

// Row returns the columns and coefficients of row i (sorted by column, no
// duplicates, no zeros). The slices belong to the model: do not modify them.
func (m *Model) Row(i int) (cols []int, vals []float64) { return m.rowCols[i], m.rowVals[i] }

// varLabel names column j for messages.
func (m *Model) varLabel(j int) string {
	if m.colName[j] != "" {
		return fmt.Sprintf("var %d (%q)", j, m.colName[j])
	}
	return fmt.Sprintf("var %d", j)
}

// rowLabel names row i for messages.
func (m *Model) rowLabel(i int) string {
	if m.rowName[i] != "" {
		return fmt.Sprintf("row %d (%q)", i, m.rowName[i])
	}
	return fmt.Sprintf("row %d", i)
}

// validate reports the first invalid datum of the model.
func (m *Model) validate() error {
	for j := range m.cost {
		lo, hi, c := m.colLo[j], m.colHi[j], m.cost[j]
		switch {
		case math.IsNaN(lo) || math.IsNaN(hi):
			return fmt.Errorf("%w: %s: NaN bound", ErrInvalidModel, m.varLabel(j))
		case math.IsNaN(c) || math.IsInf(c, 0):
			return fmt.Errorf("%w: %s: cost %v", ErrInvalidModel, m.varLabel(j), c)
		case lo > hi:
			return fmt.Errorf("%w: %s: lower bound %v above upper bound %v", ErrInvalidModel, m.varLabel(j), lo, hi)
		case math.IsInf(lo, 1) || math.IsInf(hi, -1):
			return fmt.Errorf("%w: %s: bounds [%v, %v]", ErrInvalidModel, m.varLabel(j), lo, hi)
		}
	}
	n := len(m.cost)
	for i := range m.rowLo {
		lo, hi := m.rowLo[i], m.rowHi[i]
		switch {
		case math.IsNaN(lo) || math.IsNaN(hi):
			return fmt.Errorf("%w: %s: NaN bound", ErrInvalidModel, m.rowLabel(i))
		case lo > hi:
			return fmt.Errorf("%w: %s: lower bound %v above upper bound %v", ErrInvalidModel, m.rowLabel(i), lo, hi)
		case math.IsInf(lo, 1) || math.IsInf(hi, -1):
			return fmt.Errorf("%w: %s: bounds [%v, %v]", ErrInvalidModel, m.rowLabel(i), lo, hi)
		}
		for k, j := range m.rowCols[i] {
			v := m.rowVals[i][k]
			if j < 0 || j >= n {
				if math.IsNaN(v) && j == -1 {
					return fmt.Errorf("%w: %s: cols and vals differ in length", ErrInvalidModel, m.rowLabel(i))
				}
				return fmt.Errorf("%w: %s: column index %d out of range [0, %d)", ErrInvalidModel, m.rowLabel(i), j, n)
			}
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("%w: %s: coefficient %v of %s", ErrInvalidModel, m.rowLabel(i), v, m.varLabel(j))
			}
		}
	}
	return nil
}
