package allocate

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/simulate"
	"github.com/omniroute/omniroute/stock"
)

// SupplyHeader is the header of a supply file.
const SupplyHeader = "node,sku,qty,available_at"

// Supply is stock that enters the network from outside (an inbound
// purchase order, say): Qty units of SKU at Node from AvailableAt. The
// plan places it: it stays at Node or leaves on Node's lanes.
type Supply struct {
	Node        int
	SKU         string
	Qty         int32
	AvailableAt time.Time
}

// ReadSupply reads a supply file (SupplyHeader) against the network's
// nodes and the SKUs of known. A row must name a known node that may
// receive stock, a known SKU, a quantity above 0, and a time no later
// than until (the end of the plan's horizon; zero: no check). The first
// problem is returned as a *simulate.ParseError (file:line: field:
// message).
func ReadSupply(r io.Reader, name string, net *network.Network, known network.SKUCatalog, until time.Time) ([]Supply, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	bad := func(line int, field, format string, args ...any) error {
		return &simulate.ParseError{File: name, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)}
	}
	head, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, bad(1, "", "empty file: want the header %s", SupplyHeader)
	}
	if err != nil {
		return nil, csvError(name, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	want := strings.Split(SupplyHeader, ",")
	for _, c := range want {
		if _, ok := col[c]; !ok {
			return nil, bad(1, "", "missing column %q (want %s)", c, SupplyHeader)
		}
	}
	var out []Supply
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, csvError(name, err)
		}
		line, _ := cr.FieldPos(0)
		get := func(c string) string {
			if i := col[c]; i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if strings.Join(rec, "") == "" {
			continue
		}
		var s Supply
		id := get("node")
		n, ok := net.NodeIndex(id)
		switch {
		case id == "":
			return nil, bad(line, "node", "is empty")
		case !ok:
			return nil, bad(line, "node", "unknown node %q", id)
		case !net.Nodes[n].Transfers.CanReceive():
			return nil, bad(line, "node", "node %q may not receive (transfers: %s)", id, net.Nodes[n].Transfers)
		}
		s.Node = n
		s.SKU = get("sku")
		if s.SKU == "" {
			return nil, bad(line, "sku", "is empty")
		}
		if known != nil && !known.KnownSKU(s.SKU) {
			return nil, bad(line, "sku", "unknown SKU %q", s.SKU)
		}
		q, err := strconv.ParseInt(get("qty"), 10, 64)
		if err != nil {
			return nil, bad(line, "qty", "%q is not an integer", get("qty"))
		}
		if q <= 0 || q > stock.MaxLevel {
			return nil, bad(line, "qty", "%d is outside 1..%d", q, stock.MaxLevel)
		}
		s.Qty = int32(q)
		if s.AvailableAt, err = time.Parse(time.RFC3339, get("available_at")); err != nil {
			return nil, bad(line, "available_at", "%q is not an RFC 3339 time (e.g. 2026-03-02T09:30:00Z)", get("available_at"))
		}
		if !until.IsZero() && s.AvailableAt.After(until) {
			return nil, bad(line, "available_at", "%s is after the horizon ends (%s)", get("available_at"), until.UTC().Format(time.RFC3339))
		}
		out = append(out, s)
	}
}

// csvError turns a CSV syntax error into a ParseError at its line.
func csvError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &simulate.ParseError{File: name, Line: pe.Line, Msg: pe.Err.Error()}
	}
	return fmt.Errorf("%s: %w", name, err)
}
