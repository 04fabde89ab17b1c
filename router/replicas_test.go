package router

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/internal/pgtest"
)

// eventually polls cond every few milliseconds until it holds or the
// generous deadline passes.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after 30s: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// viewATP is the ATP a replica's view (what it plans on) holds.
func (e *env) viewATP(node, sku string) int32 {
	e.svc.mu.RLock()
	defer e.svc.mu.RUnlock()
	n, _ := e.svc.inv.node(node)
	return e.svc.inv.table.ATP(n, sku)
}

// acked is a reservation a client was told about.
type acked struct {
	id    string
	items map[stockKey]int32
}

func ackOf(r *pb.Reservation) acked {
	a := acked{id: r.Id, items: map[stockKey]int32{}}
	for _, it := range r.Items {
		a.items[stockKey{node: it.NodeId, sku: it.Sku}] += it.Quantity
	}
	return a
}

// requireAcked checks that every acknowledged reservation is in the
// database, ACTIVE unless settled, with the units it was acknowledged
// with.
func requireAcked(t testing.TB, st ledgerState, acks []acked) {
	t.Helper()
	for _, a := range acks {
		state, ok := st.states[a.id]
		require.True(t, ok, "acknowledged reservation %s is not in the database", a.id)
		require.Equal(t, "ACTIVE", state, "reservation %s", a.id)
	}
}

// TestReplicasNeverOversell: 64 clients reserve scarce SKUs through 2 or
// 3 replicas on one database; no unit is reserved twice, and every
// acknowledged reservation is there, as acknowledged.
func TestReplicasNeverOversell(t *testing.T) {
	for _, n := range []int{2, 3} {
		t.Run(fmt.Sprintf("%d replicas", n), func(t *testing.T) {
			url := pgtest.New(t)
			reps := make([]*env, n)
			for i := range reps {
				reps[i] = pgReplica(t, url, nil)
			}
			supply := map[string]map[string]int32{
				"SCARCE-A": {"alm-s01": 7, "alm-s02": 5, "alm-s05": 3},
				"SCARCE-B": {"alm-s01": 4, "alm-s16": 6},
			}
			total := map[string]int32{}
			for sku, at := range supply {
				reps[0].setStock(sku, 1, at)
				for _, q := range at {
					total[sku] += q
				}
			}
			const clients, perClient = 64, 4
			var mu sync.Mutex
			var acks []acked
			var aborted atomic.Int64
			var wg sync.WaitGroup
			start := make(chan struct{})
			for c := range clients {
				wg.Go(func() {
					<-start
					e := reps[c%n]
					for k := range perClient {
						o := oneLine(fmt.Sprintf("o-%d-%d", c, k), "SCARCE-A", int32(1+(c+k)%2))
						if (c+k)%3 == 0 {
							o.Lines = append(o.Lines, &pb.OrderLine{Sku: "SCARCE-B", Quantity: 1, UnitWeightKg: 0.2})
						}
						resp, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: o, Reserve: true})
						if status.Code(err) == codes.Aborted {
							aborted.Add(1)
							continue
						}
						if !assert.NoError(t, err) {
							return
						}
						if resp.Reservation != nil {
							mu.Lock()
							acks = append(acks, ackOf(resp.Reservation))
							mu.Unlock()
						}
					}
				})
			}
			close(start)
			wg.Wait()

			st := readLedger(t, pgAdmin(t, url))
			requireConsistent(t, st)
			requireAcked(t, st, acks)
			reserved := map[string]int32{}
			for _, a := range acks {
				for k, q := range a.items {
					reserved[k.sku] += q
				}
			}
			for sku, tot := range total {
				assert.LessOrEqual(t, reserved[sku], tot, "%s oversold", sku)
			}
			assert.Len(t, st.states, len(acks), "a reservation nobody was told about")
			t.Logf("%d reservations acknowledged, %d orders aborted after %d attempts; reserved %v of %v",
				len(acks), aborted.Load(), pgAttempts, reserved, total)
			// Every replica sees every reservation.
			for _, a := range acks {
				for _, e := range reps {
					got, err := e.route.GetReservation(ctx(t), &pb.GetReservationRequest{ReservationId: a.id})
					require.NoError(t, err)
					assert.Equal(t, pb.ReservationState_RESERVATION_STATE_ACTIVE, got.State)
				}
			}
			// Demand was above supply: once the views have caught up, what
			// is left is what the database says is left.
			for _, e := range reps {
				for sku, at := range supply {
					for node, q := range at {
						k := stockKey{node: node, sku: sku}
						want := int32(int64(q) - st.reserved[k])
						eventually(t, "view catches up", func() bool { return e.viewATP(node, sku) == want })
					}
				}
			}
		})
	}
}

// TestReplicasIdempotentAcrossReplicas: the same order sent to two
// replicas at once reserves once, and both get the same answer; other
// content for the same id is refused on either.
func TestReplicasIdempotentAcrossReplicas(t *testing.T) {
	url := pgtest.New(t)
	a, b := pgReplica(t, url, nil), pgReplica(t, url, nil)
	a.setStock("MANY", 1, map[string]int32{"alm-s01": 500, "alm-s02": 500})
	for i := range 40 {
		req := &pb.RouteRequest{Order: oneLine(fmt.Sprintf("dup-%d", i), "MANY", 2), Reserve: true}
		var ra, rb *pb.RouteResponse
		var ea, eb error
		var wg sync.WaitGroup
		start := make(chan struct{})
		wg.Go(func() { <-start; ra, ea = a.route.Route(ctx(t), req) })
		wg.Go(func() { <-start; rb, eb = b.route.Route(ctx(t), req) })
		close(start)
		wg.Wait()
		require.NoError(t, ea)
		require.NoError(t, eb)
		require.Equal(t, ra.Reservation.GetId(), rb.Reservation.GetId(), "order %d reserved twice", i)
	}
	_, err := b.route.Route(ctx(t), &pb.RouteRequest{Order: oneLine("dup-0", "MANY", 3), Reserve: true})
	wantCode(t, err, codes.FailedPrecondition, "already has RESERVATION_STATE_ACTIVE reservation")
	st := readLedger(t, pgAdmin(t, url))
	requireConsistent(t, st)
	assert.Len(t, st.orders, 40)
	assert.Equal(t, int64(80), st.reserved[stockKey{"alm-s01", "MANY"}]+st.reserved[stockKey{"alm-s02", "MANY"}])
}

// TestReplicasExpireOnce: three replicas reap the same database; every
// due reservation expires exactly once and its units come back once.
func TestReplicasExpireOnce(t *testing.T) {
	url := pgtest.New(t)
	reps := make([]*env, 3)
	for i := range reps {
		reps[i] = pgReplica(t, url, func(c *Config) { c.ReapInterval = 10 * time.Millisecond })
	}
	reps[0].setStock("TTL", 1, map[string]int32{"alm-s01": 1000})
	const n = 60
	ids := make([]string, n)
	for i := range n {
		r, err := reps[i%3].route.Route(ctx(t), &pb.RouteRequest{Order: oneLine(fmt.Sprintf("ttl-%d", i), "TTL", 3), Reserve: true, ReservationTtlSeconds: 3600})
		require.NoError(t, err)
		ids[i] = r.Reservation.Id
	}
	admin := pgAdmin(t, url)
	// The database's clock passes every expiry at once.
	_, err := admin.Exec(ctx(t), `UPDATE reservations SET expires_at = now() - interval '1 second'`)
	require.NoError(t, err)
	eventually(t, "every reservation expired", func() bool {
		var active int
		require.NoError(t, admin.QueryRow(ctx(t), `SELECT count(*) FROM reservations WHERE state = 'ACTIVE'`).Scan(&active))
		return active == 0
	})
	expired := func() float64 {
		sum := 0.0
		for _, e := range reps {
			sum += testutil.ToFloat64(e.svc.m.reservations.WithLabelValues(outcomeExpired))
		}
		return sum
	}
	// A replica counts its expiries just after its transaction commits.
	eventually(t, "expiries counted", func() bool { return expired() >= n })
	assert.Equal(t, float64(n), expired(), "expiry transitions counted over the replicas")
	st := readLedger(t, admin)
	requireConsistent(t, st)
	assert.Equal(t, int64(0), st.reserved[stockKey{"alm-s01", "TTL"}])
	for _, id := range ids {
		got, err := reps[2].route.GetReservation(ctx(t), &pb.GetReservationRequest{ReservationId: id})
		require.NoError(t, err)
		assert.Equal(t, pb.ReservationState_RESERVATION_STATE_EXPIRED, got.State)
	}
	eventually(t, "units back in every view", func() bool {
		for _, e := range reps {
			if e.viewATP("alm-s01", "TTL") != 1000 {
				return false
			}
		}
		return true
	})
}

// TestReplicaExpiresOnAccess: a reservation past its expiry by the
// database's clock is expired by the call that finds it, before the
// reaper comes: a commit is refused, a retry of its order reserves anew.
func TestReplicaExpiresOnAccess(t *testing.T) {
	url := pgtest.New(t)
	e := pgReplica(t, url, nil) // no reaper
	e.setStock("TTL", 1, map[string]int32{"alm-s01": 10})
	req := &pb.RouteRequest{Order: oneLine("late", "TTL", 4), Reserve: true}
	first, err := e.route.Route(ctx(t), req)
	require.NoError(t, err)
	_, err = pgAdmin(t, url).Exec(ctx(t), `UPDATE reservations SET expires_at = now() - interval '1 second'`)
	require.NoError(t, err)
	_, err = e.route.CommitReservation(ctx(t), &pb.CommitReservationRequest{ReservationId: first.Reservation.Id})
	wantCode(t, err, codes.FailedPrecondition, "RESERVATION_STATE_EXPIRED and cannot be committed")
	assert.Equal(t, int32(10), e.atp("alm-s01", "TTL"))
	again, err := e.route.Route(ctx(t), req)
	require.NoError(t, err)
	assert.NotEqual(t, first.Reservation.Id, again.Reservation.Id)
	requireConsistent(t, readLedger(t, pgAdmin(t, url)))
}

// TestReplicaViewFollowsOthers: what one replica reserves reaches the
// others' views by notification, and by polling alone when there are no
// notifications.
func TestReplicaViewFollowsOthers(t *testing.T) {
	url := pgtest.New(t)
	a := pgReplica(t, url, nil)
	notified := pgReplica(t, url, func(c *Config) { c.Database.PollInterval = time.Hour })
	polled := pgReplica(t, url, func(c *Config) {
		c.Database.PollInterval = 50 * time.Millisecond
		c.Database.listenChannel = "nobody_notifies_this"
	})
	a.setStock("FEED", 1, map[string]int32{"alm-s01": 10})
	eventually(t, "stock update reaches the notified view", func() bool { return notified.viewATP("alm-s01", "FEED") == 10 })
	eventually(t, "stock update reaches the polling view", func() bool { return polled.viewATP("alm-s01", "FEED") == 10 })
	_, err := a.route.Route(ctx(t), &pb.RouteRequest{Order: oneLine("f-1", "FEED", 4), Reserve: true})
	require.NoError(t, err)
	eventually(t, "reservation reaches the notified view", func() bool { return notified.viewATP("alm-s01", "FEED") == 6 })
	eventually(t, "reservation reaches the polling view", func() bool { return polled.viewATP("alm-s01", "FEED") == 6 })
	assert.Positive(t, testutil.ToFloat64(notified.svc.m.ledgerRefreshes.WithLabelValues("notify")))
	assert.Equal(t, 1.0, testutil.ToFloat64(notified.svc.m.ledgerListening))
	assert.Less(t, testutil.ToFloat64(polled.svc.m.ledgerRefreshes.WithLabelValues("notify")), 1.0)

	// The notification connection is cut: the feed connects again.
	_, err = pgAdmin(t, url).Exec(ctx(t), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND query = 'LISTEN "omniroute_ledger"'`)
	require.NoError(t, err)
	_, err = a.route.Route(ctx(t), &pb.RouteRequest{Order: oneLine("f-2", "FEED", 1), Reserve: true})
	require.NoError(t, err)
	eventually(t, "the feed survives a lost connection", func() bool { return notified.viewATP("alm-s01", "FEED") == 5 })
	// A change made by hand, behind every replica's back, arrives too.
	_, err = pgAdmin(t, url).Exec(ctx(t), `UPDATE stock SET on_hand = 20 WHERE node_id = 'alm-s01' AND sku = 'FEED'`)
	require.NoError(t, err)
	eventually(t, "a hand-made change reaches the view", func() bool { return notified.viewATP("alm-s01", "FEED") == 15 })
	assert.Less(t, testutil.ToFloat64(notified.svc.m.ledgerRefreshes.WithLabelValues("poll")), 3.0, "notifications, not polls, kept it fresh")
}

// TestReplicasShareCapacity: a node's daily pick capacity is one counter
// in the database: two replicas together do not go over it, even when
// one plans on a view that has not seen the other's reservation.
func TestReplicasShareCapacity(t *testing.T) {
	url := pgtest.New(t)
	a := pgReplica(t, url, nil)
	a.setStock("CAPX", 1, map[string]int32{"alm-s01": 10_000})
	// stale loads the stock once and then hears nothing more.
	stale := pgReplica(t, url, func(c *Config) {
		c.Database.PollInterval = time.Hour
		c.Database.listenChannel = "nobody_notifies_this"
	})
	require.Equal(t, int32(10_000), stale.viewATP("alm-s01", "CAPX"))
	node, _ := a.svc.Network().NodeIndex("alm-s01")
	limit := int32(a.svc.Network().Nodes[node].CapacityPerDay)
	require.Equal(t, int32(400), limit)

	first, err := a.route.Route(ctx(t), &pb.RouteRequest{Order: oneLine("cap-1", "CAPX", 300), Reserve: true})
	require.NoError(t, err)
	require.NotNil(t, first.Reservation)
	// stale plans 300 on a view that still has the whole capacity; the
	// database refuses, stale reads the capacity again and plans again.
	second, err := stale.route.Route(ctx(t), &pb.RouteRequest{Order: oneLine("cap-2", "CAPX", 300), Reserve: true})
	require.NoError(t, err)
	assert.Nil(t, second.Reservation, "two replicas picked 600 units at a node that picks 400 a day")
	assert.Equal(t, 1.0, testutil.ToFloat64(stale.svc.m.reservations.WithLabelValues(outcomeRetried)), "the database refused the stale plan")
	if u := second.GetPlan().GetUnfilled(); assert.Len(t, u, 1) {
		assert.Equal(t, pb.ExclusionReason_EXCLUSION_REASON_CAPACITY, u[0].Reason)
	}
	var used int32
	require.NoError(t, pgAdmin(t, url).QueryRow(ctx(t), `SELECT used FROM capacity WHERE node_id = 'alm-s01'`).Scan(&used))
	assert.Equal(t, int32(300), used)
	// Releasing gives the capacity back to every replica.
	_, err = a.route.ReleaseReservation(ctx(t), &pb.ReleaseReservationRequest{ReservationId: first.Reservation.Id})
	require.NoError(t, err)
	third, err := stale.route.Route(ctx(t), &pb.RouteRequest{Order: oneLine("cap-3", "CAPX", 300), Reserve: true})
	require.NoError(t, err)
	assert.NotNil(t, third.Reservation)
}

// TestDatabaseOutage: the database goes away under load (every
// connection cut, new ones refused) and comes back. Calls that need it
// fail with Unavailable, promptly; health says NOT_SERVING; then
// everything works again without restarting the replicas, and every
// acknowledged reservation is there.
func TestDatabaseOutage(t *testing.T) {
	url := pgtest.New(t)
	proxy := pgtest.NewProxy(t, "127.0.0.1:5432")
	viaProxy := pgtest.WithHost(t, url, proxy.Addr)
	setup := pgReplica(t, url, nil)
	setup.setStock("PLENTY", 1, map[string]int32{"alm-s01": 100_000, "alm-s02": 100_000})
	reps := []*env{
		pgReplica(t, viaProxy, func(c *Config) { c.Database.Timeout = 2 * time.Second; c.ReapInterval = 50 * time.Millisecond }),
		pgReplica(t, viaProxy, func(c *Config) { c.Database.Timeout = 2 * time.Second; c.ReapInterval = 50 * time.Millisecond }),
	}
	var (
		mu      sync.Mutex
		acks    []acked
		codesOf = map[codes.Code]int{}
		slowest time.Duration
		stop    = make(chan struct{})
		wg      sync.WaitGroup
		seq     atomic.Int64
	)
	for w := range 8 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				o := oneLine(fmt.Sprintf("out-%d", seq.Add(1)), "PLENTY", 1)
				c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				t0 := time.Now()
				resp, err := reps[w%2].route.Route(c, &pb.RouteRequest{Order: o, Reserve: true})
				took := time.Since(t0)
				cancel()
				mu.Lock()
				codesOf[status.Code(err)]++
				slowest = max(slowest, took)
				if err == nil && resp.Reservation != nil {
					acks = append(acks, ackOf(resp.Reservation))
				}
				mu.Unlock()
			}
		})
	}
	count := func(c codes.Code) int {
		mu.Lock()
		defer mu.Unlock()
		return codesOf[c]
	}
	healthOf := func(e *env) healthpb.HealthCheckResponse_ServingStatus {
		h, err := e.health.Check(ctx(t), &healthpb.HealthCheckRequest{})
		require.NoError(t, err)
		return h.Status
	}
	eventually(t, "reservations before the outage", func() bool { return count(codes.OK) >= 50 })

	proxy.Down()
	okBefore := count(codes.OK)
	eventually(t, "calls fail with Unavailable", func() bool { return count(codes.Unavailable) >= 20 })
	for _, e := range reps {
		eventually(t, "health reports the outage", func() bool { return healthOf(e) == healthpb.HealthCheckResponse_NOT_SERVING })
	}
	assert.LessOrEqual(t, count(codes.OK)-okBefore, 16, "calls kept succeeding with the database down")
	// A non-reserving route still plans on the view; whatever needs the
	// database says it is unavailable.
	_, err := reps[0].route.Route(ctx(t), &pb.RouteRequest{Order: oneLine("quote", "PLENTY", 1)})
	require.NoError(t, err)
	mu.Lock()
	someAck := acks[0].id
	mu.Unlock()
	for name, call := range map[string]func() error{
		"update stock": func() error {
			_, err := reps[1].inv.UpdateStock(ctx(t), &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{onHand("alm-s01", "PLENTY", 2, 5)}})
			return err
		},
		"availability": func() error {
			_, err := reps[1].inv.GetAvailability(ctx(t), &pb.GetAvailabilityRequest{Skus: []string{"PLENTY"}})
			return err
		},
		"get": func() error {
			_, err := reps[1].route.GetReservation(ctx(t), &pb.GetReservationRequest{ReservationId: someAck})
			return err
		},
		"commit": func() error {
			_, err := reps[1].route.CommitReservation(ctx(t), &pb.CommitReservationRequest{ReservationId: someAck})
			return err
		},
		"release": func() error {
			_, err := reps[1].route.ReleaseReservation(ctx(t), &pb.ReleaseReservationRequest{ReservationId: someAck})
			return err
		},
	} {
		t.Run(name, func(t *testing.T) { wantCode(t, call(), codes.Unavailable, "database unavailable") })
	}

	proxy.Up()
	okDown := count(codes.OK)
	eventually(t, "reservations succeed again", func() bool { return count(codes.OK) >= okDown+50 })
	for _, e := range reps {
		eventually(t, "health recovers", func() bool { return healthOf(e) == healthpb.HealthCheckResponse_SERVING })
		r, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: oneLine(fmt.Sprintf("after-%p", e), "PLENTY", 1), Reserve: true})
		require.NoError(t, err)
		assert.NotNil(t, r.Reservation)
	}
	close(stop)
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	for c, n := range codesOf {
		assert.Contains(t, []codes.Code{codes.OK, codes.Unavailable}, c, "%d calls ended with %s", n, c)
	}
	assert.Less(t, slowest, 10*time.Second, "a call hung until its deadline")
	st := readLedger(t, pgAdmin(t, url))
	requireConsistent(t, st)
	requireAcked(t, st, acks)
	t.Logf("outcomes %v; slowest call %v; %d acknowledged, %d in the database", codesOf, slowest, len(acks), len(st.states))
}

// TestPGSeedsOnce: the first replica on an empty database seeds it; a
// later one, with other seed stock, changes nothing; a replica started
// again finds what was there.
func TestPGSeedsOnce(t *testing.T) {
	url := pgtest.New(t)
	first := pgReplica(t, url, nil)
	milk := first.atp("alm-s01", "MILK-1L")
	require.Positive(t, milk)
	held, err := first.route.Route(ctx(t), &pb.RouteRequest{Order: oneLine("seed-1", "MILK-1L", 1), Reserve: true})
	require.NoError(t, err)
	first.stop()

	second := pgReplica(t, url, func(c *Config) { c.Stock = nil })
	var total int32
	for _, n := range []string{"alm-s01", "alm-s02", "alm-s16"} {
		total += second.atp(n, "MILK-1L")
	}
	assert.Positive(t, total, "the stock is the database's")
	got, err := second.route.GetReservation(ctx(t), &pb.GetReservationRequest{ReservationId: held.Reservation.Id})
	require.NoError(t, err)
	assert.Equal(t, pb.ReservationState_RESERVATION_STATE_ACTIVE, got.State)
	var rows int
	require.NoError(t, pgAdmin(t, url).QueryRow(ctx(t), `SELECT count(*) FROM stock`).Scan(&rows))
	assert.Equal(t, len(demoStock(t, demoNetwork(t)).Snapshot()), rows)
}

// TestPGRefusesNewerSchema: a replica does not start on a database whose
// schema a newer omniroute wrote.
func TestPGRefusesNewerSchema(t *testing.T) {
	url := pgtest.New(t)
	pgReplica(t, url, nil).stop()
	_, err := pgAdmin(t, url).Exec(ctx(t), `INSERT INTO schema_migrations (version, name) VALUES (9999, 'future')`)
	require.NoError(t, err)
	n := demoNetwork(t)
	_, err = New(Config{Network: n, Database: DatabaseConfig{URL: url}, ReapInterval: -1})
	require.Error(t, err)
	assert.ErrorContains(t, err, "database schema is newer than this binary knows")
}

// TestPGResetSequence: the admin way out of a sequence number a producer
// pushed too far: set the row's seq in the database; every replica takes
// the producer's next update again.
func TestPGResetSequence(t *testing.T) {
	url := pgtest.New(t)
	a, b := pgReplica(t, url, nil), pgReplica(t, url, nil)
	a.setStock("SEQ", 1<<62, map[string]int32{"alm-s01": 5})
	resp, err := b.inv.UpdateStock(ctx(t), &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{onHand("alm-s01", "SEQ", 10, 7)}})
	require.NoError(t, err)
	assert.Equal(t, int64(1), resp.Ignored, "a row at seq 2^62 ignores seq 10")
	_, err = pgAdmin(t, url).Exec(ctx(t), `UPDATE stock SET seq = 0 WHERE node_id = 'alm-s01' AND sku = 'SEQ'`)
	require.NoError(t, err)
	resp, err = b.inv.UpdateStock(ctx(t), &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{onHand("alm-s01", "SEQ", 10, 7)}})
	require.NoError(t, err)
	assert.Equal(t, int64(1), resp.Applied)
	eventually(t, "the reset reaches the other replica's view", func() bool { return a.viewATP("alm-s01", "SEQ") == 7 })
}

// TestPGReservesInGroups: reservations that arrive while a transaction is
// in flight are decided together, in one transaction, in arrival order
// against the locked rows; the ones the stock cannot cover are refused
// and planned again on what is left.
func TestPGReservesInGroups(t *testing.T) {
	url := pgtest.New(t)
	e := pgReplica(t, url, nil)
	e.setStock("GROUP", 1, map[string]int32{"alm-s01": 12})
	l := e.svc.led.(*pgLedger)
	gate := make(chan struct{})
	l.reserver.gate = gate
	const n = 20
	resps := make([]*pb.RouteResponse, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			var err error
			resps[i], err = e.route.Route(ctx(t), &pb.RouteRequest{Order: oneLine(fmt.Sprintf("g-%d", i), "GROUP", 1), Reserve: true})
			assert.NoError(t, err)
		})
	}
	eventually(t, "the group gathers", func() bool { return l.reserver.queued() == n })
	close(gate) // from now on the gate is always open
	wg.Wait()

	var group, tx dto.Metric
	require.NoError(t, e.svc.m.ledgerGroup.Write(&group))
	require.NoError(t, e.svc.m.ledgerTxSeconds.WithLabelValues("reserve").(prometheus.Histogram).Write(&tx))
	assert.Equal(t, uint64(1), group.GetHistogram().GetSampleCount(), "one group")
	assert.Equal(t, float64(n), group.GetHistogram().GetSampleSum(), "of all 20")
	assert.Equal(t, uint64(1), tx.GetHistogram().GetSampleCount(), "in one transaction")
	reserved, unfilled := 0, 0
	for _, r := range resps {
		switch {
		case r.GetReservation() != nil:
			reserved++
		case len(r.GetPlan().GetUnfilled()) == 1:
			unfilled++
		}
	}
	assert.Equal(t, 12, reserved)
	assert.Equal(t, 8, unfilled, "refused, planned again on what is left: nothing")
	requireConsistent(t, readLedger(t, pgAdmin(t, url)))
}

// TestPGRestampsRestoredRows: rows restored from another cluster carry
// transaction ids this cluster has not reached; a replica starting on them
// restamps them, and its feed then follows changes as usual.
func TestPGRestampsRestoredRows(t *testing.T) {
	url := pgtest.New(t)
	pgReplica(t, url, nil).stop()
	admin := pgAdmin(t, url)
	_, err := admin.Exec(ctx(t), `ALTER TABLE stock DISABLE TRIGGER stock_touch`)
	require.NoError(t, err)
	_, err = admin.Exec(ctx(t), `UPDATE stock SET changed_xid = 1::bigint << 40 WHERE sku = 'MILK-1L'`)
	require.NoError(t, err)
	_, err = admin.Exec(ctx(t), `ALTER TABLE stock ENABLE TRIGGER stock_touch`)
	require.NoError(t, err)
	e := pgReplica(t, url, nil)
	var future int
	require.NoError(t, admin.QueryRow(ctx(t), `SELECT count(*) FROM stock WHERE changed_xid >= 1::bigint << 40`).Scan(&future))
	assert.Zero(t, future)
	_, err = admin.Exec(ctx(t), `UPDATE stock SET on_hand = 77, reserved = 0, safety = 0 WHERE node_id = 'alm-s01' AND sku = 'MILK-1L'`)
	require.NoError(t, err)
	eventually(t, "a change after the restamp reaches the view", func() bool { return e.viewATP("alm-s01", "MILK-1L") == 77 })
}
