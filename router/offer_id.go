package router

import (
	"strings"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/solver"
)

// An offer id names an offer the way a shop echoes it back: the method in
// lower case, then, for a courier, ":" and the partner, for a pickup
// store, ":" and the node id ("courier:glovo", "pickup:alm-s07",
// "ship_from_store", "warehouse_ship"). A bare "courier" or "pickup" means
// any partner or any store near the customer.

// offerIDSep separates an offer id's method from its partner or node.
const offerIDSep = ":"

// offerID names offer f of network net.
func offerID(net *network.Network, f network.Offer) string {
	id := strings.ToLower(f.Method.String())
	switch {
	case f.Method == solver.Courier && f.Partner != "":
		id += offerIDSep + f.Partner
	case f.Method == solver.Pickup && f.Node >= 0 && f.Node < len(net.Nodes):
		id += offerIDSep + net.Nodes[f.Node].ID
	}
	return id
}

// choice is the offer an order chose: a method, a courier partner and a
// pickup node, each empty when not chosen.
type choice struct {
	method     pb.Method
	partner    string
	pickupNode string
	// fromID is true when offer_id gave them: errors about them then
	// name order.offer_id.
	fromID bool
}

// orderChoice reads the offer an order chose from its method, partner,
// pickup_node_id and offer_id fields, checking that they agree; field
// names in errors start with f ("order").
func orderChoice(f string, o *pb.Order) (choice, error) {
	c := choice{method: o.Method, partner: o.Partner, pickupNode: o.PickupNodeId}
	if _, ok := pb.Method_name[int32(o.Method)]; !ok {
		return c, invalid(f+".method", "unknown value %d", int32(o.Method))
	}
	if o.Partner != "" {
		if err := checkID(f+".partner", o.Partner); err != nil {
			return c, err
		}
		if o.Method != pb.Method_METHOD_UNSPECIFIED && o.Method != pb.Method_METHOD_COURIER {
			return c, invalid(f+".partner", "only with method METHOD_COURIER, not %s", o.Method)
		}
		c.method = pb.Method_METHOD_COURIER
	}
	if o.OfferId != "" {
		idf := f + ".offer_id"
		if err := checkID(idf, o.OfferId); err != nil {
			return c, err
		}
		name, rest, qualified := strings.Cut(o.OfferId, offerIDSep)
		m, err := network.ParseMethod(name)
		if err != nil || name != strings.ToLower(name) {
			return c, invalid(idf, "%q does not start with a method (%s)", o.OfferId, network.MethodChoices())
		}
		pm := methodToProto(m)
		if qualified && (rest == "" || (m != solver.Courier && m != solver.Pickup)) {
			return c, invalid(idf, "%q: only courier:PARTNER and pickup:NODE take a qualifier", o.OfferId)
		}
		if c.method != pb.Method_METHOD_UNSPECIFIED && c.method != pm {
			return c, invalid(idf, "%q is a %s offer, the order's method says %s", o.OfferId, pm, c.method)
		}
		c.method, c.fromID = pm, true
		switch {
		case !qualified:
		case m == solver.Courier:
			if c.partner != "" && c.partner != rest {
				return c, invalid(idf, "%q names partner %q, the order's partner is %q", o.OfferId, rest, c.partner)
			}
			c.partner = rest
		default:
			if c.pickupNode != "" && c.pickupNode != rest {
				return c, invalid(idf, "%q names pickup node %q, the order's pickup_node_id is %q", o.OfferId, rest, c.pickupNode)
			}
			c.pickupNode = rest
		}
	}
	field := f + ".method"
	if c.fromID {
		field = f + ".offer_id"
	}
	delivery := c.method != pb.Method_METHOD_UNSPECIFIED && c.method != pb.Method_METHOD_PICKUP
	switch {
	case c.method == pb.Method_METHOD_PICKUP && o.Preference == pb.FulfillmentPreference_FULFILLMENT_PREFERENCE_DELIVERY:
		return c, invalid(field, "METHOD_PICKUP contradicts preference FULFILLMENT_PREFERENCE_DELIVERY")
	case delivery && o.Preference == pb.FulfillmentPreference_FULFILLMENT_PREFERENCE_PICKUP:
		return c, invalid(field, "%s contradicts preference FULFILLMENT_PREFERENCE_PICKUP", c.method)
	}
	return c, nil
}

// apply sets the choice in a network order, checking what needs the
// network: the partner and the pickup node must exist.
func (c choice) apply(f string, net *network.Network, dst *network.Order) error {
	dst.Method = methodFromProto(c.method)
	dst.Partner = c.partner
	if c.partner != "" {
		if _, ok := net.CourierIndex(c.partner); !ok {
			field := f + ".partner"
			if c.fromID {
				field = f + ".offer_id"
			}
			return notFound(field, "unknown courier partner %q", c.partner)
		}
	}
	if c.pickupNode != "" && c.pickupNode != dst.PickupNodeID {
		// The node came from offer_id.
		i, ok := net.NodeIndex(c.pickupNode)
		if !ok {
			return notFound(f+".offer_id", "unknown node %q", c.pickupNode)
		}
		if !net.Nodes[i].Offers(solver.Pickup) {
			return invalid(f+".offer_id", "node %q does not offer pickup", c.pickupNode)
		}
		dst.PickupNodeID = c.pickupNode
	}
	return nil
}
