package simulate

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"time"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/planning"
)

// Replenishment is a stock arrival: Qty units of SKU at node at time At.
// A negative Qty is a fall: units that left the node other than by an
// order routed (a sale at the till, a write-off, a recount down), as the
// order log records them. A replay keeps a fall's units out of the orders'
// reach (see applyFalls); a planner's schedule counts arrivals only
// (ReadArrivals). Adjustment marks a fall that is not demand (the file's
// reason ReasonAdjustment: a recount, a write-off): its units leave as
// any fall's, and planners expect such falls to take stock, but as no
// one's demand (planning.FallRates.ObserveAdjustment); a live replay does
// not count what it did not find as a customer gone without.
type Replenishment struct {
	At         time.Time
	Node       int
	SKU        string
	Qty        int32
	Adjustment bool
}

// ReasonAdjustment is the reason column's value for a fall that is not
// demand; an empty reason (or no such column) is an arrival or a sale.
const ReasonAdjustment = "adjustment"

// ReplenishmentReader streams a replenishments file
// (at,node,sku,qty[,reason]; sorted by at) against a network's node ids.
type ReplenishmentReader struct {
	f       *csvFile
	net     *network.Network
	skipBad bool
	intern  interner
	nodes   map[string]int // node id -> index, looked up without allocating
	// lastNode is the node id of the previous row and lastIndex its index:
	// a file lists a node's arrivals together.
	lastNode  []byte
	lastIndex int
	ci        struct{ at, node, sku, qty, reason int }
	// Bad counts skipped malformed rows (skip-bad).
	Bad int64
	// FirstBad is the first skipped row's error.
	FirstBad string
}

// NewReplenishmentReader reads replenishments from r; name is used in
// errors. Node ids are resolved in net.
func NewReplenishmentReader(r io.Reader, name string, net *network.Network, skipBad bool) (*ReplenishmentReader, error) {
	f, err := newCSVFile(r, name, []string{"at", "node", "sku", "qty"}, []string{"reason"})
	if err != nil {
		return nil, err
	}
	rr := &ReplenishmentReader{f: f, net: net, skipBad: skipBad, intern: make(interner), nodes: make(map[string]int, len(net.Nodes))}
	for i := range net.Nodes {
		rr.nodes[net.Nodes[i].ID] = i
	}
	rr.ci.at, rr.ci.node, rr.ci.sku, rr.ci.qty, rr.ci.reason = f.col("at"), f.col("node"), f.col("sku"), f.col("qty"), f.col("reason")
	return rr, nil
}

// Next returns the next replenishment or io.EOF.
func (r *ReplenishmentReader) Next() (Replenishment, error) {
	rep, sku, err := r.nextBytes()
	if sku != nil {
		rep.SKU = r.intern.get(sku)
	}
	return rep, err
}

// nextBytes is Next with rep.SKU left empty and the SKU returned as bytes,
// valid until the following call: a caller that looks the SKU up as bytes
// needs no string.
func (r *ReplenishmentReader) nextBytes() (rep Replenishment, sku []byte, err error) {
	for {
		rep, sku, err = r.next()
		if err == nil || !r.skipBad {
			return rep, sku, err
		}
		var pe *ParseError
		if !errors.As(err, &pe) {
			return rep, sku, err
		}
		r.Bad++
		if r.FirstBad == "" {
			r.FirstBad = pe.Error()
		}
	}
}

func (r *ReplenishmentReader) next() (rep Replenishment, sku []byte, err error) {
	rec, err := r.f.next()
	if err != nil {
		return rep, sku, err
	}
	f, c := r.f, &r.ci
	v, err := f.required(rec, c.at, "at")
	if err != nil {
		return rep, sku, err
	}
	if rep.At, err = f.parseTime(v, "at"); err != nil {
		return rep, sku, err
	}
	if v, err = f.required(rec, c.node, "node"); err != nil {
		return rep, sku, err
	}
	if r.lastNode == nil || !bytes.Equal(v, r.lastNode) {
		n, ok := r.nodes[string(v)]
		if !ok {
			return rep, sku, f.errorf("node", "unknown node %q", v)
		}
		r.lastNode, r.lastIndex = append(r.lastNode[:0], v...), n
	}
	rep.Node = r.lastIndex
	if sku, err = f.required(rec, c.sku, "sku"); err != nil {
		return rep, nil, err
	}
	if v, err = f.required(rec, c.qty, "qty"); err != nil {
		return rep, sku, err
	}
	q, err := f.parseInt(v, "qty")
	if err != nil {
		return rep, sku, err
	}
	if q == 0 {
		return rep, sku, f.errorf("qty", "0: an arrival is positive, a fall negative")
	}
	if q > 1<<30 || q < -(1<<30) {
		return rep, sku, f.errorf("qty", "%d is out of range %d..%d", q, -(1 << 30), 1<<30)
	}
	rep.Qty = int32(q)
	if c.reason >= 0 && c.reason < len(rec) {
		switch v := rec[c.reason]; {
		case len(v) == 0:
		case string(v) == ReasonAdjustment && q < 0:
			rep.Adjustment = true
		case string(v) == ReasonAdjustment:
			return rep, sku, f.errorf("reason", "%s: only a fall (a negative qty) is an adjustment", v)
		default:
			return rep, sku, f.errorf("reason", "%q: want %q or nothing", v, ReasonAdjustment)
		}
	}
	return rep, sku, nil
}

// Replenishments streams the arrivals of a replenishments Source: one
// file, or the files of a FileSet (several files or glob patterns, as
// OrderFiles reads a command line) merged by time, arrivals of the same
// time in the order the files are given.
type Replenishments struct {
	readers []*ReplenishmentReader
	closers []io.Closer
	// heads[i] is reader i's next arrival (its SKU in skus[i]); ok[i]
	// whether it has one.
	heads []Replenishment
	skus  [][]byte
	ok    []bool
	last  []byte // the SKU of the arrival returned last, for nextBytes
	// err is a reader's failure to read its next arrival, returned by the
	// next call.
	err error
}

// OpenReplenishments opens src's files as one stream of arrivals over
// net (malformed rows skipped and counted when skipBad).
func OpenReplenishments(src Source, net *network.Network, skipBad bool) (*Replenishments, error) {
	rs := &Replenishments{}
	for _, s := range files(src) {
		f, err := s.Open()
		if err != nil {
			rs.Close()
			return nil, err
		}
		rs.closers = append(rs.closers, f)
		rd, err := NewReplenishmentReader(f, s.Name(), net, skipBad)
		if err != nil {
			rs.Close()
			return nil, err
		}
		rs.readers = append(rs.readers, rd)
	}
	rs.heads = make([]Replenishment, len(rs.readers))
	rs.skus = make([][]byte, len(rs.readers))
	rs.ok = make([]bool, len(rs.readers))
	for i := range rs.readers {
		rs.advance(i)
	}
	return rs, nil
}

// files returns src's files: a FileSet's one by one, else src itself.
func files(src Source) []Source {
	set, ok := src.(FileSet)
	if !ok {
		return []Source{src}
	}
	out := make([]Source, len(set))
	for i, p := range set {
		out[i] = FileSource(p)
	}
	return out
}

// ReadReplenishments reads every row of src, arrivals and falls (one file,
// or a FileSet's files merged by time as OpenReplenishments merges them)
// into memory; a malformed row is an error naming its file and line.
func ReadReplenishments(src Source, net *network.Network) ([]Replenishment, error) {
	rs, err := OpenReplenishments(src, net, false)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []Replenishment
	for {
		rep, err := rs.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, rep)
	}
}

// advance reads reader i's next arrival; a failure waits in rs.err.
func (rs *Replenishments) advance(i int) {
	rep, sku, err := rs.readers[i].nextBytes()
	if err != nil {
		rs.ok[i] = false
		if err != io.EOF && rs.err == nil {
			rs.err = err
		}
		return
	}
	rs.heads[i], rs.skus[i], rs.ok[i] = rep, append(rs.skus[i][:0], sku...), true
}

// Next returns the next arrival, the earliest of the files' (the first
// file's of those of one time), or io.EOF.
func (rs *Replenishments) Next() (Replenishment, error) {
	rep, sku, err := rs.nextBytes()
	if err == nil {
		rep.SKU = rs.readers[0].intern.get(sku)
	}
	return rep, err
}

// nextBytes is Next with the SKU as bytes, valid until the next call.
func (rs *Replenishments) nextBytes() (Replenishment, []byte, error) {
	if rs.err != nil {
		return Replenishment{}, nil, rs.err
	}
	best := -1
	for i, ok := range rs.ok {
		if ok && (best < 0 || rs.heads[i].At.Before(rs.heads[best].At)) {
			best = i
		}
	}
	if best < 0 {
		return Replenishment{}, nil, io.EOF
	}
	rep := rs.heads[best]
	rs.last = append(rs.last[:0], rs.skus[best]...)
	rs.advance(best)
	return rep, rs.last, nil
}

// Close closes the files.
func (rs *Replenishments) Close() error {
	var errs []error
	for _, c := range rs.closers {
		errs = append(errs, c.Close())
	}
	rs.closers = nil
	return errors.Join(errs...)
}

// ReadArrivals is ReadReplenishments without the falls: the arrivals a
// planner schedules (plan, allocate, serve). A fall is not scheduled: the
// stock a plan starts from already lacks the falls before it, and those
// after it are demand, which no replenishments file foretells.
func ReadArrivals(src Source, net *network.Network) ([]Replenishment, error) {
	reps, err := ReadReplenishments(src, net)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(reps, func(r Replenishment) bool { return r.Qty < 0 }), nil
}

// ObserveFalls adds the falls of stock of src (its rows of negative qty:
// the order log's receipts) at or before before (every one when before
// is zero) to rates, the time observed starting at the first row read; a
// malformed row is an error naming its file and line.
func ObserveFalls(src Source, net *network.Network, before time.Time, rates *planning.FallRates) error {
	reps, err := ReadReplenishments(src, net)
	if err != nil {
		return err
	}
	ObserveFallRows(reps, before, rates)
	return nil
}

// ObserveFallRows is ObserveFalls over rows already read: the sales as
// sales, the adjustments as adjustments (FallRates.ObserveAdjustment).
func ObserveFallRows(reps []Replenishment, before time.Time, rates *planning.FallRates) {
	for _, r := range reps {
		if !before.IsZero() && r.At.After(before) {
			continue
		}
		rates.Start(r.At)
		switch {
		case r.Qty >= 0:
		case r.Adjustment:
			rates.ObserveAdjustment(r.At, r.Node, r.SKU, -r.Qty)
		default:
			rates.Observe(r.At, r.Node, r.SKU, -r.Qty)
		}
	}
}
