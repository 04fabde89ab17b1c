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
	inv := 0.0
	if unitKg > 0 {
		inv = 1 / unitKg
	}
	return carryInverse(want, stock, capacityLeft, weightLeftKg, inv)
}

// carryInverse is Carry for a unit weight given as its inverse (0:
// weightless).
func carryInverse(want, stock, capacityLeft int64, weightLeftKg, inverseKg float64) int64 {
	return max(weightFit(min(want, stock, capacityLeft), weightLeftKg, inverseKg), 0)
}

// weightFit is the weight part of Carry: t lowered to the units of
// 1/inverseKg kg each that fit in weightLeftKg, (weightLeftKg + 1e-9) x
// inverseKg rounded down (inverseKg 0: weightless, t as it is). The
// filtering loops call it directly, with the inverse computed once per
// line, only for options with a weight limit.
func weightFit(t int64, weightLeftKg, inverseKg float64) int64 {
	if inverseKg > 0 {
		if u := (weightLeftKg + 1e-9) * inverseKg; u < float64(t) {
			t = int64(u) // truncation is floor for u >= 0
		}
	}
	return t
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
