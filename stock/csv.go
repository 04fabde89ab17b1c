package stock

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/omniroute/omniroute/network"
)

// ErrBadCSV is wrapped by every error about the content of a stock file.
var ErrBadCSV = errors.New("bad stock file")

// CSVError is a problem with the content of a stock file, at a line
// (0 when it concerns the whole file). It wraps ErrBadCSV.
type CSVError struct {
	File string
	Line int
	Msg  string // names the column: `on_hand: "x" is not an integer`
}

// Error returns "file:line: message".
func (e *CSVError) Error() string {
	if e.Line == 0 {
		return e.File + ": " + e.Msg
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// Unwrap returns ErrBadCSV.
func (e *CSVError) Unwrap() error { return ErrBadCSV }

// csvHeader is the stock file's header, in order.
var csvHeader = [...]string{"node", "sku", "on_hand", "safety_stock"}

// ReadCSV reads a stock file into a new table over net:
//
//	node,sku,on_hand,safety_stock
//	alm-s01,MILK-1L,24,2
//
// node is a node id of net. Errors name the file and line, e.g.
// "stock.csv:17: on_hand: "x" is not an integer"; they are *CSVError and
// wrap ErrBadCSV.
// on_hand and safety_stock are whole numbers from 0 to MaxLevel, the limit
// UpdateStock applies too. Rows start with sequence number 0 and nothing
// reserved.
func ReadCSV(r io.Reader, name string, net *network.Network) (*Table, error) {
	t := New(net)
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	bad := func(line int, format string, args ...any) error {
		return &CSVError{File: name, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	first := true
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, bad(pe.Line, "%v", pe.Err)
			}
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		if first {
			first = false
			if len(rec) > 0 {
				rec[0] = strings.TrimPrefix(rec[0], "\ufeff")
			}
			if len(rec) != len(csvHeader) {
				return nil, bad(line, "header has %d columns, want %s", len(rec), strings.Join(csvHeader[:], ","))
			}
			for i, h := range csvHeader {
				if strings.TrimSpace(rec[i]) != h {
					return nil, bad(line, "header column %d is %q, want %s", i+1, rec[i], strings.Join(csvHeader[:], ","))
				}
			}
			continue
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		if len(rec) != len(csvHeader) {
			return nil, bad(line, "%d columns, want %d (%s)", len(rec), len(csvHeader), strings.Join(csvHeader[:], ","))
		}
		id := strings.TrimSpace(rec[0])
		node, ok := net.NodeIndex(id)
		if !ok {
			return nil, bad(line, "node: unknown node %q", id)
		}
		sku := strings.TrimSpace(rec[1])
		if sku == "" {
			return nil, bad(line, "sku: empty")
		}
		onHand, err := parseQty(rec[2])
		if err != nil {
			return nil, bad(line, "on_hand: %v", err)
		}
		safety, err := parseQty(rec[3])
		if err != nil {
			return nil, bad(line, "safety_stock: %v", err)
		}
		if t.find(node, sku) != nil {
			return nil, bad(line, "duplicate row for node %q, sku %q", id, sku)
		}
		x := t.ensure(node, sku)
		x.onHand, x.safety = onHand, safety
	}
	if first {
		return nil, &CSVError{File: name, Msg: "empty file, want header " + strings.Join(csvHeader[:], ",")}
	}
	return t, nil
}

func parseQty(s string) (int32, error) {
	s = strings.TrimSpace(s)
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) {
			return 0, fmt.Errorf("%s is out of range 0..%d", s, MaxLevel)
		}
		return 0, fmt.Errorf("%q is not an integer", s)
	}
	if err := CheckLevel(v); err != nil {
		return 0, err
	}
	return int32(v), nil
}

// WriteCSV writes the table's on hand and safety stock in the format
// ReadCSV reads, rows ordered by node index, then SKU. Reservations and
// sequence numbers are not part of the file.
func (t *Table) WriteCSV(w io.Writer) error { return t.writeCSV(w, false) }

// WriteFreeCSV writes the table as WriteCSV does, each row's on hand less
// the units reserved (never below zero): the stock that orders still to
// come can have, which a replay of them starts from.
func (t *Table) WriteFreeCSV(w io.Writer) error { return t.writeCSV(w, true) }

// writeCSV writes the table, on hand less reserved when free.
func (t *Table) writeCSV(w io.Writer, free bool) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader[:]); err != nil {
		return fmt.Errorf("write stock csv: %w", err)
	}
	rec := make([]string, len(csvHeader))
	for _, r := range t.Snapshot() {
		onHand := r.OnHand
		if free {
			onHand = max(onHand-r.Reserved, 0)
		}
		rec[0], rec[1] = r.NodeID, r.SKU
		rec[2] = strconv.FormatInt(int64(onHand), 10)
		rec[3] = strconv.FormatInt(int64(r.Safety), 10)
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("write stock csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write stock csv: %w", err)
	}
	return nil
}
