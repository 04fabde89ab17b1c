package solver

// Settings tune one solve. The zero value is usable: DefaultSettings fills
// what is left zero.
type Settings struct {
	// Alternatives is how many next-best plans (distinct option sets) to
	// return besides the best one; 0 means the default (3), negative none,
	// at most MaxAlternatives.
	Alternatives int `json:"alternatives"`
	// ExactMaxLines: orders with more planned lines than this go to the
	// heuristic; 0 means the default (10), negative always the heuristic.
	// The exact search takes at most 64 lines.
	ExactMaxLines int `json:"exact_max_lines"`
	// NodeBudget bounds the work of one solve: branch-and-bound nodes and
	// allocation steps (exact) or moves (heuristic); when it runs out the
	// best plan found is returned with its bound and gap. 0 or negative
	// means the default (200,000).
	NodeBudget int `json:"node_budget"`
}

// Plan is the answer for one problem. A Plan returned by a Workspace is
// valid until that Workspace solves again; Clone it to keep it.
type Plan struct {
	// Shipments are in option order; the first carries no split penalty,
	// every later one carries Problem.SplitPenalty.
	Shipments []Shipment `json:"shipments"`
	// ShippingCost is the sum of the shipments' costs (which include split
	// penalties).
	ShippingCost float64 `json:"shipping_cost"`
	// LostSaleCost is what the units left unfilled cost: the sum of
	// Unfilled[i].LostSaleCost, plus Problem.LostSaleCostPerOrder once when
	// any unit is unfilled.
	LostSaleCost float64 `json:"lost_sale_cost"`
	// TotalCost = ShippingCost + LostSaleCost: what the solver minimises.
	// Without lost-sale prices it is the shipping cost.
	TotalCost float64 `json:"total_cost"`
	// Alternatives are the next-best feasible plans, best first; their
	// TotalCost counts lost sales as TotalCost does.
	Alternatives []Alternative `json:"alternatives"`
	// Excluded lists every option that could not take part, with why.
	Excluded []Exclusion `json:"excluded"`
	// Unfilled lists, in line order, the lines the plan leaves unfilled in
	// whole or in part, with why; the plan covers the rest.
	Unfilled []Unfilled `json:"unfilled"`
	Stats    Stats      `json:"stats"`
}

// Shipment is one option used by a plan: what it carries and what it costs.
// Cost = FixedCost + UnitsCost + Penalty.
type Shipment struct {
	// Option is the index in Problem.Options.
	Option int `json:"option"`
	// Lines are the allocations, in line order, each with a positive
	// quantity.
	Lines []Allocation `json:"lines"`
	// FixedCost is the option's FixedCost.
	FixedCost float64 `json:"fixed_cost"`
	// UnitsCost is the sum of UnitCost x quantity over Lines.
	UnitsCost float64 `json:"units_cost"`
	// Penalty is the split penalty this shipment carries.
	Penalty    float64 `json:"split_penalty"`
	Cost       float64 `json:"cost"`
	ETAMinutes int32   `json:"eta_minutes"`
}

// Allocation is how many units of a line a shipment carries.
type Allocation struct {
	// Line is the index in Problem.Lines.
	Line     int   `json:"line"`
	Quantity int32 `json:"quantity"`
}

// Alternative is a ranked runner-up plan, by the options it uses (none:
// the plan that ships nothing, possible when every planned line has a
// lost-sale price).
type Alternative struct {
	Options   []int   `json:"options"`
	TotalCost float64 `json:"total_cost"`
}

// Exclusion says why an option took no part.
type Exclusion struct {
	Option int    `json:"option"`
	Reason Reason `json:"reason"`
}

// Unfilled is a line the plan leaves unfilled, in whole or in part (see
// the package doc for the rules).
type Unfilled struct {
	Line int `json:"line"`
	// Quantity is the number of units left unfilled: the line's whole
	// quantity, except for a priced line with split lines, which may be
	// filled in part.
	Quantity int32 `json:"quantity"`
	// Reason is NO_STOCK, CAPACITY or OVERWEIGHT when no plan could fill
	// the units, UNECONOMIC when filling them costs more than losing them.
	// A line short of stock may be listed twice, in that order: the units
	// no plan could ship, then those left by choice.
	Reason Reason `json:"reason"`
	// LostSaleCost = Quantity x Line.LostSaleCost (the per-order cost is
	// counted once, in Plan.LostSaleCost).
	LostSaleCost float64 `json:"lost_sale_cost"`
	// CostSaved, for an UNECONOMIC line, is the total cost of the cheapest
	// plan that fills the whole line minus this plan's total cost: what
	// leaving it unfilled saves. It is 0 for the other reasons, and for
	// the part of a short line left by choice (no plan fills it whole).
	CostSaved float64 `json:"cost_saved"`
}

// Stats are the solver's own facts about one solve.
type Stats struct {
	// Candidates is len(Problem.Options); Eligible those not excluded.
	Candidates int `json:"candidates"`
	Eligible   int `json:"eligible"`
	// Exact is true when the branch and bound ran (not the heuristic).
	Exact bool `json:"exact"`
	// Optimal is true when the plan is proven optimal.
	Optimal    bool    `json:"optimal"`
	LowerBound float64 `json:"lower_bound"`
	// Gap = (TotalCost - LowerBound) / max(TotalCost, 1e-9); 0 when optimal.
	Gap float64 `json:"gap"`
	// Nodes is the work done: search nodes and allocation steps (exact) or
	// moves (heuristic).
	Nodes int `json:"nodes"`
}
