package solver

// Settings tune one solve. The zero value is usable: DefaultSettings fills
// what is left zero.
type Settings struct {
	// Alternatives is how many next-best plans (distinct option sets) to
	// return besides the best one.
	Alternatives int `json:"alternatives"`
	// ExactMaxLines: orders with more lines than this go to the heuristic.
	ExactMaxLines int `json:"exact_max_lines"`
	// NodeBudget bounds the branch-and-bound search nodes; when it runs out
	// the best plan found is returned with its bound and gap.
	NodeBudget int `json:"node_budget"`
}

// Plan is the answer for one problem. A Plan returned by a Workspace is
// valid until that Workspace solves again; Clone it to keep it.
type Plan struct {
	Shipments []Shipment `json:"shipments"`
	// TotalCost = sum of shipment costs (which include split penalties).
	TotalCost float64 `json:"total_cost"`
	// Alternatives are the next-best feasible plans, best first.
	Alternatives []Alternative `json:"alternatives"`
	// Excluded lists every option that could not take part, with why.
	Excluded []Exclusion `json:"excluded"`
	// Unfilled lists the lines no feasible plan can cover, with why; the
	// plan covers the others.
	Unfilled []Unfilled `json:"unfilled"`
	Stats    Stats      `json:"stats"`
}

// Shipment is one option used by a plan: what it carries and what it costs.
type Shipment struct {
	Option     int          `json:"option"`
	Lines      []Allocation `json:"lines"`
	FixedCost  float64      `json:"fixed_cost"`
	UnitsCost  float64      `json:"units_cost"`
	Penalty    float64      `json:"split_penalty"`
	Cost       float64      `json:"cost"`
	ETAMinutes int32        `json:"eta_minutes"`
}

// Allocation is how many units of a line a shipment carries.
type Allocation struct {
	Line     int   `json:"line"`
	Quantity int32 `json:"quantity"`
}

// Alternative is a ranked runner-up plan, by the options it uses.
type Alternative struct {
	Options   []int   `json:"options"`
	TotalCost float64 `json:"total_cost"`
}

// Exclusion says why an option took no part.
type Exclusion struct {
	Option int    `json:"option"`
	Reason Reason `json:"reason"`
}

// Unfilled is a line, or part of one, that no plan could cover.
type Unfilled struct {
	Line     int    `json:"line"`
	Quantity int32  `json:"quantity"`
	Reason   Reason `json:"reason"`
}

// Stats are the solver's own facts about one solve.
type Stats struct {
	Candidates int  `json:"candidates"`
	Eligible   int  `json:"eligible"`
	Exact      bool `json:"exact"`
	// Optimal is true when the plan is proven optimal.
	Optimal    bool    `json:"optimal"`
	LowerBound float64 `json:"lower_bound"`
	// Gap = (TotalCost - LowerBound) / max(TotalCost, 1e-9); 0 when optimal.
	Gap float64 `json:"gap"`
	// Nodes is the number of search nodes (exact) or moves (heuristic).
	Nodes int `json:"nodes"`
}
