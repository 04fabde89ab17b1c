package network

// Partners returns the partners built from Couriers and Carriers at Init,
// by index (nil before Init): for callers that price trips outside a
// Builder (the planning LP prices a node-to-region trip with them). They
// are shared and must not be changed.
func (n *Network) Partners() (couriers, carriers []Partner) {
	if n.prep == nil {
		return nil, nil
	}
	return n.prep.courierPartners, n.prep.carrierPartners
}

// CircuityFactor is the factor great-circle distances are multiplied by
// where no road distance is known: Circuity, or 1 when unset.
func (p *Policy) CircuityFactor() float64 { return p.circuity() }
