package router

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"google.golang.org/grpc/codes"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/stock"
)

// ledger is where the service's truth lives: the stock of every (node,
// SKU) (on hand, safety stock, reserved units, the last sequence number),
// each node's pick capacity for the day, and the reservations, which are
// also the idempotency records of their order ids.
//
// The service plans every order on its in-memory view (Service.inv, a
// stock.Table read under Service.mu) and asks the ledger to decide every
// change. There are two:
//
//   - localLedger (ledger_local.go): one process. The view is the truth;
//     changes are made to it under the write lock and queued for the
//     store: memory, or a bbolt file in the data directory written by
//     group commit (commit.go).
//   - pgLedger (ledger_pg.go): PostgreSQL is the truth, shared by any
//     number of replicas. Every change is one transaction; the view is a
//     cache, refreshed from the rows each transaction returns and from
//     the database's change feed (pgview.go).
//
// Both keep these invariants:
//
//  1. No unit is reserved twice. A reservation is decided against the
//     ledger's own figures, atomically (under the write lock, or in one
//     transaction of conditional updates), never against the view the plan
//     was made on; a plan the ledger refuses is planned again.
//  2. Nothing is acknowledged before it is durable. Every method that
//     changes state returns a *batch that is done once the change is
//     durable; the caller answers only after waiting for it.
//  3. An order id holds at most one ACTIVE or COMMITTED reservation: the
//     same content gets the first answer again, other content is refused.
//  4. A reservation leaves ACTIVE once (committed, released or expired),
//     and its units and pick capacity go back once.
//  5. No I/O runs under Service.mu: disk writes and database round trips
//     happen before the lock is taken or after it is released.
//
// Methods return gRPC status errors; they are safe for concurrent use.
type ledger interface {
	// replay answers a reserving route whose order id already holds an
	// ACTIVE or COMMITTED reservation, before the order is planned.
	// found is false when there is none, or when the ledger finds
	// retries in reserve instead.
	replay(ctx context.Context, prefix, orderID, fp string) (resp *pb.RouteResponse, found bool, b *batch, err error)
	// reserve holds r's planned items for the order and returns r.resp
	// with its reservation, or the first answer when the order id is
	// already reserved with the same content. retry is true when the
	// ledger refused the plan because the stock, the capacity or the
	// network changed since it was made: the caller plans again. On
	// r.final a ledger that can plan and reserve in one step does so
	// with r.replan instead of refusing.
	reserve(ctx context.Context, r *reserveRequest) (resp *pb.RouteResponse, b *batch, retry bool, err error)
	// attempts is how many times a reserving route plans before it gives
	// up (Aborted); the last attempt is final.
	attempts() int
	// commit turns an ACTIVE reservation into a sale.
	commit(ctx context.Context, id string) (*pb.Reservation, *batch, error)
	// release gives an ACTIVE reservation's units back.
	release(ctx context.Context, id string) (*pb.Reservation, *batch, error)
	// get returns a reservation as it is now.
	get(ctx context.Context, id string) (*pb.Reservation, *batch, error)
	// updateStock applies a batch of stock updates in order, all or none.
	updateStock(ctx context.Context, u *stockBatch) (stockResult, *batch, error)
	// availability returns the stock of skus at nodes (every node of the
	// network with a row when nodeIDs is empty), in network node order.
	availability(ctx context.Context, skus, nodeIDs []string) ([]*pb.NodeAvailability, error)
	// maintain runs before every call: it expires what is due and starts
	// a new capacity day where the ledger does that inline. It is cheap
	// when there is nothing to do.
	maintain(ctx context.Context)
	// reap runs in the background every Config.ReapInterval: expiry,
	// pruning past retention, keeping the view fresh.
	reap(ctx context.Context)
	// rebind moves the view onto a reloaded network; Service.mu is held.
	rebindLocked(net *network.Network) error
	// err is the failure that stopped the ledger for good, if any.
	err() error
	// close stops the ledger's goroutines and lets go of its store.
	close() error
}

// reserveRequest is one planned order to reserve.
type reserveRequest struct {
	prefix string // field prefix of errors: "" or "requests[3]."
	req    *pb.RouteRequest
	fp     string           // fingerprint of req.Order
	net    *network.Network // the network the plan was made on
	items  []stock.Item     // the planned units, by node index of net
	resp   *pb.RouteResponse
	plan   []byte // resp.Plan encoded, replayed to retries
	now    time.Time
	// attempt counts the plans made for this order, from 1.
	attempt int
	// final marks the last attempt; replan then plans the order again on
	// in (with the batch's held units applied), for a ledger that can plan
	// and reserve under one lock.
	final  bool
	replan func(in *inventory) (*pb.RouteResponse, []stock.Item, error)
}

// ttl is the reservation's time to live.
func (r *reserveRequest) ttl(def time.Duration) time.Duration {
	if r.req.ReservationTtlSeconds > 0 {
		return time.Duration(r.req.ReservationTtlSeconds) * time.Second
	}
	return def
}

// stockBatch is a batch of stock updates as the client sent them; field
// names in errors are prefix[first+i].
type stockBatch struct {
	prefix  string
	first   int
	updates []*pb.StockUpdate
}

// resolve turns the batch into table updates over net; an unknown node is
// NotFound naming the update's node_id.
func (u *stockBatch) resolve(net *network.Network) ([]stock.Update, error) {
	ups := make([]stock.Update, len(u.updates))
	for i, p := range u.updates {
		node, ok := net.NodeIndex(p.NodeId)
		if !ok {
			return nil, notFound(fmt.Sprintf("%s[%d].node_id", u.prefix, u.first+i), "unknown node %q", p.NodeId)
		}
		up := stock.Update{Node: node, SKU: p.Sku, Seq: p.Seq}
		switch c := p.Change.(type) {
		case *pb.StockUpdate_OnHand:
			v := c.OnHand
			up.OnHand = &v
		case *pb.StockUpdate_Delta:
			up.Delta = c.Delta
		}
		if p.SafetyStock != nil {
			v := *p.SafetyStock
			up.Safety = &v
		}
		ups[i] = up
	}
	return ups, nil
}

// applyScratch applies ups in order to a scratch table over net that
// starts from the rows rowOf gives (ok false: no row yet), so that a bad
// update rejects the batch before anything real changes. It returns the
// scratch table, which holds every touched row as it ends, whether each
// update applied, and what each changed on hand by.
func (u *stockBatch) applyScratch(net *network.Network, ups []stock.Update, rowOf func(node int, sku string) (stock.Row, bool)) (*stock.Table, []bool, []int32, error) {
	scratch := stock.New(net)
	applied := make([]bool, len(ups))
	deltas := make([]int32, len(ups))
	for i, up := range ups {
		before, copied := scratch.Get(up.Node, up.SKU)
		if !copied {
			if r, ok := rowOf(up.Node, up.SKU); ok {
				if err := scratch.Set(up.Node, up.SKU, r); err != nil {
					return nil, nil, nil, &fieldError{code: codes.Internal, field: fmt.Sprintf("%s[%d]", u.prefix, u.first+i), msg: err.Error()}
				}
				before = r
			}
		}
		ok, err := scratch.Apply(up)
		if err != nil {
			return nil, nil, nil, updateError(u.prefix, u.first+i, u.updates[i], err)
		}
		applied[i] = ok
		if ok {
			after, _ := scratch.Get(up.Node, up.SKU)
			deltas[i] = after.OnHand - before.OnHand
		}
	}
	return scratch, applied, deltas, nil
}

// receiptsOf sums what the applied updates changed on hand by (deltas,
// each update's own), per row and per kind of change: a row's
// adjustments (STOCK_CHANGE_REASON_ADJUSTMENT) apart from its other
// updates, so that a batch that both sells and writes off records each.
// Rows whose sum is 0 are left out; the rest come in row order, a row's
// other changes before its adjustments. A rise is an arrival whatever its
// reason: only a fall is marked an adjustment.
func (u *stockBatch) receiptsOf(ups []stock.Update, applied []bool, deltas []int32) []stockReceipt {
	var out []stockReceipt
	for i, up := range ups {
		if applied[i] && deltas[i] != 0 {
			out = append(out, stockReceipt{key: stockKey{node: u.updates[i].NodeId, sku: up.SKU}, units: deltas[i],
				adjustment: u.updates[i].GetReason() == pb.StockChangeReason_STOCK_CHANGE_REASON_ADJUSTMENT})
		}
	}
	slices.SortStableFunc(out, func(a, b stockReceipt) int {
		return cmp.Or(compareKeys(a.key, b.key), compareBool(a.adjustment, b.adjustment))
	})
	// Merge each row's changes of a kind, then mark only the falls.
	kept := out[:0]
	for _, r := range out {
		if n := len(kept); n > 0 && kept[n-1].key == r.key && kept[n-1].adjustment == r.adjustment {
			kept[n-1].units += r.units
			continue
		}
		kept = append(kept, r)
	}
	kept = slices.DeleteFunc(kept, func(r stockReceipt) bool { return r.units == 0 })
	for i := range kept {
		kept[i].adjustment = kept[i].adjustment && kept[i].units < 0
	}
	return kept
}

// compareBool orders false before true.
func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// stockResult is what a batch of stock updates did.
type stockResult struct {
	applied, ignored int64
	// moved is the units by which the applied updates changed the rows'
	// available to promise (the sum of each change's absolute value).
	moved int64
	// below lists the touched rows left with on hand below reserved.
	below []*pb.StockShortfall
	// received lists the rows whose on hand the batch changed, by how
	// much (its rises net of its own falls: negative when it fell; a
	// row's adjustments apart), in row order (receiptsOf).
	received []stockReceipt
}

// stockReceipt is units that came into a row's on hand by a stock update,
// or left it when negative; adjustment marks a fall that is not demand
// (pb.StockChangeReason_STOCK_CHANGE_REASON_ADJUSTMENT).
type stockReceipt struct {
	key        stockKey
	units      int32
	adjustment bool
}

// shortfalls lists the rows of scratch touched by an applied update that
// are below their reserved units, in the order first touched.
func shortfalls(net *network.Network, ups []stock.Update, applied []bool, rowOf func(node int, sku string) (stock.Row, bool)) []*pb.StockShortfall {
	var out []*pb.StockShortfall
	type key struct {
		node int
		sku  string
	}
	seen := map[key]bool{}
	for i, up := range ups {
		k := key{up.Node, up.SKU}
		if !applied[i] || seen[k] {
			continue
		}
		seen[k] = true
		if r, ok := rowOf(up.Node, up.SKU); ok && r.OnHand < r.Reserved {
			out = append(out, &pb.StockShortfall{NodeId: net.Nodes[up.Node].ID, Sku: up.SKU, OnHand: r.OnHand, Reserved: r.Reserved})
		}
	}
	return out
}

// resolveNodes returns the dense indices of nodeIDs in net, sorted and
// without repeats; every node of net when nodeIDs is empty (explicit is
// then false).
func resolveNodes(net *network.Network, nodeIDs []string) (nodes []int, explicit bool, err error) {
	for i, id := range nodeIDs {
		if err := checkID(fmt.Sprintf("node_ids[%d]", i), id); err != nil {
			return nil, false, err
		}
		n, ok := net.NodeIndex(id)
		if !ok {
			return nil, false, notFound(fmt.Sprintf("node_ids[%d]", i), "unknown node %q", id)
		}
		nodes = append(nodes, n)
	}
	if len(nodes) > 0 {
		slices.Sort(nodes)
		return slices.Compact(nodes), true, nil
	}
	nodes = make([]int, len(net.Nodes))
	for n := range nodes {
		nodes[n] = n
	}
	return nodes, false, nil
}

// availabilityOf lists the rows rowOf gives for skus at nodes of net, in
// node order then SKU order as asked; without explicit nodes, only the
// nodes with a row.
func availabilityOf(net *network.Network, nodes []int, explicit bool, skus []string, rowOf func(node int, sku string) (stock.Row, bool)) []*pb.NodeAvailability {
	var out []*pb.NodeAvailability
	for _, n := range nodes {
		for _, sku := range skus {
			r, ok := rowOf(n, sku)
			if !ok && !explicit {
				continue
			}
			nd := &net.Nodes[n]
			out = append(out, &pb.NodeAvailability{
				NodeId: nd.ID, Sku: sku, Atp: r.ATP(),
				OnHand: r.OnHand, Reserved: r.Reserved, SafetyStock: r.Safety,
				NodeName: nd.Name, Kind: string(nd.Kind),
			})
		}
	}
	return out
}
