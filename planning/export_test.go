package planning

// SetColdSamples makes op start every sample's Lagrangian rounds at no
// prices, not at the last sample's values.
func (op *OrderPlanner) SetColdSamples(cold bool) { op.coldSamples = cold }
