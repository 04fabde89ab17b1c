package simulate

import (
	"strconv"
	"strings"

	"github.com/omniroute/omniroute/network"
)

// OrderHeader is the header row AppendOrder's rows go under: every column
// an OrderReader reads, required ones first, ending in a line break.
const OrderHeader = "order_id,created_at,lat,lon,sku,qty,requested_method,pickup_node,unit_weight_kg,promise_by,allow_split,max_shipments,lost_sale_cost,pickup_redirect_cost\n"

// AppendOrder appends o to dst as rows of an orders file under
// OrderHeader, one row a line, and returns the extended slice; an
// OrderReader reads them back as o. What an orders file has no column
// for is left out: a chosen offer's method and partner (the want stays:
// delivery or pickup), the pickup radius, and what was fetched for the
// order (Live). created_at and promise_by are written in their own offset (Z in UTC)
// with nine digits of the second, so that times in UTC sort as text; a field holding a comma or a quote is quoted.
func AppendOrder(dst []byte, o *network.Order) []byte {
	// The order's own fields, formatted once for all its rows.
	var at, rest [96]byte
	head := o.CreatedAt.AppendFormat(at[:0], timeFormat)
	head = append(head, ',')
	head = strconv.AppendFloat(head, o.Lat, 'f', -1, 64)
	head = append(head, ',')
	head = strconv.AppendFloat(head, o.Lon, 'f', -1, 64)
	tail := rest[:0]
	if !o.PromiseBy.IsZero() {
		tail = o.PromiseBy.AppendFormat(tail, timeFormat)
	}
	tail = append(tail, ',')
	tail = strconv.AppendBool(tail, o.AllowSplit)
	tail = append(tail, ',')
	if o.MaxShipments != 0 {
		tail = strconv.AppendInt(tail, int64(o.MaxShipments), 10)
	}
	for i := range o.Lines {
		ln := &o.Lines[i]
		dst = appendField(dst, o.ID)
		dst = append(dst, ',')
		dst = append(dst, head...)
		dst = append(dst, ',')
		dst = appendField(dst, ln.SKU)
		dst = append(dst, ',')
		dst = strconv.AppendInt(dst, int64(ln.Quantity), 10)
		dst = append(dst, ',')
		dst = append(dst, wantName(o.Want)...)
		dst = append(dst, ',')
		dst = appendField(dst, o.PickupNodeID)
		dst = append(dst, ',')
		if ln.UnitWeightKg != 0 {
			dst = strconv.AppendFloat(dst, ln.UnitWeightKg, 'f', -1, 64)
		}
		dst = append(dst, ',')
		dst = append(dst, tail...)
		dst = append(dst, ',')
		if ln.LostSaleCost != 0 {
			dst = strconv.AppendFloat(dst, ln.LostSaleCost, 'f', -1, 64)
		}
		dst = append(dst, ',')
		if o.PickupRedirectCost != 0 {
			dst = strconv.AppendFloat(dst, o.PickupRedirectCost, 'f', -1, 64)
		}
		dst = append(dst, '\n')
	}
	return dst
}

// timeFormat is RFC 3339 with the nanoseconds always written.
const timeFormat = "2006-01-02T15:04:05.000000000Z07:00"

// wantName is the requested_method that reads back as w.
func wantName(w network.Want) string {
	switch w {
	case network.WantDelivery:
		return RequestDelivery
	case network.WantPickup:
		return RequestPickup
	}
	return RequestAny
}

// appendField appends s, quoted when it holds a comma or a quote (quotes
// doubled), as csvFile reads it.
func appendField(dst []byte, s string) []byte {
	if !strings.ContainsAny(s, ",\"") {
		return append(dst, s...)
	}
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			dst = append(dst, '"')
		}
		dst = append(dst, s[i])
	}
	return append(dst, '"')
}
