package quote

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/omniroute/omniroute/network"
)

// RecordedHeader is the header of a recorded quotes file. One row per
// quote: the courier partner, the node it collects from, a customer
// position (any point of the customer's cell: quotes are looked up by the
// cell of CellDeg degrees), a weight (any weight of the band: quotes are
// looked up by the partner's weight band), the price and ETA as the
// partner's API answers them, and optionally the quote id and whether
// the partner could take the trip at all (available: true or false).
const RecordedHeader = "partner,node,lat,lon,weight_kg,price,eta_minutes,quote_id,available"

// recRow is one recorded quote by names: a file may list partners and
// nodes that a scenario's network numbers differently.
type recRow struct {
	partner, node    string
	cellLat, cellLon int32
	kg               float64
	q                network.Quote
}

// Recorded is a file of recorded quotes, for replays: it prices the trips
// it lists without any I/O, and the rate card prices the others. It is
// safe for concurrent use once read.
type Recorded struct {
	rows []recRow
	// partners lists the partners with rows.
	partners map[string]bool
}

// LoadRecorded reads a recorded quotes file (see RecordedHeader).
func LoadRecorded(path string) (*Recorded, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("quotes: %w", err)
	}
	defer f.Close()
	return ReadRecorded(f, path)
}

// ReadRecorded reads recorded quotes; errors name the file and line. The
// weight band of every row is DefaultWeightBandKg unless the network's
// partner says otherwise: rows are banded when Bind meets the network.
func ReadRecorded(r io.Reader, name string) (*Recorded, error) {
	rec := &Recorded{partners: map[string]bool{}}
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || (line == 1 && strings.HasPrefix(text, "partner,")) {
			continue
		}
		f := strings.Split(text, ",")
		if len(f) < 7 || len(f) > 9 {
			return nil, fmt.Errorf("%s:%d: %d fields, want %s (the last two optional)", name, line, len(f), RecordedHeader)
		}
		if f[0] == "" || f[1] == "" {
			return nil, fmt.Errorf("%s:%d: partner and node are required", name, line)
		}
		var v [5]float64
		for i, field := range []string{"lat", "lon", "weight_kg", "price", "eta_minutes"} {
			x, err := strconv.ParseFloat(f[i+2], 64)
			if err != nil || math.IsNaN(x) || math.IsInf(x, 0) || (i >= 2 && x < 0) {
				return nil, fmt.Errorf("%s:%d: %s: %q is not a number (>= 0 for weights, prices and times)", name, line, field, f[i+2])
			}
			v[i] = x
		}
		if v[0] < -90 || v[0] > 90 || v[1] < -180 || v[1] > 180 {
			return nil, fmt.Errorf("%s:%d: lat, lon: %v, %v is out of range", name, line, v[0], v[1])
		}
		if v[4] > network.MaxLeadMinutes {
			return nil, fmt.Errorf("%s:%d: eta_minutes: %v is above %d", name, line, v[4], network.MaxLeadMinutes)
		}
		q := network.Quote{Price: v[3], ETAMinutes: int32(math.Ceil(v[4])), Source: network.SourceRecorded}
		if len(f) > 7 {
			q.ID = f[7]
		}
		if len(f) > 8 && f[8] != "" {
			ok, err := strconv.ParseBool(f[8])
			if err != nil {
				return nil, fmt.Errorf("%s:%d: available: %q is not true or false", name, line, f[8])
			}
			q.Unavailable = !ok
		}
		row, col, _, _ := cellOf(v[0], v[1])
		rec.rows = append(rec.rows, recRow{partner: f[0], node: f[1], cellLat: row, cellLon: col, kg: v[2], q: q})
		rec.partners[f[0]] = true
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return rec, nil
}

// RecordedTable is a recorded quotes file bound to one network: its rows
// by node and partner index and weight band.
type RecordedTable struct {
	net   *network.Network
	rows  map[boundKey]network.Quote
	bands []float64 // weight band per courier; 0 where no rows
}

// Bind returns the file's quotes for net's partners and nodes; rows of
// partners or nodes net does not have are left out.
func (r *Recorded) Bind(net *network.Network) *RecordedTable {
	t := &RecordedTable{net: net, rows: map[boundKey]network.Quote{}, bands: make([]float64, len(net.Couriers))}
	for ci := range net.Couriers {
		c := &net.Couriers[ci]
		if !r.partners[c.Name] {
			continue
		}
		t.bands[ci] = DefaultWeightBandKg
		if c.Quote != nil && c.Quote.WeightBandKg > 0 {
			t.bands[ci] = c.Quote.WeightBandKg
		}
	}
	for _, r := range r.rows {
		ci, ok := net.CourierIndex(r.partner)
		if !ok || t.bands[ci] == 0 {
			continue
		}
		node, ok := net.NodeIndex(r.node)
		if !ok {
			continue
		}
		q := r.q
		q.Node, q.Courier = int32(node), int32(ci)
		t.rows[recordedKey(node, ci, r.cellLat, r.cellLon, r.kg, t.bands[ci])] = q // a later row wins
	}
	return t
}

// Fill adds to live the recorded quotes of o's courier trips
// (network.Network.CourierTrips), sorted. It does no I/O.
func (t *RecordedTable) Fill(o *network.Order, trips []network.TripCandidate, live *network.Live) []network.TripCandidate {
	trips = t.net.CourierTrips(o, func(ci int) bool { return t.bands[ci] > 0 }, trips[:0])
	if len(trips) == 0 {
		return trips
	}
	kg := t.net.TripOrderOf(o).Kg
	row, col, _, _ := cellOf(o.Lat, o.Lon)
	for _, tr := range trips {
		if q, ok := t.rows[recordedKey(tr.Node, tr.Courier, row, col, kg, t.bands[tr.Courier])]; ok {
			live.Quotes = append(live.Quotes, q)
		}
	}
	live.SortQuotes()
	return trips
}

// boundKey identifies a recorded quote of a bound table.
type boundKey struct {
	key
	courier int32
}

func recordedKey(node, courier int, row, col int32, kg, bandKg float64) boundKey {
	band := max(int32(math.Ceil(kg/bandKg)), 1)
	return boundKey{key: key{node: int32(node), cellLat: row, cellLon: col, band: band}, courier: int32(courier)}
}
