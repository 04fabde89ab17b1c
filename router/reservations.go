package router

import (
	"container/heap"
	"time"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
)

// reservation holds planned units for an order until it is committed,
// released or expires. It is also the durable record written to the store.
type reservation struct {
	ID        string              `json:"id"`
	OrderID   string              `json:"order_id"`
	State     pb.ReservationState `json:"state"`
	Items     []reservedItem      `json:"items"`
	CreatedAt time.Time           `json:"created_at"`
	ExpiresAt time.Time           `json:"expires_at"`
	// UpdatedAt is when the state last changed.
	UpdatedAt time.Time `json:"updated_at"`
	// Day is the capacity day the units were picked on.
	Day int64 `json:"day"`
	// Fingerprint identifies the order's content, so that the same order id
	// sent with other lines is told apart from a retry.
	Fingerprint string `json:"fingerprint"`
	// Plan is the plan first answered (protobuf, deflated), replayed to
	// retries of the same order.
	Plan []byte `json:"plan,omitempty"`
	// Quotes are the partners' prices of the plan's trips, to book them.
	Quotes []reservedQuote `json:"quotes,omitempty"`
}

// reservedItem is units of one SKU held at one node.
type reservedItem struct {
	NodeID   string `json:"node_id"`
	SKU      string `json:"sku"`
	Quantity int32  `json:"quantity"`
	// QuoteID is the quote of the trip carrying the units, if any.
	QuoteID string `json:"quote_id,omitempty"`
}

// reservedQuote is a partner's price of one trip of a reserved plan.
type reservedQuote struct {
	NodeID    string         `json:"node_id"`
	Partner   string         `json:"partner"`
	QuoteID   string         `json:"quote_id,omitempty"`
	Price     float64        `json:"price"`
	Currency  string         `json:"currency"`
	ExpiresAt time.Time      `json:"expires_at,omitzero"`
	Source    pb.QuoteSource `json:"source"`
}

// setQuotes records the partner prices of the plan first answered, and
// on each item the quote of the trip carrying it.
func (r *reservation) setQuotes(p *pb.Plan) {
	r.Quotes = quotesOf(p)
	for i := range r.Items {
		for _, q := range r.Quotes {
			if q.NodeID == r.Items[i].NodeID {
				r.Items[i].QuoteID = q.QuoteID
			}
		}
	}
}

// quotesOf lists the partner prices of a converted plan's shipments, one
// per shipment a partner carries.
func quotesOf(p *pb.Plan) []reservedQuote {
	var out []reservedQuote
	for _, sh := range p.GetShipments() {
		if sh.Carrier == "" {
			continue
		}
		q := reservedQuote{NodeID: sh.NodeId, Partner: sh.Carrier, QuoteID: sh.QuoteId, Price: sh.QuotePrice,
			Currency: p.Currency, Source: sh.QuoteSource}
		if sh.QuoteExpiresAt != nil {
			q.ExpiresAt = sh.QuoteExpiresAt.AsTime()
		}
		out = append(out, q)
	}
	return out
}

func (r *reservation) toProto() *pb.Reservation {
	out := &pb.Reservation{
		Id:      r.ID,
		OrderId: r.OrderID,
		State:   r.State,
		Items:   make([]*pb.ReservedItem, len(r.Items)),
	}
	if !r.ExpiresAt.IsZero() {
		out.ExpiresAt = timestampOf(r.ExpiresAt)
	}
	for i, it := range r.Items {
		out.Items[i] = &pb.ReservedItem{NodeId: it.NodeID, Sku: it.SKU, Quantity: it.Quantity, QuoteId: it.QuoteID}
	}
	for _, q := range r.Quotes {
		rq := &pb.ReservedQuote{NodeId: q.NodeID, Partner: q.Partner, QuoteId: q.QuoteID, Price: q.Price,
			Currency: q.Currency, Source: q.Source}
		if !q.ExpiresAt.IsZero() {
			rq.ExpiresAt = timestampOf(q.ExpiresAt)
		}
		out.Quotes = append(out.Quotes, rq)
	}
	return out
}

// book is every reservation the service knows, by id and by order id, with
// the ACTIVE ones in expiry order. It is guarded by the service's mutex.
type book struct {
	byID    map[string]*reservation
	byOrder map[string]*reservation
	expiry  expiryHeap
	active  int
	// closed are the COMMITTED, RELEASED and EXPIRED reservations in the
	// order they closed, for pruning after the retention period.
	closed []*reservation
}

func newBook() *book {
	return &book{byID: make(map[string]*reservation), byOrder: make(map[string]*reservation)}
}

// add records r; an ACTIVE r joins the expiry queue.
func (b *book) add(r *reservation) {
	b.byID[r.ID] = r
	if prev := b.byOrder[r.OrderID]; prev == nil || !r.CreatedAt.Before(prev.CreatedAt) {
		b.byOrder[r.OrderID] = r
	}
	if r.State == pb.ReservationState_RESERVATION_STATE_ACTIVE {
		b.active++
		heap.Push(&b.expiry, r)
	}
}

// closedNow records that r left ACTIVE (at r.UpdatedAt).
func (b *book) closedNow(r *reservation) { b.closed = append(b.closed, r) }

// prunable returns how many of the oldest closed reservations are past
// retention at now.
func (b *book) prunable(now time.Time, retention time.Duration) int {
	n := 0
	for n < len(b.closed) && !now.Before(b.closed[n].UpdatedAt.Add(retention)) {
		n++
	}
	return n
}

// prune forgets the n oldest closed reservations.
func (b *book) prune(n int) {
	for _, r := range b.closed[:n] {
		if b.byID[r.ID] == r {
			delete(b.byID, r.ID)
		}
		if b.byOrder[r.OrderID] == r {
			delete(b.byOrder, r.OrderID)
		}
	}
	clear(b.closed[:n])
	b.closed = b.closed[n:]
}

// due reports whether an ACTIVE reservation has expired by now.
func (b *book) due(now time.Time) bool {
	if len(b.expiry) == 0 {
		return false
	}
	r := b.expiry[0]
	if r.State != pb.ReservationState_RESERVATION_STATE_ACTIVE || b.byID[r.ID] != r {
		return true // stale head: let the write path pop it
	}
	return !now.Before(r.ExpiresAt)
}

// popDue removes and returns the ACTIVE reservations expired by now.
func (b *book) popDue(now time.Time) []*reservation {
	var out []*reservation
	for len(b.expiry) > 0 {
		r := b.expiry[0]
		if r.State != pb.ReservationState_RESERVATION_STATE_ACTIVE || b.byID[r.ID] != r {
			heap.Pop(&b.expiry)
			continue
		}
		if now.Before(r.ExpiresAt) {
			break
		}
		heap.Pop(&b.expiry)
		out = append(out, r)
	}
	return out
}

// expiryHeap orders reservations by expiry, then id.
type expiryHeap []*reservation

func (h expiryHeap) Len() int { return len(h) }
func (h expiryHeap) Less(i, j int) bool {
	if !h[i].ExpiresAt.Equal(h[j].ExpiresAt) {
		return h[i].ExpiresAt.Before(h[j].ExpiresAt)
	}
	return h[i].ID < h[j].ID
}
func (h expiryHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)   { *h = append(*h, x.(*reservation)) }
func (h *expiryHeap) Pop() any {
	old := *h
	r := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return r
}
