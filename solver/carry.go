package solver

import "math"

// Carry is the one rule for how many units of a line an option can carry:
// at most want (what the line still needs), stock (the option's ATP of the
// line), capacityLeft (the units the option may still pick; NoLimit for
// none) and as many units of unitKg as fit in weightLeftKg (+Inf, or a
// unitKg <= 0, for no weight limit; a weight limit is met with a tolerance
// of 1e-9 kg). It is never negative. Whether a line may be split over
// options is the caller's rule, not this one's.
func Carry(want, stock, capacityLeft int64, weightLeftKg, unitKg float64) int64 {
	t := min(want, stock, capacityLeft)
	if u := weightUnits(weightLeftKg, unitKg); u < t {
		t = u
	}
	return max(t, 0)
}

// Carry is Carry for option o and line l of p, for a shipment of o that
// already holds loadUnits units weighing loadKg: at most want units, the
// option's ATP of the line, what is left of its CapacityUnits (when >= 0)
// and of its MaxWeightKg (when > 0).
func (p *Problem) Carry(o, l int, want, loadUnits int64, loadKg float64) int64 {
	opt := &p.Options[o]
	weightLeft := math.Inf(1)
	if opt.MaxWeightKg > 0 {
		weightLeft = opt.MaxWeightKg - loadKg
	}
	return Carry(want, int64(p.Available[p.At(o, l)]), capacityLimit(opt)-loadUnits, weightLeft, p.Lines[l].UnitWeightKg)
}

// weightUnits is how many units of weight wt fit in limit kg.
func weightUnits(limit, wt float64) int64 {
	if wt <= 0 || limit > 1e300 {
		return NoLimit
	}
	u := (limit + 1e-9) / wt
	if u >= float64(NoLimit) {
		return NoLimit
	}
	if u < 0 {
		return 0
	}
	return int64(u) // truncation is floor for u >= 0
}
