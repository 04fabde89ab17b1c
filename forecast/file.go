package forecast

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// The columns of a forecast file: one row per (region, SKU, method).
var (
	fileColumnsRequired = []string{"region", "sku", "method", "units_per_day"}
	fileColumnsOptional = []string{"variance_per_day", "units_per_order", "unit_weight_kg", "lost_sale_cost", "units_counted"}
)

// ParseError is a bad row or header of a forecast file (or of the prices
// file planning.ReadPricesCSV reads): "FILE:LINE: COLUMN: MESSAGE".
type ParseError struct {
	File   string
	Line   int
	Column string
	Msg    string
}

// Error returns "FILE:LINE: COLUMN: MESSAGE" (no column for a row-level
// problem).
func (e *ParseError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s: %s", e.File, e.Line, e.Column, e.Msg)
}

// ReadCSV reads a forecast file from r; name is used in errors. The file
// has a header row; columns come in any order:
//
//	region,sku,method,units_per_day,variance_per_day,units_per_order,unit_weight_kg,lost_sale_cost
//	Almaty,SKU-00007,parcel,12.5,20,1.8,0.4,6
//	Almaty,SKU-00007,courier,3,,,,
//
// region (a region of regions), sku, method (parcel, courier or pickup)
// and units_per_day (>= 0) are required; variance_per_day defaults to
// units_per_day (Poisson), units_per_order to 1, unit_weight_kg to 0 and
// lost_sale_cost to 0 (the network's price). A (region, sku, method) given
// twice is an error. The first bad row fails the read with a *ParseError.
func ReadCSV(r io.Reader, name string, regions *Regions) (*Demand, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err == io.EOF {
		return nil, &ParseError{File: name, Line: 1, Msg: "empty file: want a header row " + strings.Join(fileColumnsRequired, ",")}
	}
	if err != nil {
		return nil, CSVError(name, err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if _, dup := col[h]; dup {
			return nil, &ParseError{File: name, Line: 1, Column: h, Msg: "column given twice"}
		}
		col[h] = i
	}
	for _, c := range fileColumnsRequired {
		if _, ok := col[c]; !ok {
			return nil, &ParseError{File: name, Line: 1, Column: c, Msg: "missing column"}
		}
	}
	idx := func(c string) int {
		if i, ok := col[c]; ok {
			return i
		}
		return -1
	}
	d := &Demand{}
	seen := map[cellKey]int{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, CSVError(name, err)
		}
		line, _ := cr.FieldPos(0)
		get := func(c string) string {
			if i := idx(c); i >= 0 && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		bad := func(c, format string, args ...any) error {
			return &ParseError{File: name, Line: line, Column: c, Msg: fmt.Sprintf(format, args...)}
		}
		var c Cell
		c.Region = get("region")
		ri, ok := regions.Index(c.Region)
		if !ok {
			return nil, bad("region", "unknown region %q (want one of %s)", c.Region, strings.Join(regions.Names(), ", "))
		}
		if c.SKU = get("sku"); c.SKU == "" {
			return nil, bad("sku", "is empty")
		}
		if c.Method, err = ParseMethod(get("method")); err != nil {
			return nil, bad("method", "%v", err)
		}
		k := cellKey{ri, c.SKU, c.Method}
		if prev, dup := seen[k]; dup {
			return nil, bad("", "%s,%s,%s repeats line %d", c.Region, c.SKU, c.Method, prev)
		}
		seen[k] = line
		number := func(column string, def float64, lo float64) (float64, error) {
			s := get(column)
			if s == "" {
				if def < 0 {
					return 0, bad(column, "is empty")
				}
				return def, nil
			}
			v, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
				return 0, bad(column, "%q is not a finite number", s)
			}
			if v < lo {
				return 0, bad(column, "%v is below %v", v, lo)
			}
			return v, nil
		}
		if c.UnitsPerDay, err = number("units_per_day", -1, 0); err != nil {
			return nil, err
		}
		if c.VariancePerDay, err = number("variance_per_day", c.UnitsPerDay, 0); err != nil {
			return nil, err
		}
		if c.UnitsPerOrder, err = number("units_per_order", 1, 1); err != nil {
			return nil, err
		}
		if c.UnitWeightKg, err = number("unit_weight_kg", 0, 0); err != nil {
			return nil, err
		}
		if c.LostSaleCost, err = number("lost_sale_cost", 0, 0); err != nil {
			return nil, err
		}
		if c.Counted, err = number("units_counted", 0, 0); err != nil {
			return nil, err
		}
		d.Cells = append(d.Cells, c)
	}
	d.sortCells()
	return d, nil
}

// CSVError is the error of encoding/csv reading file name: a *ParseError
// with its line for a syntax error, else err wrapped with the name.
func CSVError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &ParseError{File: name, Line: pe.Line, Msg: pe.Err.Error()}
	}
	return fmt.Errorf("%s: %w", name, err)
}

// WriteCSV writes d in the format ReadCSV reads, every column, one row per
// cell in d's order.
func WriteCSV(w io.Writer, d *Demand) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(append(append([]string{}, fileColumnsRequired...), fileColumnsOptional...)); err != nil {
		return fmt.Errorf("write forecast: %w", err)
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	for i := range d.Cells {
		c := &d.Cells[i]
		if err := cw.Write([]string{c.Region, c.SKU, c.Method.String(), f(c.UnitsPerDay), f(c.VariancePerDay), f(c.UnitsPerOrder), f(c.UnitWeightKg), f(c.LostSaleCost), f(c.Counted)}); err != nil {
			return fmt.Errorf("write forecast: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write forecast: %w", err)
	}
	return nil
}
