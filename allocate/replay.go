package allocate

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/omniroute/omniroute/simulate"
)

// Evaluation by replay (see the package doc, "Expected costs").
const (
	// DefaultPolicy is the routing policy the plan is replayed with.
	DefaultPolicy = "optimal"
	// DefaultWindows is how many of the history's latest horizon-long
	// windows are replayed.
	DefaultWindows = 3
	// MaxReplays bounds the replays one plan's evaluation runs (each
	// window's replays count).
	MaxReplays = 48
)

// GroupSaving is what one group of the candidate transfers (those of one
// sender kind to one receiver kind) saved when replayed: the cost of the
// plan without it less the cost with it, averaged over the windows.
type GroupSaving struct {
	// Group is "sender kind>receiver kind".
	Group string `json:"group"`
	// Units are the units its rows move.
	Units int64 `json:"units"`
	// Saving is its marginal saving at the round it was last judged;
	// Judged is false when the replay budget ran out first.
	Saving float64 `json:"saving"`
	// WindowSavings are the same marginal saving window by window, in the
	// order of Result.Windows (their mean is Saving): a group kept by a
	// mean that one window carries is a bet on that window.
	WindowSavings []float64 `json:"window_savings,omitempty"`
	Judged        bool      `json:"judged"`
	// Kept tells whether the plan keeps it.
	Kept bool `json:"kept"`
}

// WindowCost is one replayed history window's cost without and with the
// plan (total cost with lost sales, transfer cost included).
type WindowCost struct {
	// From is when the window started in the history; Orders are its
	// orders.
	From   time.Time `json:"from"`
	Orders int       `json:"orders"`
	Before float64   `json:"before"`
	After  float64   `json:"after"`
}

// window is one history window, its orders shifted to start at the
// plan's start.
type window struct {
	orders []byte
	from   time.Time
	n      int
	// falls are the window's own falls, shifted as its orders are.
	falls []simulate.Replenishment
	// reps are the replenishments it is replayed with: the scheduled
	// arrivals within the horizon and the window's own falls, shifted
	// (Input.Falls).
	reps simulate.Source
}

// evaluator replays plans over the history windows.
type evaluator struct {
	pl      *planner
	policy  string
	windows []window
	workers int
	// live replays the windows' falls as a server meets them.
	live    bool
	replays int
}

// errNoWindow is returned when the history holds no order to replay.
var errNoWindow = errors.New("the history holds no order before the plan's start")

// historyWindows cuts the latest k horizon-long windows that the history
// holds (the orders since HistoryFrom, before At; it starts at HistoryFrom
// when set, else at its first order) and shifts each one's
// times (created_at, promise_by) to start at At. When not even one window
// is held whole, the latest part is used (partial).
func historyWindows(in Input, k int) (ws []window, partial bool, err error) {
	rc, err := in.History.Open()
	if err != nil {
		return nil, false, fmt.Errorf("allocate: history: %w", err)
	}
	defer rc.Close()
	r := csv.NewReader(rc)
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	head, err := r.Read()
	if err != nil {
		return nil, false, fmt.Errorf("allocate: %s: header: %w", in.History.Name(), err)
	}
	head = slices.Clone(head)
	col := func(name string) int { return slices.Index(head, name) }
	cID, cAt, cPromise := col("order_id"), col("created_at"), col("promise_by")
	if cID < 0 || cAt < 0 {
		return nil, false, fmt.Errorf("allocate: %s: no order_id or created_at column", in.History.Name())
	}
	type row struct {
		rec []string
		at  time.Time
	}
	var rows []row
	var first time.Time
	var lastID string
	var orderAt time.Time
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, false, fmt.Errorf("allocate: %s: %w", in.History.Name(), err)
		}
		if cAt >= len(rec) || cID >= len(rec) {
			continue // the estimate reports malformed rows
		}
		if rec[cID] != lastID {
			lastID = rec[cID]
			t, err := time.Parse(time.RFC3339, rec[cAt])
			if err != nil {
				orderAt = time.Time{}
				continue
			}
			orderAt = t
		}
		if orderAt.IsZero() || !orderAt.Before(in.At) || orderAt.Before(in.HistoryFrom) {
			continue
		}
		if first.IsZero() || orderAt.Before(first) {
			first = orderAt
		}
		rows = append(rows, row{rec: slices.Clone(rec), at: orderAt})
	}
	if len(rows) == 0 {
		return nil, false, fmt.Errorf("allocate: %s: %w", in.History.Name(), errNoWindow)
	}
	h := in.Horizon
	if !in.HistoryFrom.IsZero() {
		first = in.HistoryFrom // the history is said to start there
	}
	held := 0
	for held < k && !in.At.Add(-time.Duration(held+1)*h).Before(first) {
		held++
	}
	if held == 0 {
		held, partial = 1, true
	}
	for j := 1; j <= held; j++ {
		from, to := in.At.Add(-time.Duration(j)*h), in.At.Add(-time.Duration(j-1)*h)
		shift := time.Duration(j) * h
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		if err := w.Write(head); err != nil {
			return nil, false, err
		}
		n := 0
		lastID = ""
		for _, rw := range rows {
			if rw.at.Before(from) || !rw.at.Before(to) {
				continue
			}
			rec := slices.Clone(rw.rec)
			rec[cAt] = rw.at.Add(shift).Format(time.RFC3339Nano)
			if cPromise >= 0 && cPromise < len(rec) && rec[cPromise] != "" {
				if p, err := time.Parse(time.RFC3339, rec[cPromise]); err == nil {
					rec[cPromise] = p.Add(shift).Format(time.RFC3339Nano)
				}
			}
			if rec[cID] != lastID {
				lastID = rec[cID]
				n++
			}
			if err := w.Write(rec); err != nil {
				return nil, false, err
			}
		}
		w.Flush()
		if err := w.Error(); err != nil {
			return nil, false, err
		}
		ws = append(ws, window{orders: buf.Bytes(), from: from, n: n, falls: windowFalls(in.Falls, from, h, shift)})
	}
	return ws, partial, nil
}

// arrivalsWithin are the scheduled replenishments within the horizon (those
// before the start are in the stock already).
func (pl *planner) arrivalsWithin() []simulate.Replenishment {
	end := pl.in.At.Add(pl.in.Horizon)
	return slices.DeleteFunc(slices.Clone(pl.in.Arrivals), func(a simulate.Replenishment) bool {
		return a.At.Before(pl.in.At) || !a.At.Before(end)
	})
}

// costs replays each plan over every window and returns, per plan, its
// total cost with lost sales (transfer cost included) in each window. A
// plan without rows is the baseline.
func (ev *evaluator) costs(ctx context.Context, plans [][]simulate.Transfer) ([][]float64, error) {
	// The replays: a slot per distinct plan (0, when a plan is empty, the
	// baseline's), each replayed on every window.
	var scens []*simulate.Scenario
	slot := make([]int, len(plans)) // scens index + 1; 0: the baseline
	for i, p := range plans {
		if len(p) == 0 {
			continue
		}
		scens = append(scens, &simulate.Scenario{Name: fmt.Sprintf("plan%d", i), Transfers: p})
		slot[i] = len(scens)
	}
	first := 1 // the first slot replayed: 0 when some plan is the baseline
	for i := range plans {
		if slot[i] == 0 {
			first = 0
		}
	}
	type replay struct{ w, slot int }
	var todo []replay
	for w := range ev.windows {
		for k := first; k <= len(scens); k++ {
			todo = append(todo, replay{w, k})
		}
	}
	// ev.workers goroutines replay at once, whatever the windows: a
	// server that plans with fewer workers than CPUs keeps the rest for
	// its routes.
	cost := make([][]float64, len(ev.windows)) // by window, by slot
	for w := range cost {
		cost[w] = make([]float64, len(scens)+1)
	}
	errs := make([]error, len(todo))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(max(1, ev.workers), len(todo)) {
		wg.Go(func() {
			for t := range next {
				rp := todo[t]
				cfg := simulate.Config{
					Network: ev.pl.net, Stock: ev.pl.in.Stock,
					Orders:         simulate.BytesSource{FileName: fmt.Sprintf("history window %d", rp.w+1), Data: ev.windows[rp.w].orders},
					Replenishments: ev.windows[rp.w].reps, Policies: []string{ev.policy},
					SkipBad: true, Workers: 1, LiveFalls: ev.live,
				}
				if rp.slot > 0 {
					cfg.Scenarios, cfg.NoBaseline = scens[rp.slot-1:rp.slot], true
				}
				res, err := simulate.Run(ctx, cfg)
				if err != nil {
					errs[t] = fmt.Errorf("allocate: replay of history window %d: %w", rp.w+1, err)
					continue
				}
				cost[rp.w][rp.slot] = res.Results[0].TotalWithLost
			}
		})
	}
	for t := range todo {
		next <- t
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	ev.replays += len(todo)
	out := make([][]float64, len(plans))
	for i := range plans {
		out[i] = make([]float64, len(ev.windows))
		for w := range ev.windows {
			out[i][w] = cost[w][slot[i]]
		}
	}
	return out, nil
}

// differences is a[w] - b[w] for every w.
func differences(a, b []float64) []float64 {
	out := make([]float64, len(a))
	for w := range a {
		out[w] = a[w] - b[w]
	}
	return out
}

// mean is the mean of xs.
func mean(xs []float64) float64 {
	var sum float64
	for _, x := range xs {
		sum += x
	}
	return sum / float64(len(xs))
}

// transferKey names one planned transfer of a block: the block, its
// route index k.
type transferKey struct{ block, k int }

// groupOf is the group of a route: sender kind > receiver kind.
func (pl *planner) groupOf(r int) string {
	rt := pl.routes[r]
	return string(pl.net.Nodes[rt.From].Kind) + ">" + string(pl.net.Nodes[rt.To].Kind)
}

// without lists the planned transfers that go with the groups in drop,
// closed so that the plan left keeps every shelf limit: a node that loses
// some of its inflow of a SKU sends none of it on, and one that loses some
// of its outflow of a SKU receives none of it (so its stock of the SKU
// stays as it was, or as planned); a node whose total shelf the plan left
// would overfill receives nothing.
func (pl *planner) without(drop map[string]bool) map[transferKey]bool {
	gone := map[transferKey]bool{}
	for bi, b := range pl.blocks {
		for k, r := range b.routes {
			if b.qty[k] > 0 && drop[pl.groupOf(r)] {
				gone[transferKey{bi, k}] = true
			}
		}
	}
	for len(gone) > 0 {
		pl.closeGone(gone)
		over := pl.overTotal(gone)
		if len(over) == 0 {
			break
		}
		for bi, b := range pl.blocks {
			for k, r := range b.routes {
				if b.qty[k] > 0 && over[pl.routes[r].To] {
					gone[transferKey{bi, k}] = true
				}
			}
		}
	}
	return gone
}

// closeGone adds to gone, SKU by SKU, the transfers out of a node whose
// inflow lost one, and into a node whose outflow lost one.
func (pl *planner) closeGone(gone map[transferKey]bool) {
	for bi, b := range pl.blocks {
		in, out := map[int]bool{}, map[int]bool{} // nodes that lost an inflow, an outflow
		for k, r := range b.routes {
			if gone[transferKey{bi, k}] {
				in[pl.routes[r].To], out[pl.routes[r].From] = true, true
			}
		}
		for changed := len(in) > 0; changed; {
			changed = false
			for k, r := range b.routes {
				rt, key := pl.routes[r], transferKey{bi, k}
				if b.qty[k] > 0 && !gone[key] && (in[rt.From] || out[rt.To]) {
					gone[key], in[rt.To], out[rt.From], changed = true, true, true, true
				}
			}
		}
	}
}

// overTotal lists the nodes whose total shelf limit the plan without gone
// would exceed (one that sent a SKU to make room for another and sends it
// no longer).
func (pl *planner) overTotal(gone map[transferKey]bool) map[int]bool {
	var net map[int]int64
	for bi, b := range pl.blocks {
		for k, r := range b.routes {
			if b.qty[k] <= 0 || gone[transferKey{bi, k}] {
				continue
			}
			if net == nil {
				net = map[int]int64{}
			}
			net[pl.routes[r].To] += b.qty[k]
			net[pl.routes[r].From] -= b.qty[k]
		}
	}
	over := map[int]bool{}
	for n, d := range net {
		nd := &pl.net.Nodes[n]
		if nd.ShelfTotal > 0 && d > 0 && d > max(0, int64(nd.ShelfTotal)-pl.onHandTotal[n]) {
			over[n] = true
		}
	}
	return over
}

// apply zeroes the planned transfers in gone.
func (pl *planner) apply(gone map[transferKey]bool) {
	for key := range gone {
		pl.blocks[key.block].qty[key.k] = 0
	}
}

// planWithout is the plan's rows without the transfers in gone (its
// supply rows stay); it leaves the blocks as they were.
func (pl *planner) planWithout(gone map[transferKey]bool) []simulate.Transfer {
	saved := make(map[transferKey]int64, len(gone))
	for key := range gone {
		saved[key] = pl.blocks[key.block].qty[key.k]
		pl.blocks[key.block].qty[key.k] = 0
	}
	rows, _ := pl.transfers()
	for key, q := range saved {
		pl.blocks[key.block].qty[key.k] = q
	}
	return rows
}

// replayEvaluate judges the integer plan by replaying it (see the package
// doc): it drops the groups of transfers that do not pay, one at a time,
// and sets the result's expected costs from the replays.
func (pl *planner) replayEvaluate(ctx context.Context, res *Result) error {
	t0 := time.Now()
	k := pl.in.Windows
	if k == 0 {
		k = DefaultWindows
	}
	ws, partial, err := historyWindows(pl.in, k)
	if err != nil {
		return err
	}
	workers := pl.in.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	arrivals := pl.arrivalsWithin()
	live := false
	for i := range ws {
		ws[i].reps = replenishmentsSource(pl.net, "replenishments", slices.Concat(arrivals, ws[i].falls))
		live = live || len(ws[i].falls) > 0
	}
	ev := &evaluator{pl: pl, policy: pl.policy(), windows: ws, workers: workers, live: live}
	// The groups, their units.
	units := map[string]int64{}
	for _, b := range pl.blocks {
		for k, r := range b.routes {
			if b.qty[k] > 0 {
				units[pl.groupOf(r)] += b.qty[k]
			}
		}
	}
	groups := make([]string, 0, len(units))
	for g := range units {
		groups = append(groups, g)
	}
	slices.Sort(groups)
	all := map[string]bool{}
	for _, g := range groups {
		all[g] = true
	}
	nothing := pl.planWithout(pl.without(all))
	full, _ := pl.transfers()
	cs, err := ev.costs(ctx, [][]simulate.Transfer{nothing, full})
	if err != nil {
		return err
	}
	beforeW, costW := cs[0], cs[1]
	before, cost := mean(beforeW), mean(costW)
	without := map[string][]float64{} // per window, the plan without the group
	saving := map[string]float64{}
	marginal := map[string][]float64{} // per window, saving's terms
	judged := map[string]bool{}
	dropped := map[string]bool{}
	kept := slices.Clone(groups)
	for len(kept) > 0 {
		var plans [][]simulate.Transfer
		var tried []string
		for _, g := range kept {
			if len(kept) == 1 {
				saving[g], judged[g] = before-cost, true // without it is the plan of nothing
				without[g], marginal[g] = beforeW, differences(beforeW, costW)
				continue
			}
			d := with(dropped, g)
			plans = append(plans, pl.planWithout(pl.without(d)))
			tried = append(tried, g)
		}
		if len(plans) > 0 {
			if ev.replays+len(ws)*len(plans) > MaxReplays {
				break // the budget is spent: keep what is left
			}
			got, err := ev.costs(ctx, plans)
			if err != nil {
				return err
			}
			for i, g := range tried {
				saving[g], judged[g] = mean(got[i])-cost, true
				without[g], marginal[g] = got[i], differences(got[i], costW)
			}
		}
		worst := kept[0]
		for _, g := range kept[1:] {
			if saving[g] < saving[worst] {
				worst = g
			}
		}
		if saving[worst] > 0 {
			break
		}
		dropped[worst] = true
		cost, costW = mean(without[worst]), without[worst]
		kept = slices.DeleteFunc(kept, func(g string) bool { return g == worst })
	}
	if len(kept) == 0 || cost >= before {
		for _, g := range groups {
			dropped[g] = true
		}
		cost, costW = before, beforeW
	}
	pl.apply(pl.without(dropped))
	res.Groups = make([]GroupSaving, 0, len(groups))
	for _, g := range groups {
		var per []float64
		for _, v := range marginal[g] {
			per = append(per, round4(v))
		}
		res.Groups = append(res.Groups, GroupSaving{Group: g, Units: units[g], Saving: round4(saving[g]), WindowSavings: per, Judged: judged[g], Kept: !dropped[g]})
	}
	res.ExpectedCostBefore = round4(before)
	res.ExpectedCostAfter = round4(cost)
	for w, win := range ws {
		res.Windows = append(res.Windows, WindowCost{From: win.from, Orders: win.n, Before: round4(beforeW[w]), After: round4(costW[w])})
	}
	res.Replays = ev.replays
	res.ReplayTime = time.Since(t0)
	orders := 0
	for _, w := range ws {
		orders += w.n
	}
	what := "history windows"
	if len(ws) == 1 {
		what = "history window"
	}
	if partial {
		what = "partial " + what
	}
	res.ExpectedBy = fmt.Sprintf("replay of %d %s of %v (%d orders in all) with %s", len(ws), what, pl.in.Horizon, orders, ev.policy)
	return nil
}

// with is drop with g added, a new map.
func with(drop map[string]bool, g string) map[string]bool {
	out := make(map[string]bool, len(drop)+1)
	for k, v := range drop {
		out[k] = v
	}
	out[g] = true
	return out
}
