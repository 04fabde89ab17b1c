package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/internal/pgtest"
)

// ledgerInconsistencies counts the stock rows whose reserved units are
// not what their ACTIVE reservations hold, or more than on hand.
func ledgerInconsistencies(t *testing.T, url string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	var bad int
	require.NoError(t, conn.QueryRow(ctx, `
		SELECT count(*) FROM stock s
		WHERE s.reserved > s.on_hand OR s.reserved <> coalesce((
			SELECT sum((i->>'quantity')::int) FROM reservations r, jsonb_array_elements(r.items) i
			WHERE r.state = 'ACTIVE' AND i->>'node_id' = s.node_id AND i->>'sku' = s.sku), 0)`).Scan(&bad))
	return bad
}

// TestReplicaKill9UnderLoad: two replica processes serve one database
// under load; one is killed with SIGKILL. Every reservation a client was
// told about exists afterwards, the ledger is consistent, the surviving
// replica kept serving, and a replica started again finds it all.
func TestReplicaKill9UnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	url := pgtest.New(t)
	victim := startServe(t, "--database-url", url, "--reservation-ttl", "1h")
	survivor := startServeEnv(t, []string{envDatabaseURL + "=" + url}, "--reservation-ttl", "1h")
	rcs := make([]pb.RoutingServiceClient, 2)
	var ic pb.InventoryServiceClient
	rcs[0], ic = dial(t, victim.addr)
	rcs[1], _ = dial(t, survivor.addr)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	_, err := ic.UpdateStock(ctx, &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{
		{NodeId: "alm-s01", Sku: "KILL", Seq: 1, Change: &pb.StockUpdate_OnHand{OnHand: 100_000}},
		{NodeId: "alm-s05", Sku: "KILL", Seq: 1, Change: &pb.StockUpdate_OnHand{OnHand: 100_000}},
	}})
	require.NoError(t, err)

	var (
		mu     sync.Mutex
		acks   = map[string]int{} // reservation id -> replica
		failed [2]int
		seq    atomic.Int64
		killed atomic.Bool
		stop   = make(chan struct{})
		wg     sync.WaitGroup
	)
	order := readOrderFile(t)
	for w := range 12 {
		wg.Go(func() {
			rep := w % 2
			for {
				select {
				case <-stop:
					return
				default:
				}
				o := &pb.Order{Id: fmt.Sprintf("k9-%d", seq.Add(1)), Customer: order.Customer, AllowSplit: true,
					Lines: []*pb.OrderLine{{Sku: "KILL", Quantity: 1 + int32(w%3)}}}
				c, cancel := context.WithTimeout(ctx, 5*time.Second)
				resp, err := rcs[rep].Route(c, &pb.RouteRequest{Order: o, Reserve: true})
				cancel()
				mu.Lock()
				if err == nil && resp.Reservation != nil {
					acks[resp.Reservation.Id] = rep
				} else if err != nil {
					failed[rep]++
					if killed.Load() {
						rep = 1 // as a load balancer would, send to the live replica
					}
				}
				mu.Unlock()
			}
		})
	}
	count := func(rep int) int {
		mu.Lock()
		defer mu.Unlock()
		return ackedBy(acks, rep)
	}
	waitFor := func(what string, cond func() bool) {
		// A bound on a stalled test, not a measure of speed: a loaded
		// machine under -race may take a while.
		deadline := time.Now().Add(time.Minute)
		for !cond() {
			require.False(t, time.Now().After(deadline), what)
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitFor("acks from both replicas", func() bool { return count(0) >= 100 && count(1) >= 100 })
	killed.Store(true)
	require.NoError(t, victim.cmd.Process.Signal(syscall.SIGKILL))
	<-victim.done
	before := count(1)
	waitFor("the survivor keeps serving", func() bool { return count(1) >= before+100 })
	close(stop)
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	t.Logf("%d reservations acknowledged (%d by the killed replica); failed calls %v", len(acks), ackedBy(acks, 0), failed)
	assert.Zero(t, failed[1], "the surviving replica failed calls")
	for id := range acks {
		r, err := rcs[1].GetReservation(ctx, &pb.GetReservationRequest{ReservationId: id})
		require.NoError(t, err, "acknowledged reservation %s", id)
		require.Equal(t, pb.ReservationState_RESERVATION_STATE_ACTIVE, r.State)
	}
	assert.Zero(t, ledgerInconsistencies(t, url))

	// Started again, a replica finds the ledger as it was and seeds nothing.
	again := startServe(t, "--database-url", url)
	rc, ic := dial(t, again.addr)
	for id := range acks {
		_, err := rc.GetReservation(ctx, &pb.GetReservationRequest{ReservationId: id})
		require.NoError(t, err)
		break
	}
	av, err := ic.GetAvailability(ctx, &pb.GetAvailabilityRequest{Skus: []string{"KILL"}})
	require.NoError(t, err)
	var onHand int32
	for _, a := range av.Availability {
		onHand += a.OnHand
	}
	assert.Equal(t, int32(200_000), onHand)
	require.NoError(t, again.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, <-again.done)
	assert.Contains(t, again.log.String(), "stock comes from the database")
	require.NoError(t, survivor.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, <-survivor.done)
}

// ackedBy counts the reservations replica rep acknowledged.
func ackedBy(acks map[string]int, rep int) int {
	n := 0
	for _, r := range acks {
		if r == rep {
			n++
		}
	}
	return n
}

// TestServeDatabaseFlags: a data directory and a database exclude each
// other, from the flag or the environment.
func TestServeDatabaseFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--data-dir", t.TempDir(), "--database-url", "postgres://x@127.0.0.1/db"},
		{"--database-poll", "0s"},
		{"--database-timeout", "-1s"},
	} {
		err := runServe(context.Background(), args, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "usage") {
			t.Errorf("serve %v: %v, want a usage error", args, err)
		}
	}
	t.Setenv(envDatabaseURL, "postgres://x@127.0.0.1/db")
	err := runServe(context.Background(), []string{"--data-dir", t.TempDir()}, io.Discard, io.Discard)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "--data-dir and --database-url (or $OMNIROUTE_DATABASE_URL) exclude each other")
	// A database that cannot be reached stops the start with the reason.
	t.Setenv(envDatabaseURL, "postgres://nobody@127.0.0.1:1/nowhere?connect_timeout=2")
	err = runServe(context.Background(), []string{"--addr", "127.0.0.1:0", "--metrics-addr", ""}, io.Discard, io.Discard)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "database nobody@127.0.0.1:1/nowhere")
}
