package simulate

import "github.com/omniroute/omniroute/planning"

// The plan models of the look-ahead policies in a replay
// (Config.PlanModel); see package planning.
const (
	// PlanDemand prices units with the expected-demand LP
	// (planning.ModelDemand).
	PlanDemand = planning.ModelDemand
	// PlanOrders prices units with a sample of the orders seen, the
	// history and then the orders replayed (planning.ModelOrders).
	PlanOrders = planning.ModelOrders
	// PlanAuto plans by PlanOrders while the orders seen repeat their sets
	// of SKUs, by PlanDemand otherwise (planning.ModelAuto), on
	// PlanDemand's schedule;
	// a PlanOrders plan's prices stay for planning.OrdersPlanEvery of its
	// intervals.
	PlanAuto = planning.ModelAuto
)
