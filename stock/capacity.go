package stock

import (
	"fmt"
	"math"
)

// Remaining returns the units node can still pick today: its daily
// capacity less what Use has counted since the last ResetDay, never below
// zero; -1 when the node has no limit (or is outside the network).
func (t *Table) Remaining(node int) int32 {
	if node < 0 || node >= t.nodes || t.capPerDay[node] == 0 {
		return -1
	}
	if r := t.capPerDay[node] - t.used[node]; r > 0 {
		return r
	}
	return 0
}

// Use counts units picked at node today. It does not refuse to go over the
// capacity (the plan was made against Remaining); Remaining then says 0.
func (t *Table) Use(node int, units int32) error {
	if err := t.checkNode(node); err != nil {
		return fmt.Errorf("use capacity: %w", err)
	}
	if units < 0 {
		return fmt.Errorf("use capacity at %s: %w: %d units", t.nodeName(node), ErrInvalid, units)
	}
	u := int64(t.used[node]) + int64(units)
	if u > math.MaxInt32 {
		u = math.MaxInt32
	}
	t.used[node] = int32(u)
	return nil
}

// Used returns the units counted at node since the last ResetDay.
func (t *Table) Used(node int) int32 {
	if node < 0 || node >= t.nodes {
		return 0
	}
	return t.used[node]
}

// ResetDay starts a new day: every node's full capacity is available.
func (t *Table) ResetDay() { clear(t.used) }

// Unuse gives back units counted by Use today, for a reservation released
// or expired before it was picked. The count never drops below zero.
func (t *Table) Unuse(node int, units int32) error {
	if err := t.checkNode(node); err != nil {
		return fmt.Errorf("give back capacity: %w", err)
	}
	if units < 0 {
		return fmt.Errorf("give back capacity at %s: %w: %d units", t.nodeName(node), ErrInvalid, units)
	}
	t.used[node] = max(0, t.used[node]-units)
	return nil
}

// SetUsed sets the units counted at node today, as a shared ledger that
// counts them elsewhere reports them.
func (t *Table) SetUsed(node int, units int32) error {
	if err := t.checkNode(node); err != nil {
		return fmt.Errorf("set capacity use: %w", err)
	}
	if units < 0 {
		return fmt.Errorf("set capacity use at %s: %w: %d units", t.nodeName(node), ErrInvalid, units)
	}
	t.used[node] = units
	return nil
}
