package solver

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
)

// WriteLP writes the model the solver optimises for p as a mixed-integer
// programme in CPLEX LP format, so that any MIP solver (CBC, GLPK, HiGHS) can
// check the optimum: the optimal objective equals Plan.TotalCost.
//
// It exports the planned lines only (the lines Solve leaves out before its
// search are constants; see the package doc) and the eligible options.
// Variables: y_O (binary) = option O ships; x_O_L (integer, 0..Available) =
// units of line L from option O; without split lines z_O_L (binary) =
// option O carries line L whole; and one (fixed at 1) carries the constant
// -SplitPenalty, so that the objective sum (FixedCost+SplitPenalty)*y +
// UnitCost*x - SplitPenalty*one is exactly fixed costs + unit costs +
// SplitPenalty*(|S|-1).
//
// With lost-sale prices, u_L (integer, 0..Quantity) = units of a planned
// priced line L left unfilled, at LostSaleCost each (its cover row is sum x
// + u_L = Quantity; without split lines x = Quantity*z makes u_L 0 or the
// whole line); lost (binary) >= u_L/Quantity carries the per-order cost;
// one also carries the lost-sale cost of the lines left out (and the
// per-order cost when there are any); and when every planned line has a
// price, the plan may ship nothing, so a binary ships <= sum y takes one's
// place under -SplitPenalty. The optimal objective is then Plan.TotalCost,
// lost sales included.
//
// It runs Solve to decide the planned lines, so it fails on the same
// invalid problems.
func WriteLP(w io.Writer, p *Problem) error {
	ws := NewWorkspace()
	if _, err := ws.Solve(p, Settings{Alternatives: -1}); err != nil {
		return fmt.Errorf("write lp: %w", err)
	}
	planned := ws.filter.planned
	L := len(p.Lines)
	// Lost sales: the priced planned lines, the cost of the lines left out
	// (out.sunkLostSaleCost), whether the search charges the per-order cost, and whether a
	// plan may ship nothing.
	pricedLine := func(l int32) bool { return p.Lines[l].LostSaleCost > 0 }
	sunk, out := 0.0, false
	for l, r := range ws.filter.lineReason {
		if r != ReasonNone {
			sunk += float64(p.Lines[l].Quantity) * p.Lines[l].LostSaleCost
			out = true
		}
	}
	if out {
		sunk += p.LostSaleCostPerOrder
	}
	anyPriced, allPriced := false, len(planned) > 0
	for _, l := range planned {
		anyPriced = anyPriced || pricedLine(l)
		allPriced = allPriced && pricedLine(l)
	}
	perOrder := anyPriced && !out && p.LostSaleCostPerOrder > 0
	shipsVar := allPriced && p.SplitPenalty != 0
	bw := bufio.NewWriter(w)
	lw := &lpWriter{w: bw}
	num := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	carries := func(o, l int) bool {
		a := p.Available[o*L+l]
		if p.SplitLines {
			return a > 0
		}
		return a >= p.Lines[l].Quantity
	}

	lw.printf("\\ omniroute solver model: %d options (%d eligible), %d lines (%d planned)\n",
		len(p.Options), len(ws.filter.eligible), L, len(planned))
	lw.printf("\\ split_lines=%t max_shipments=%d split_penalty=%s\n", p.SplitLines, p.MaxShipments, num(p.SplitPenalty))
	if anyPriced || sunk != 0 || p.LostSaleCostPerOrder != 0 {
		lw.printf("\\ lost sales: per order %s, left out before the search %s\n", num(p.LostSaleCostPerOrder), num(sunk))
	}
	lw.printf("Minimize\n obj:")
	if len(planned) == 0 {
		lw.term(sunk, "one")
	} else {
		for _, o := range ws.filter.eligible {
			lw.term(p.Options[o].FixedCost+p.SplitPenalty, fmt.Sprintf("y_%d", o))
		}
		for _, o := range ws.filter.eligible {
			for _, l := range planned {
				if carries(int(o), int(l)) {
					lw.term(p.UnitCost[p.At(int(o), int(l))], fmt.Sprintf("x_%d_%d", o, l))
				}
			}
		}
		for _, l := range planned {
			if pricedLine(l) {
				lw.term(p.Lines[l].LostSaleCost, fmt.Sprintf("u_%d", l))
			}
		}
		if perOrder {
			lw.term(p.LostSaleCostPerOrder, "lost")
		}
		if shipsVar {
			lw.term(-p.SplitPenalty, "ships")
			lw.term(sunk, "one")
		} else {
			lw.term(sunk-p.SplitPenalty, "one")
		}
	}
	lw.printf("\nSubject To\n")
	for _, l := range planned {
		lw.printf(" cover_%d:", l)
		for _, o := range ws.filter.eligible {
			if carries(int(o), int(l)) {
				lw.term(1, fmt.Sprintf("x_%d_%d", o, l))
			}
		}
		if pricedLine(l) {
			lw.term(1, fmt.Sprintf("u_%d", l))
		}
		lw.printf(" = %d\n", p.Lines[l].Quantity)
		if perOrder && pricedLine(l) {
			lw.printf(" anylost_%d: u_%d - %d lost <= 0\n", l, l, p.Lines[l].Quantity)
		}
	}
	if shipsVar {
		lw.printf(" ships:")
		lw.term(1, "ships")
		for _, o := range ws.filter.eligible {
			lw.term(-1, fmt.Sprintf("y_%d", o))
		}
		lw.printf(" <= 0\n")
	}
	for _, o := range ws.filter.eligible {
		opt := &p.Options[o]
		for _, l := range planned {
			if !carries(int(o), int(l)) {
				continue
			}
			q := p.Lines[l].Quantity
			if p.SplitLines {
				bound := min(p.Available[int(o)*L+int(l)], q)
				lw.printf(" link_%d_%d: x_%d_%d - %d y_%d <= 0\n", o, l, o, l, bound, o)
			} else {
				lw.printf(" whole_%d_%d: x_%d_%d - %d z_%d_%d = 0\n", o, l, o, l, q, o, l)
				lw.printf(" zlink_%d_%d: z_%d_%d - y_%d <= 0\n", o, l, o, l, o)
			}
		}
		if opt.CapacityUnits >= 0 {
			lw.printf(" cap_%d:", o)
			for _, l := range planned {
				if carries(int(o), int(l)) {
					lw.term(1, fmt.Sprintf("x_%d_%d", o, l))
				}
			}
			lw.term(-float64(opt.CapacityUnits), fmt.Sprintf("y_%d", o))
			lw.printf(" <= 0\n")
		}
		if opt.MaxWeightKg > 0 {
			lw.printf(" weight_%d:", o)
			for _, l := range planned {
				if carries(int(o), int(l)) {
					lw.term(p.Lines[l].UnitWeightKg, fmt.Sprintf("x_%d_%d", o, l))
				}
			}
			lw.term(-opt.MaxWeightKg, fmt.Sprintf("y_%d", o))
			lw.printf(" <= 0\n")
		}
	}
	// One option per node: options of a node are written together, in the
	// order of the node's first option.
	for i, o := range ws.filter.eligible {
		node := p.Options[o].Node
		first, n := true, 0
		for _, o2 := range ws.filter.eligible[:i] {
			if p.Options[o2].Node == node {
				first = false
				break
			}
		}
		if !first {
			continue
		}
		for _, o2 := range ws.filter.eligible[i:] {
			if p.Options[o2].Node == node {
				n++
			}
		}
		if n < 2 {
			continue
		}
		lw.printf(" node_%d:", i)
		for _, o2 := range ws.filter.eligible[i:] {
			if p.Options[o2].Node == node {
				lw.term(1, fmt.Sprintf("y_%d", o2))
			}
		}
		lw.printf(" <= 1\n")
	}
	if p.MaxShipments > 0 && len(ws.filter.eligible) > 0 && len(planned) > 0 {
		lw.printf(" max_shipments:")
		for _, o := range ws.filter.eligible {
			lw.term(1, fmt.Sprintf("y_%d", o))
		}
		lw.printf(" <= %d\n", p.MaxShipments)
	}
	lw.printf("Bounds\n one = 1\n")
	for _, o := range ws.filter.eligible {
		for _, l := range planned {
			if carries(int(o), int(l)) {
				lw.printf(" 0 <= x_%d_%d <= %d\n", o, l, p.Available[int(o)*L+int(l)])
			}
		}
	}
	for _, l := range planned {
		if pricedLine(l) {
			lw.printf(" 0 <= u_%d <= %d\n", l, p.Lines[l].Quantity)
		}
	}
	if len(planned) > 0 {
		lw.printf("Binaries\n")
		for _, o := range ws.filter.eligible {
			lw.printf(" y_%d\n", o)
		}
		if perOrder {
			lw.printf(" lost\n")
		}
		if shipsVar {
			lw.printf(" ships\n")
		}
		if !p.SplitLines {
			for _, o := range ws.filter.eligible {
				for _, l := range planned {
					if carries(int(o), int(l)) {
						lw.printf(" z_%d_%d\n", o, l)
					}
				}
			}
		}
		lw.printf("Generals\n")
		for _, o := range ws.filter.eligible {
			for _, l := range planned {
				if carries(int(o), int(l)) {
					lw.printf(" x_%d_%d\n", o, l)
				}
			}
		}
		for _, l := range planned {
			if pricedLine(l) {
				lw.printf(" u_%d\n", l)
			}
		}
	}
	lw.printf("End\n")
	if lw.err != nil {
		return fmt.Errorf("write lp: %w", lw.err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write lp: %w", err)
	}
	return nil
}

// lpWriter writes LP text, keeps the first error, and breaks long
// expressions over several lines (LP readers limit line length).
type lpWriter struct {
	w     *bufio.Writer
	err   error
	terms int
}

func (lw *lpWriter) printf(format string, args ...any) {
	if lw.err != nil {
		return
	}
	lw.terms = 0
	_, lw.err = fmt.Fprintf(lw.w, format, args...)
}

// term writes one "+ c name" term of a linear expression.
func (lw *lpWriter) term(c float64, name string) {
	if lw.err != nil {
		return
	}
	if lw.terms > 0 && lw.terms%8 == 0 {
		_, lw.err = lw.w.WriteString("\n   ")
	}
	lw.terms++
	sign := "+"
	if c < 0 {
		sign, c = "-", -c
	}
	_, lw.err = fmt.Fprintf(lw.w, " %s %s %s", sign, strconv.FormatFloat(c, 'g', -1, 64), name)
}
