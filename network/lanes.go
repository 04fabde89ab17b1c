package network

import (
	"slices"
	"time"

	"github.com/omniroute/omniroute/geo"
)

// TransferRole says whether a node may send stock to other nodes, receive
// stock from them, both or neither (see Lane). The zero value means both.
type TransferRole string

// The transfer roles, as written in a node's transfers key.
const (
	TransfersBoth    TransferRole = ""
	TransfersSend    TransferRole = "send"
	TransfersReceive TransferRole = "receive"
	TransfersNone    TransferRole = "none"
)

// Valid reports whether r is one of the transfer roles ("both" is read
// as the zero value).
func (r TransferRole) Valid() bool {
	return r == TransfersBoth || r == TransfersSend || r == TransfersReceive || r == TransfersNone
}

// CanSend reports whether a node of role r may send stock.
func (r TransferRole) CanSend() bool { return r == TransfersBoth || r == TransfersSend }

// CanReceive reports whether a node of role r may receive stock.
func (r TransferRole) CanReceive() bool { return r == TransfersBoth || r == TransfersReceive }

// Lane is a way stock moves between nodes: a transfer from a node chosen
// by From (an id) or FromKinds to a node chosen by To or ToKinds, in
// LeadTime, at CostPerShipment plus CostPerUnit per unit. SameCity and
// MaxKm narrow the pairs a lane joins. A pair (from, to) takes the first
// lane that joins it; nodes that may not send (or receive) are left out
// of the lanes that name them by kind.
type Lane struct {
	// Name is for people and messages; optional.
	Name string `yaml:"name,omitempty"`
	// From is the sending node's id; FromKinds, when From is empty, the
	// kinds of the sending nodes. One of the two is required.
	From      string `yaml:"from,omitempty"`
	FromKinds []Kind `yaml:"from_kinds,omitempty,flow"`
	// To is the receiving node's id; ToKinds, when To is empty, the kinds
	// of the receiving nodes. One of the two is required.
	To      string `yaml:"to,omitempty"`
	ToKinds []Kind `yaml:"to_kinds,omitempty,flow"`
	// SameCity joins only nodes of the same (non-empty) city.
	SameCity bool `yaml:"same_city,omitempty"`
	// MaxKm joins only nodes at most this far apart (great circle); 0
	// means no limit.
	MaxKm float64 `yaml:"max_km,omitempty"`
	// CostPerUnit and CostPerShipment price a transfer: one shipment is
	// everything that leaves the sender for the receiver at one time, all
	// SKUs together (see Lane.Cost).
	CostPerUnit     float64 `yaml:"cost_per_unit"`
	CostPerShipment float64 `yaml:"cost_per_shipment"`
	// LeadHours is the time from leaving the sender to arriving at the
	// receiver, in hours (see Lane.LeadTime).
	LeadHours float64 `yaml:"lead_hours"`
	// MinQty is the fewest units one shipment carries; 0 means no minimum.
	MinQty int `yaml:"min_qty,omitempty"`
}

// Cost is what one shipment of units costs on the lane: CostPerShipment +
// units x CostPerUnit, and nothing for no units. It is the one rule that
// both the allocation plan and the replay price transfers by.
func (l *Lane) Cost(units int64) float64 {
	if units <= 0 {
		return 0
	}
	return l.CostPerShipment + float64(units)*l.CostPerUnit
}

// LeadTime is the lane's lead time, to the second.
func (l *Lane) LeadTime() time.Duration {
	return time.Duration(l.LeadHours*3600) * time.Second
}

// Route is a pair of nodes some lane joins: From sends to To on
// Lanes[Lane].
type Route struct {
	From, To int
	Lane     int
	// Km is the great-circle distance between the two nodes.
	Km float64
}

// MaxLeadTime bounds a lane's lead time.
const MaxLeadTime = 366 * 24 * time.Hour

// checkLanes checks the lanes and the nodes' transfer keys; the node ids
// must be indexed in p already.
func (n *Network) checkLanes(v *validator, p *prepared) {
	for i := range n.Nodes {
		nd := &n.Nodes[i]
		f := entry("nodes", i, nd.ID)
		if !nd.Transfers.Valid() {
			v.add(f+".transfers", "unknown role %q (want both, send, receive or none)", nd.Transfers)
		}
		if nd.ShelfPerSKU < 0 {
			v.add(f+".shelf_per_sku", "%d must be >= 0", nd.ShelfPerSKU)
		}
		if nd.ShelfTotal < 0 {
			v.add(f+".shelf_total", "%d must be >= 0", nd.ShelfTotal)
		}
	}
	for i := range n.Lanes {
		l := &n.Lanes[i]
		f := entry("lanes", i, l.Name)
		n.checkLaneEnd(v, p, f, "from", l.From, l.FromKinds, true)
		n.checkLaneEnd(v, p, f, "to", l.To, l.ToKinds, false)
		if l.From != "" && l.From == l.To {
			v.add(f+".to", "%q is the sending node too", l.To)
		}
		v.nonNegative(f+".max_km", l.MaxKm)
		v.nonNegative(f+".cost_per_unit", l.CostPerUnit)
		v.nonNegative(f+".cost_per_shipment", l.CostPerShipment)
		if !finite(l.LeadHours) || l.LeadHours < 0 || l.LeadHours > MaxLeadTime.Hours() {
			v.add(f+".lead_hours", "%v is outside 0..%v", l.LeadHours, MaxLeadTime.Hours())
		}
		if l.MinQty < 0 || l.MinQty > 1<<30 {
			v.add(f+".min_qty", "%d is outside 0..%d", l.MinQty, 1<<30)
		}
	}
}

// checkLaneEnd checks one end of a lane: an id of a node that may send (or
// receive), or a list of kinds, not both.
func (n *Network) checkLaneEnd(v *validator, p *prepared, f, end, id string, kinds []Kind, send bool) {
	switch {
	case id != "" && len(kinds) > 0:
		v.add(f+"."+end, "give %s or %s_kinds, not both", end, end)
	case id == "" && len(kinds) == 0:
		v.add(f+"."+end, "give %s (a node id) or %s_kinds", end, end)
	case id != "":
		j, ok := p.ids[id]
		if !ok {
			v.add(f+"."+end, "unknown node %q", id)
			return
		}
		if role := n.Nodes[j].Transfers; send && !role.CanSend() {
			v.add(f+"."+end, "node %q may not send (transfers: %s)", id, role)
		} else if !send && !role.CanReceive() {
			v.add(f+"."+end, "node %q may not receive (transfers: %s)", id, role)
		}
	default:
		checkKinds(v, f+"."+end, kinds)
	}
}

// laneEnd reports whether node i is at the given end of lane l.
func (n *Network) laneEnd(i int, id string, kinds []Kind, send bool) bool {
	nd := &n.Nodes[i]
	if send && !nd.Transfers.CanSend() || !send && !nd.Transfers.CanReceive() {
		return false
	}
	if id != "" {
		return nd.ID == id
	}
	return slices.Contains(kinds, nd.Kind)
}

// prepareRoutes expands the lanes into the node pairs they join, sorted
// by sender then receiver; each pair takes the first lane that joins it.
func (p *prepared) prepareRoutes(n *Network) {
	if len(n.Lanes) == 0 {
		return
	}
	p.routeOf = make(map[[2]int]int)
	for li := range n.Lanes {
		l := &n.Lanes[li]
		for a := range n.Nodes {
			if !n.laneEnd(a, l.From, l.FromKinds, true) {
				continue
			}
			for b := range n.Nodes {
				if a == b || !n.laneEnd(b, l.To, l.ToKinds, false) {
					continue
				}
				if _, taken := p.routeOf[[2]int{a, b}]; taken {
					continue
				}
				na, nb := &n.Nodes[a], &n.Nodes[b]
				if l.SameCity && (na.City == "" || na.City != nb.City) {
					continue
				}
				km := geo.DistanceKm(na.Lat, na.Lon, nb.Lat, nb.Lon)
				if l.MaxKm > 0 && km > l.MaxKm {
					continue
				}
				p.routeOf[[2]int{a, b}] = len(p.routes)
				p.routes = append(p.routes, Route{From: a, To: b, Lane: li, Km: km})
			}
		}
	}
	slices.SortFunc(p.routes, func(x, y Route) int {
		if x.From != y.From {
			return x.From - y.From
		}
		return x.To - y.To
	})
	for k, r := range p.routes {
		p.routeOf[[2]int{r.From, r.To}] = k
	}
}

// Routes returns the node pairs the lanes join, sorted by sender then
// receiver (nil before Init or without lanes). The slice is shared: do not
// change it.
func (n *Network) Routes() []Route {
	if n.prep == nil {
		return nil
	}
	return n.prep.routes
}

// RouteBetween returns the route from node from to node to, if a lane
// joins them.
func (n *Network) RouteBetween(from, to int) (Route, bool) {
	if n.prep == nil {
		return Route{}, false
	}
	k, ok := n.prep.routeOf[[2]int{from, to}]
	if !ok {
		return Route{}, false
	}
	return n.prep.routes[k], true
}

// ShelfRoom returns how many more units of one SKU node may hold when it
// holds onHand of that SKU and total units in all (-1: no limit). A node
// already above a limit has no room.
func (nd *Node) ShelfRoom(onHand, total int64) int64 {
	room := int64(-1)
	if nd.ShelfPerSKU > 0 {
		room = max(0, int64(nd.ShelfPerSKU)-onHand)
	}
	if nd.ShelfTotal > 0 {
		t := max(0, int64(nd.ShelfTotal)-total)
		if room < 0 || t < room {
			room = t
		}
	}
	return room
}
