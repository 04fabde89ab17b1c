package simulate

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/solver"
)

// The columns of an orders file. One row is one order line; the rows of an
// order are consecutive and share order_id. Order-level columns are read
// from the order's first row.
var (
	orderColumnsRequired = []string{"order_id", "created_at", "lat", "lon", "sku", "qty"}
	orderColumnsOptional = []string{"requested_method", "pickup_node", "unit_weight_kg", "promise_by", "allow_split", "max_shipments", "lost_sale_cost", "pickup_redirect_cost"}
)

// Requested methods as written in the requested_method column.
const (
	// RequestAny lets the router choose delivery or pickup.
	RequestAny = "any"
	// RequestDelivery asks for a parcel or courier delivery.
	RequestDelivery = "delivery"
	// RequestPickup asks to collect in a store (pickup_node, or any store
	// within the pickup radius).
	RequestPickup = "pickup"
	// RequestExpress asks for a same-day courier delivery: a delivery whose
	// promise, when promise_by is empty, is created_at + ExpressPromise.
	RequestExpress = "express"
)

// ExpressPromise is the promise given to an express order without an
// explicit promise_by.
const ExpressPromise = 3 * time.Hour

// ReadStats counts what a reader saw and what it skipped.
type ReadStats struct {
	Rows   int64 `json:"rows"`
	Orders int64 `json:"orders"`
	// BadRows were malformed and skipped (only with skip-bad); the orders
	// they belong to are skipped whole and counted in SkippedOrders.
	BadRows       int64 `json:"bad_rows"`
	SkippedOrders int64 `json:"skipped_orders"`
	// OutOfOrder counts orders created before the order preceding them;
	// they are replayed at the replay clock's time (it never goes back).
	OutOfOrder          int64 `json:"out_of_order"`
	FirstOutOfOrderLine int   `json:"first_out_of_order_line,omitempty"`
	// FirstBad is the first malformed row's error, for the summary.
	FirstBad string `json:"first_bad,omitempty"`
	// Bad are the first MaxSkipNotes malformed rows' errors, file:line
	// first.
	Bad []string `json:"-"`
}

// OrderReader streams orders from a CSV file, one order at a time, with
// memory bounded by the largest order. The file has a header row; columns
// may come in any order and unknown ones are ignored:
//
//	order_id,created_at,lat,lon,sku,qty,requested_method,pickup_node,unit_weight_kg,promise_by,allow_split
//	O00000001,2026-03-02T04:13:09Z,43.25101,76.90127,SKU-00007,1,delivery,,0.412,2026-03-07T04:13:09Z,true
//	O00000002,2026-03-02T04:15:40Z,51.16012,71.43518,SKU-00002,2,pickup,ast-s004,1.25,,true
//	O00000002,2026-03-02T04:15:40Z,51.16012,71.43518,SKU-00031,1,pickup,ast-s004,0.3,,true
//
// order_id, created_at (RFC 3339), lat, lon, sku and qty are required.
// requested_method is any (default), delivery, pickup or express (a
// delivery promised within ExpressPromise unless promise_by says
// otherwise); pickup_node names the store for pickup; unit_weight_kg
// defaults to 0; promise_by is empty for no promise; allow_split defaults
// to true; an optional max_shipments bounds the shipments (0 = the
// network's default); an optional lost_sale_cost is what a unit of the line
// left unfilled costs (empty or 0 = the network's policy
// lost_sale_cost_per_unit); an optional pickup_redirect_cost lets an order
// that names its pickup store be collected at another store nearby for
// that much more (network.Order.PickupRedirectCost; empty or 0: at its
// store only). A SKU repeated within an order adds to its line (its first
// non-empty lost_sale_cost stands); the order's other fields are its first
// row's.
type OrderReader struct {
	f       *csvFile
	skipBad bool
	stats   ReadStats
	intern  interner

	ci struct{ id, at, lat, lon, sku, qty, method, pickup, weight, promise, split, maxShip, lost, redirect int }

	cur      network.Order // order being returned
	next     network.Order // order being assembled
	curLine  int           // line of cur's first row
	nextLine int
	nextOK   bool
	badID    string // order id of the last malformed row (skip-bad)
	lastAt   time.Time
	hasLast  bool
	eof      bool
}

// NewOrderReader reads an orders file from r; name is used in error
// messages. With skipBad, malformed rows are counted and their orders
// skipped instead of failing the read.
func NewOrderReader(r io.Reader, name string, skipBad bool) (*OrderReader, error) {
	f, err := newCSVFile(r, name, orderColumnsRequired, orderColumnsOptional)
	if err != nil {
		return nil, err
	}
	or := &OrderReader{f: f, skipBad: skipBad, intern: make(interner)}
	c := &or.ci
	c.id, c.at, c.lat, c.lon = f.col("order_id"), f.col("created_at"), f.col("lat"), f.col("lon")
	c.sku, c.qty, c.method, c.pickup = f.col("sku"), f.col("qty"), f.col("requested_method"), f.col("pickup_node")
	c.weight, c.promise, c.split, c.maxShip = f.col("unit_weight_kg"), f.col("promise_by"), f.col("allow_split"), f.col("max_shipments")
	c.lost, c.redirect = f.col("lost_sale_cost"), f.col("pickup_redirect_cost")
	return or, nil
}

// Stats returns what the reader has seen so far.
func (r *OrderReader) Stats() ReadStats { return r.stats }

// Line returns the line number of the first row of the order last
// returned by Next.
func (r *OrderReader) Line() int { return r.curLine }

// Name returns the file name used in messages.
func (r *OrderReader) Name() string { return r.f.name }

// BytesRead returns how many bytes of the file have been consumed.
func (r *OrderReader) BytesRead() int64 { return r.f.read }

// Next returns the next order, valid until the following call, or io.EOF.
// Without skip-bad a malformed row returns a *ParseError.
func (r *OrderReader) Next() (*network.Order, error) {
	for {
		if r.eof {
			if r.nextOK {
				r.nextOK = false
				return r.emit(), nil
			}
			return nil, io.EOF
		}
		rec, err := r.f.next()
		if err == io.EOF {
			r.eof = true
			continue
		}
		if err != nil {
			if pe := (*ParseError)(nil); errors.As(err, &pe) && r.skipBad {
				r.bad(pe, "")
				continue
			}
			return nil, err
		}
		r.stats.Rows++
		id := field(rec, r.ci.id)
		if len(id) == 0 {
			if err := r.fail(r.f.errorf("order_id", "is empty"), ""); err != nil {
				return nil, err
			}
			continue
		}
		if r.badID != "" && string(id) == r.badID {
			continue // the rest of a skipped order
		}
		r.badID = ""
		if r.nextOK && string(id) == r.next.ID {
			if err := r.addLine(rec, &r.next); err != nil {
				if err := r.fail(err, r.next.ID); err != nil {
					return nil, err
				}
			}
			continue
		}
		// A new order starts: assemble it into a fresh slot and hand out
		// the finished one.
		var done bool
		if r.nextOK {
			r.cur, r.next = r.next, r.cur
			r.curLine = r.nextLine
			done = true
		}
		r.nextOK = false
		if err := r.startOrder(rec, id, &r.next); err != nil {
			if err := r.fail(err, string(id)); err != nil {
				return nil, err
			}
		} else {
			r.nextOK = true
		}
		if done {
			r.count(&r.cur)
			return &r.cur, nil
		}
	}
}

// emit moves the assembled order to the returned slot.
func (r *OrderReader) emit() *network.Order {
	r.cur, r.next = r.next, r.cur
	r.curLine = r.nextLine
	r.count(&r.cur)
	return &r.cur
}

func (r *OrderReader) count(o *network.Order) {
	r.stats.Orders++
	if r.hasLast && o.CreatedAt.Before(r.lastAt) {
		r.stats.OutOfOrder++
		if r.stats.FirstOutOfOrderLine == 0 {
			r.stats.FirstOutOfOrderLine = r.curLine
		}
	}
	if !r.hasLast || o.CreatedAt.After(r.lastAt) {
		r.lastAt = o.CreatedAt
	}
	r.hasLast = true
}

// fail handles a malformed row of order id: it is returned, or with
// skip-bad counted and the order dropped.
func (r *OrderReader) fail(err error, id string) error {
	pe := (*ParseError)(nil)
	if !errors.As(err, &pe) || !r.skipBad {
		return err
	}
	r.bad(pe, id)
	return nil
}

func (r *OrderReader) bad(pe *ParseError, id string) {
	r.stats.BadRows++
	if r.stats.FirstBad == "" {
		r.stats.FirstBad = pe.Error()
	}
	if len(r.stats.Bad) < MaxSkipNotes {
		r.stats.Bad = append(r.stats.Bad, pe.Error())
	}
	if id == "" {
		return
	}
	if r.nextOK && r.next.ID == id {
		r.nextOK = false
	}
	r.stats.SkippedOrders++
	r.badID = id
}

func (r *OrderReader) startOrder(rec [][]byte, id []byte, o *network.Order) error {
	f, c := r.f, &r.ci
	*o = network.Order{Lines: o.Lines[:0], ID: string(id), AllowSplit: true}
	r.nextLine = f.line
	v, err := f.required(rec, c.at, "created_at")
	if err != nil {
		return err
	}
	if o.CreatedAt, err = f.parseTime(v, "created_at"); err != nil {
		return err
	}
	if v, err = f.required(rec, c.lat, "lat"); err != nil {
		return err
	}
	if o.Lat, err = f.parseFloat(v, "lat"); err != nil {
		return err
	}
	if !(o.Lat >= -90 && o.Lat <= 90) { // NaN too
		return f.errorf("lat", "%v is out of range [-90, 90]", o.Lat)
	}
	if v, err = f.required(rec, c.lon, "lon"); err != nil {
		return err
	}
	if o.Lon, err = f.parseFloat(v, "lon"); err != nil {
		return err
	}
	if !(o.Lon >= -180 && o.Lon <= 180) { // NaN too
		return f.errorf("lon", "%v is out of range [-180, 180]", o.Lon)
	}
	express := false
	var lower [16]byte
	switch m := lowerASCII(lower[:0], field(rec, c.method)); string(m) {
	case "", RequestAny:
		o.Want = network.WantAny
	case RequestDelivery, "ship_from_store", "warehouse_ship":
		o.Want = network.WantDelivery
	case RequestPickup, "bopis":
		o.Want = network.WantPickup
	case RequestExpress, "courier":
		o.Want = network.WantDelivery
		express = true
	default:
		return f.errorf("requested_method", "%q is not one of any, delivery, pickup, express", strings.ToLower(string(field(rec, c.method))))
	}
	if v := field(rec, c.pickup); len(v) > 0 {
		o.PickupNodeID = r.intern.get(v)
	}
	if v := field(rec, c.redirect); len(v) > 0 {
		if o.PickupRedirectCost, err = f.parseFloat(v, "pickup_redirect_cost"); err != nil {
			return err
		}
		if !(o.PickupRedirectCost >= 0 && o.PickupRedirectCost <= math.MaxFloat64) { // NaN too
			return f.errorf("pickup_redirect_cost", "%v must be a finite number >= 0", o.PickupRedirectCost)
		}
		if o.PickupRedirectCost > 0 && o.PickupNodeID == "" {
			return f.errorf("pickup_redirect_cost", "only with pickup_node: the store the customer named")
		}
	}
	if v := field(rec, c.promise); len(v) > 0 {
		if o.PromiseBy, err = f.parseTime(v, "promise_by"); err != nil {
			return err
		}
	} else if express {
		o.PromiseBy = o.CreatedAt.Add(ExpressPromise)
	}
	if v := field(rec, c.split); len(v) > 0 {
		if o.AllowSplit, err = f.parseBool(v, "allow_split"); err != nil {
			return err
		}
	}
	if v := field(rec, c.maxShip); len(v) > 0 {
		n, err := f.parseInt(v, "max_shipments")
		if err != nil {
			return err
		}
		if n < 0 || n > 1000 {
			return f.errorf("max_shipments", "%d is out of range [0, 1000]", n)
		}
		o.MaxShipments = int(n)
	}
	return r.addLine(rec, o)
}

func (r *OrderReader) addLine(rec [][]byte, o *network.Order) error {
	f, c := r.f, &r.ci
	sku, err := f.required(rec, c.sku, "sku")
	if err != nil {
		return err
	}
	v, err := f.required(rec, c.qty, "qty")
	if err != nil {
		return err
	}
	q, err := f.parseInt(v, "qty")
	if err != nil {
		return err
	}
	if q <= 0 {
		return f.errorf("qty", "%d must be positive", q)
	}
	if q > 1<<30 {
		return f.errorf("qty", "%d is above %d", q, 1<<30)
	}
	var w float64
	if v := field(rec, c.weight); len(v) > 0 {
		if w, err = f.parseFloat(v, "unit_weight_kg"); err != nil {
			return err
		}
		if !(w >= 0) { // NaN too
			return f.errorf("unit_weight_kg", "%v must not be negative", w)
		}
	}
	var lost float64
	if v := field(rec, c.lost); len(v) > 0 {
		if lost, err = f.parseFloat(v, "lost_sale_cost"); err != nil {
			return err
		}
		if !(lost >= 0 && lost <= math.MaxFloat64) { // NaN too
			return f.errorf("lost_sale_cost", "%v must be a finite number >= 0", lost)
		}
	}
	for i := range o.Lines {
		if o.Lines[i].SKU == string(sku) { // a repeated SKU adds to its line
			if int64(o.Lines[i].Quantity)+q > 1<<30 {
				return f.errorf("qty", "%d more of %s overflows the line", q, sku)
			}
			o.Lines[i].Quantity += int32(q)
			if o.Lines[i].LostSaleCost == 0 {
				o.Lines[i].LostSaleCost = lost
			}
			return nil
		}
	}
	o.Lines = append(o.Lines, solver.Line{SKU: r.intern.get(sku), Quantity: int32(q), UnitWeightKg: w, LostSaleCost: lost})
	return nil
}

// String describes the stats in one line for people.
func (s ReadStats) String() string {
	b := fmt.Sprintf("%d orders (%d rows)", s.Orders, s.Rows)
	if s.BadRows > 0 {
		b += fmt.Sprintf(", %d malformed rows skipped (%d orders; first: %s)", s.BadRows, s.SkippedOrders, s.FirstBad)
	}
	if s.OutOfOrder > 0 {
		b += fmt.Sprintf(", %d orders out of time order (first at line %d)", s.OutOfOrder, s.FirstOutOfOrderLine)
	}
	return b
}

// lowerASCII appends b to dst with ASCII letters in lower case: a method
// name compared without allocating.
func lowerASCII(dst, b []byte) []byte {
	for _, ch := range b {
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		dst = append(dst, ch)
	}
	return dst
}
