package router

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Reservations are decided in groups (group commit).
//
// PostgreSQL keeps a row locked until the transaction that changed it is
// on disk, so a popular (node, SKU) row admits one reservation per commit
// fsync if each reservation is its own transaction: a few hundred a
// second. A replica's reserver therefore takes every reservation asked
// for while its previous transaction was in flight and decides them all
// in the next one, as the data directory's committer does for bbolt:
//
//  1. insert the reservation rows, in order id order (a retry of an order
//     already live, from any replica, conflicts on the live-order index
//     and is not inserted: "taken");
//  2. lock every stock row the group touches, in (node, SKU) order, and
//     every capacity row of the day, in node order;
//  3. decide each reservation in arrival order against the locked
//     figures: all its units within ATP and all its nodes within
//     capacity, or it is refused and its row deleted;
//  4. write the rows' new figures, and commit.
//
// Locks are always taken in that order (order ids, stock rows, capacity
// rows), as every other ledger transaction takes them, so groups of
// different replicas never deadlock; and nothing is answered before the
// commit.

// maxGroup bounds the reservations one transaction decides.
const maxGroup = 256

// pgPending is one reservation waiting for its group.
type pgPending struct {
	ctx    context.Context
	res    *reservation // to insert; day and times are set when reserved
	items  []itemQty    // aggregated, in lock order
	limits map[string]int32
	ttl    time.Duration
	out    chan pgOutcome // buffered: the reserver never waits for the caller
}

// pgOutcome is what became of a pending reservation.
type pgOutcome struct {
	kind outcomeKind
	err  error
}

type outcomeKind int

const (
	outcomeKindReserved outcomeKind = iota
	outcomeKindRefused              // the units or the capacity are no longer there
	outcomeKindTaken                // the order id holds a live reservation
)

// pgReserver runs the groups of one replica, one transaction at a time,
// until the service's background context ends (done closes then).
type pgReserver struct {
	l    *pgLedger
	kick chan struct{}
	done chan struct{}

	mu    sync.Mutex
	queue []*pgPending
	ended bool

	// gate, when set, is received from before each group is taken
	// (tests: let a group gather).
	gate chan struct{}
}

func newPGReserver(l *pgLedger) *pgReserver {
	return &pgReserver{l: l, kick: make(chan struct{}, 1), done: make(chan struct{})}
}

// submit queues p and waits for its outcome or the caller's context.
func (r *pgReserver) submit(p *pgPending) pgOutcome {
	r.mu.Lock()
	if r.ended {
		r.mu.Unlock()
		return pgOutcome{err: status.Error(codes.Unavailable, "service is shutting down")}
	}
	r.queue = append(r.queue, p)
	r.mu.Unlock()
	select {
	case r.kick <- struct{}{}:
	default:
	}
	select {
	case o := <-p.out:
		return o
	case <-p.ctx.Done():
		// The group it is in may still commit it: the client then learns
		// of it by retrying its order id, as after any lost answer.
		return pgOutcome{err: status.FromContextError(p.ctx.Err()).Err()}
	}
}

func (r *pgReserver) run(ctx context.Context) {
	defer close(r.done)
	for {
		select {
		case <-ctx.Done():
			r.mu.Lock()
			r.ended = true
			left := r.queue
			r.queue = nil
			r.mu.Unlock()
			for _, p := range left {
				p.out <- pgOutcome{err: status.Error(codes.Unavailable, "service is shutting down")}
			}
			return
		case <-r.kick:
		}
		if r.gate != nil {
			select {
			case <-r.gate:
			case <-ctx.Done():
				continue
			}
		}
		for {
			group := r.take()
			if len(group) == 0 {
				break
			}
			r.decide(ctx, group)
		}
	}
}

// take removes the next group from the queue: up to maxGroup pendings
// whose callers still wait, one per order id (a repeat waits for the next
// group, where it finds the first one's reservation).
func (r *pgReserver) take() []*pgPending {
	r.mu.Lock()
	defer r.mu.Unlock()
	var group, later []*pgPending
	orders := map[string]bool{}
	for _, p := range r.queue {
		switch {
		case p.ctx.Err() != nil:
			p.out <- pgOutcome{err: status.FromContextError(p.ctx.Err()).Err()}
		case orders[p.res.OrderID] || len(group) == maxGroup:
			later = append(later, p)
		default:
			orders[p.res.OrderID] = true
			group = append(group, p)
		}
	}
	r.queue = later
	return group
}

// decide runs one group's transaction and hands out the outcomes.
func (r *pgReserver) decide(ctx context.Context, group []*pgPending) {
	l := r.l
	tz := l.tz()
	// The rows the group touches, in lock order.
	var keys []stockKey
	limits := map[string]int32{}
	seen := map[stockKey]bool{}
	for _, p := range group {
		for _, it := range p.items {
			if !seen[it.key] {
				seen[it.key] = true
				keys = append(keys, it.key)
			}
			if lim := p.limits[it.key.node]; lim > 0 {
				limits[it.key.node] = lim
			}
		}
	}
	slices.SortFunc(keys, compareKeys)
	capNodes := make([]string, 0, len(limits))
	for n := range limits {
		capNodes = append(capNodes, n)
	}
	slices.Sort(capNodes)
	nodes, skus := splitKeys(keys)
	byOrder := slices.Clone(group)
	slices.SortFunc(byOrder, func(a, b *pgPending) int { return strings.Compare(a.res.OrderID, b.res.OrderID) })
	ids, orders, fps, items, plans, ttls := make([]string, len(group)), make([]string, len(group)),
		make([]string, len(group)), make([]string, len(group)), make([][]byte, len(group)), make([]float64, len(group))
	created := make([]time.Time, len(group))
	quotes := make([]string, len(group))
	for i, p := range byOrder {
		b, _ := json.Marshal(p.res.Items) // plain data: always encodes
		ids[i], orders[i], fps[i], items[i], plans[i], ttls[i] = p.res.ID, p.res.OrderID, p.res.Fingerprint, string(b), p.res.Plan, p.ttl.Seconds()
		created[i] = p.res.CreatedAt
		q, _ := json.Marshal(p.res.Quotes) // plain data: always encodes
		if p.res.Quotes == nil {
			q = []byte("[]")
		}
		quotes[i] = string(q)
	}

	outcomes := make([]pgOutcome, len(group))
	var rows []pgRow
	var caps []pgCap
	var day int64
	err := l.tx(ctx, "reserve", func(ctx context.Context, tx pgx.Tx) error {
		clear(outcomes)
		b := &pgx.Batch{}
		b.Queue(`INSERT INTO reservations (id, order_id, state, fingerprint, items, quotes, plan, day, created_at, expires_at, updated_at)
			SELECT u.id, u.order_id, 'ACTIVE', u.fp, u.items::jsonb, u.quotes::jsonb, u.plan, omniroute_day($7), u.created, now() + make_interval(secs => u.ttl), now()
			FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bytea[], $6::float8[], $8::timestamptz[], $9::text[]) AS u(id, order_id, fp, items, plan, ttl, created, quotes)
			ORDER BY u.order_id
			ON CONFLICT (order_id) WHERE state IN ('ACTIVE', 'COMMITTED') DO NOTHING
			RETURNING id, day, created_at, expires_at, updated_at`, ids, orders, fps, items, plans, ttls, tz, created, quotes)
		b.Queue(`SELECT omniroute_day($1)`, tz)
		b.Queue(`SELECT node_id, sku, on_hand, reserved, safety, seq, version FROM stock
			WHERE (node_id, sku) IN (SELECT * FROM unnest($1::text[], $2::text[]))
			ORDER BY node_id, sku FOR UPDATE`, nodes, skus)
		if len(capNodes) > 0 {
			b.Queue(`INSERT INTO capacity (node_id, day, used)
				SELECT n, omniroute_day($2), 0 FROM unnest($1::text[]) AS n ORDER BY n ON CONFLICT DO NOTHING`, capNodes, tz)
			b.Queue(`SELECT node_id, day, used, version FROM capacity
				WHERE node_id = ANY($1) AND day = omniroute_day($2) ORDER BY node_id FOR UPDATE`, capNodes, tz)
		}
		br := tx.SendBatch(ctx, b)
		defer br.Close()
		inserted, err := scanInserted(br)
		if err != nil {
			return err
		}
		if err := br.QueryRow().Scan(&day); err != nil {
			return err
		}
		q, err := br.Query()
		if err != nil {
			return err
		}
		locked, err := scanStockRows(q)
		if err != nil {
			return err
		}
		var lockedCaps []pgCap
		if len(capNodes) > 0 {
			if _, err := br.Exec(); err != nil {
				return err
			}
			if lockedCaps, err = scanCaps(br); err != nil {
				return err
			}
		}
		if err := br.Close(); err != nil {
			return err
		}

		// Decide, in arrival order, on the locked figures.
		stockNow := make(map[stockKey]*pgRow, len(locked))
		for i := range locked {
			stockNow[locked[i].key] = &locked[i]
		}
		capNow := make(map[string]*pgCap, len(lockedCaps))
		for i := range lockedCaps {
			capNow[lockedCaps[i].node] = &lockedCaps[i]
		}
		changed := map[stockKey]bool{}
		changedCap := map[string]bool{}
		var refused []string
		for i, p := range group {
			v, ok := inserted[p.res.ID]
			if !ok {
				outcomes[i] = pgOutcome{kind: outcomeKindTaken}
				continue
			}
			if !fits(p, stockNow, capNow) {
				outcomes[i] = pgOutcome{kind: outcomeKindRefused}
				refused = append(refused, p.res.ID)
				continue
			}
			for _, it := range p.items {
				stockNow[it.key].reserved += it.qty
				changed[it.key] = true
				if p.limits[it.key.node] > 0 {
					capNow[it.key.node].used += it.qty
					changedCap[it.key.node] = true
				}
			}
			p.res.Day, p.res.CreatedAt, p.res.ExpiresAt, p.res.UpdatedAt = v.Day, v.CreatedAt, v.ExpiresAt, v.UpdatedAt
			outcomes[i] = pgOutcome{kind: outcomeKindReserved}
		}

		// Write the figures that changed; what did not is returned as read.
		wb := &pgx.Batch{}
		if len(refused) > 0 {
			wb.Queue(`DELETE FROM reservations WHERE id = ANY($1)`, refused)
		}
		var wn, ws []string
		var wr []int32
		for _, k := range keys {
			if changed[k] {
				wn, ws, wr = append(wn, k.node), append(ws, k.sku), append(wr, stockNow[k].reserved)
			}
		}
		if len(wn) > 0 {
			wb.Queue(`UPDATE stock AS s SET reserved = u.reserved
				FROM unnest($1::text[], $2::text[], $3::integer[]) AS u(node_id, sku, reserved)
				WHERE s.node_id = u.node_id AND s.sku = u.sku
				RETURNING s.node_id, s.sku, s.on_hand, s.reserved, s.safety, s.seq, s.version`, wn, ws, wr)
		}
		var cn []string
		var cu []int32
		for _, n := range capNodes {
			if changedCap[n] {
				cn, cu = append(cn, n), append(cu, capNow[n].used)
			}
		}
		if len(cn) > 0 {
			wb.Queue(`UPDATE capacity AS c SET used = u.used
				FROM unnest($1::text[], $2::integer[]) AS u(node_id, used)
				WHERE c.node_id = u.node_id AND c.day = $3
				RETURNING c.node_id, c.day, c.used, c.version`, cn, cu, day)
		}
		rows, caps = nil, nil
		for _, r := range locked {
			if !changed[r.key] {
				rows = append(rows, r)
			}
		}
		for _, c := range lockedCaps {
			if !changedCap[c.node] {
				caps = append(caps, c)
			}
		}
		if wb.Len() == 0 {
			return nil
		}
		wbr := tx.SendBatch(ctx, wb)
		defer wbr.Close()
		if len(refused) > 0 {
			if _, err := wbr.Exec(); err != nil {
				return err
			}
		}
		if len(wn) > 0 {
			q, err := wbr.Query()
			if err != nil {
				return err
			}
			written, err := scanStockRows(q)
			if err != nil {
				return err
			}
			rows = append(rows, written...)
		}
		if len(cn) > 0 {
			written, err := scanCaps(wbr)
			if err != nil {
				return err
			}
			caps = append(caps, written...)
		}
		return wbr.Close()
	})
	if err != nil {
		for _, p := range group {
			p.out <- pgOutcome{err: err}
		}
		return
	}
	l.apply(rows, caps, day)
	l.s.m.ledgerGroup.Observe(float64(len(group)))
	for i, p := range group {
		p.out <- outcomes[i]
	}
}

// queued is how many reservations wait for a group.
func (r *pgReserver) queued() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.queue)
}

// fits reports whether every unit of p is within the ATP of the locked
// rows and every node of it within its day's capacity.
func fits(p *pgPending, stockNow map[stockKey]*pgRow, capNow map[string]*pgCap) bool {
	need := map[string]int64{}
	for _, it := range p.items {
		row := stockNow[it.key]
		if row == nil || int64(row.onHand)-int64(row.reserved)-int64(row.safety) < int64(it.qty) {
			return false
		}
		need[it.key.node] += int64(it.qty)
	}
	for node, q := range need {
		lim := p.limits[node]
		if lim == 0 {
			continue
		}
		c := capNow[node]
		if c == nil || int64(c.used)+q > int64(lim) {
			return false
		}
	}
	return true
}

// scanInserted reads the reservations the group's INSERT made, by id.
func scanInserted(br pgx.BatchResults) (map[string]*reservation, error) {
	q, err := br.Query()
	if err != nil {
		return nil, err
	}
	out := map[string]*reservation{}
	for q.Next() {
		r := new(reservation)
		if err := q.Scan(&r.ID, &r.Day, &r.CreatedAt, &r.ExpiresAt, &r.UpdatedAt); err != nil {
			q.Close()
			return nil, err
		}
		out[r.ID] = r
	}
	q.Close()
	return out, q.Err()
}

// compareKeys orders stock rows as every ledger transaction locks them:
// by node id, then SKU.
func compareKeys(a, b stockKey) int {
	return cmp.Or(strings.Compare(a.node, b.node), strings.Compare(a.sku, b.sku))
}

// splitKeys returns the node ids and SKUs of keys, as query arrays.
func splitKeys(keys []stockKey) (nodes, skus []string) {
	nodes, skus = make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		nodes[i], skus[i] = k.node, k.sku
	}
	return nodes, skus
}
