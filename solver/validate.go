package solver

import (
	"fmt"
	"math"
)

// Validate checks that the problem is well formed: a non-empty order, unique
// SKUs, positive quantities, per-option arrays of the right length, and no
// negative, NaN or infinite number anywhere (lost-sale costs included). Every error wraps
// ErrInvalidProblem and names the field, e.g.
// "invalid problem: lines[2].quantity: must be positive". It does not
// allocate when the problem is valid.
func (p *Problem) Validate() error {
	if err := p.validateLines(); err != nil {
		return err
	}
	return p.validateRest()
}

// validateHead runs the checks of Validate that do not scan the options:
// the lines, the lengths of the per-option arrays and the problem's own
// fields. When they pass, only the options' numbers are left to check
// (Workspace.exclude does it in its pass).
func (p *Problem) validateHead() error {
	if err := p.validateLines(); err != nil {
		return err
	}
	want := len(p.Options) * len(p.Lines)
	if len(p.Available) != want || len(p.UnitCost) != want || p.MaxShipments < 0 ||
		!finiteNonNegative(p.SplitPenalty) || p.PromiseMinutes < 0 || !finiteNonNegative(p.LostSaleCostPerOrder) {
		// Validate reports the first problem in its order.
		return p.validateRest()
	}
	return nil
}

// validateLines checks the order's lines.
func (p *Problem) validateLines() error {
	if p == nil {
		return fmt.Errorf("%w: problem is nil", ErrInvalidProblem)
	}
	if len(p.Lines) == 0 {
		return fmt.Errorf("%w: lines: empty order", ErrInvalidProblem)
	}
	// Duplicates: pairwise for small orders (no allocation), by map above.
	var seen map[string]int
	if len(p.Lines) > 128 {
		seen = make(map[string]int, len(p.Lines))
	}
	for i := range p.Lines {
		ln := &p.Lines[i]
		if ln.SKU == "" {
			return fmt.Errorf("%w: lines[%d].sku: empty", ErrInvalidProblem, i)
		}
		if seen != nil {
			if j, ok := seen[ln.SKU]; ok {
				return fmt.Errorf("%w: lines[%d].sku: duplicate %q (also lines[%d])", ErrInvalidProblem, i, ln.SKU, j)
			}
			seen[ln.SKU] = i
		} else {
			for j := 0; j < i; j++ {
				if p.Lines[j].SKU == ln.SKU {
					return fmt.Errorf("%w: lines[%d].sku: duplicate %q (also lines[%d])", ErrInvalidProblem, i, ln.SKU, j)
				}
			}
		}
		if ln.Quantity <= 0 {
			return fmt.Errorf("%w: lines[%d].quantity: must be positive, got %d", ErrInvalidProblem, i, ln.Quantity)
		}
		if err := checkNonNegative(ln.UnitWeightKg); err != "" {
			return fmt.Errorf("%w: lines[%d].unit_weight_kg: %s", ErrInvalidProblem, i, err)
		}
		if !finiteNonNegative(ln.LostSaleCost) {
			return fmt.Errorf("%w: lines[%d].lost_sale_cost: %s", ErrInvalidProblem, i, mustBeCost(ln.LostSaleCost))
		}
	}
	return nil
}

// mustBeCost says what is wrong with a cost that must be finite and >= 0.
func mustBeCost(v float64) string {
	if math.IsInf(v, 0) {
		return fmt.Sprintf("must be finite, got %v", v)
	}
	return fmt.Sprintf("must be >= 0, got %v", v)
}

// validateRest checks what validateLines does not, in Validate's order.
func (p *Problem) validateRest() error {
	for i := range p.Options {
		o := &p.Options[i]
		if o.Node >= 0 && validMethod(o.Method) && finiteNonNegative(o.FixedCost) &&
			finiteNonNegative(o.MaxWeightKg) && finiteNonNegative(o.DistanceKm) &&
			o.ETAMinutes >= 0 && validExcluded(o.Excluded) {
			continue // the common case; the checks below name what is wrong
		}
		if o.Node < 0 {
			return fmt.Errorf("%w: options[%d].node: negative (%d)", ErrInvalidProblem, i, o.Node)
		}
		if !validMethod(o.Method) {
			return fmt.Errorf("%w: options[%d].method: unknown %s", ErrInvalidProblem, i, o.Method)
		}
		if err := checkNonNegative(o.FixedCost); err != "" {
			return fmt.Errorf("%w: options[%d].fixed_cost: %s", ErrInvalidProblem, i, err)
		}
		if err := checkNonNegative(o.MaxWeightKg); err != "" {
			return fmt.Errorf("%w: options[%d].max_weight_kg: %s", ErrInvalidProblem, i, err)
		}
		if err := checkNonNegative(o.DistanceKm); err != "" {
			return fmt.Errorf("%w: options[%d].distance_km: %s", ErrInvalidProblem, i, err)
		}
		if o.ETAMinutes < 0 {
			return fmt.Errorf("%w: options[%d].eta_minutes: negative (%d)", ErrInvalidProblem, i, o.ETAMinutes)
		}
		if !validExcluded(o.Excluded) {
			return fmt.Errorf("%w: options[%d].excluded: unknown %s", ErrInvalidProblem, i, o.Excluded)
		}
	}
	want := len(p.Options) * len(p.Lines)
	if len(p.Available) != want {
		return fmt.Errorf("%w: available: length %d, want %d (options x lines)", ErrInvalidProblem, len(p.Available), want)
	}
	if len(p.UnitCost) != want {
		return fmt.Errorf("%w: unit_cost: length %d, want %d (options x lines)", ErrInvalidProblem, len(p.UnitCost), want)
	}
	n := len(p.Lines)
	for k, a := range p.Available {
		if a < 0 {
			return fmt.Errorf("%w: available[%d] (options[%d] lines[%d]): negative (%d)", ErrInvalidProblem, k, k/n, k%n, a)
		}
	}
	for k, c := range p.UnitCost {
		if finiteNonNegative(c) {
			continue
		}
		if err := checkNonNegative(c); err != "" {
			return fmt.Errorf("%w: unit_cost[%d] (options[%d] lines[%d]): %s", ErrInvalidProblem, k, k/n, k%n, err)
		}
	}
	if p.MaxShipments < 0 {
		return fmt.Errorf("%w: max_shipments: negative (%d)", ErrInvalidProblem, p.MaxShipments)
	}
	if err := checkNonNegative(p.SplitPenalty); err != "" {
		return fmt.Errorf("%w: split_penalty: %s", ErrInvalidProblem, err)
	}
	if p.PromiseMinutes < 0 {
		return fmt.Errorf("%w: promise_minutes: negative (%d)", ErrInvalidProblem, p.PromiseMinutes)
	}
	if !finiteNonNegative(p.LostSaleCostPerOrder) {
		return fmt.Errorf("%w: lost_sale_cost_per_order: %s", ErrInvalidProblem, mustBeCost(p.LostSaleCostPerOrder))
	}
	return nil
}

// finiteNonNegative is the fast test: false for NaN, infinities and
// negatives.
func finiteNonNegative(v float64) bool { return v >= 0 && v <= math.MaxFloat64 }

// checkNonNegative returns "" for a finite non-negative v, else what is wrong.
func checkNonNegative(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 0):
		return "infinite"
	case v < 0:
		return "negative"
	}
	return ""
}
