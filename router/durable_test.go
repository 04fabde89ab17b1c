package router

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/network"
)

// crash stops the server and drops the service without Close: what a
// kill -9 leaves is what the store has. Only the file lock is let go, so
// the same process can open the data directory again.
func (e *env) crash() {
	e.stopped = true
	e.conn.Close()
	e.srv.GRPC().Stop()
	if bs, ok := e.local().st.(*boltStore); ok {
		bs.db.Close()
	}
}

func TestRestartKeepsState(t *testing.T) {
	dir := t.TempDir()
	clock := newFakeClock()
	useDir := func(c *Config) { c.DataDir = dir; c.Clock = clock }
	e := newEnv(t, useDir)
	e.setStock("SCARCE", 3, map[string]int32{"alm-s01": 9})
	active, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: oneLine("keep", "SCARCE", 2), Reserve: true, ReservationTtlSeconds: 600})
	if err != nil {
		t.Fatal(err)
	}
	committed, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: oneLine("sold", "SCARCE", 3), Reserve: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.route.CommitReservation(ctx(t), &pb.CommitReservationRequest{ReservationId: committed.Reservation.Id}); err != nil {
		t.Fatal(err)
	}
	released, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: oneLine("gone", "SCARCE", 1), Reserve: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.route.ReleaseReservation(ctx(t), &pb.ReleaseReservationRequest{ReservationId: released.Reservation.Id}); err != nil {
		t.Fatal(err)
	}
	skus := []string{"SCARCE", "MILK-1L", "PHONE-X12"}
	before, err := e.inv.GetAvailability(ctx(t), &pb.GetAvailabilityRequest{Skus: skus})
	if err != nil {
		t.Fatal(err)
	}
	e.crash()

	// Restart on the same directory; the stock file passed again is ignored.
	e2 := newEnv(t, func(c *Config) { useDir(c); c.Clock = clock })
	after, err := e2.inv.GetAvailability(ctx(t), &pb.GetAvailabilityRequest{Skus: skus})
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(before, after) {
		t.Fatalf("stock differs after restart:\n%v\n%v", availability(before), availability(after))
	}
	if got := e2.atp("alm-s01", "SCARCE"); got != 4 { // 9 - 3 sold - 2 held
		t.Fatalf("ATP %d, want 4", got)
	}
	for id, want := range map[string]pb.ReservationState{
		active.Reservation.Id:    pb.ReservationState_RESERVATION_STATE_ACTIVE,
		committed.Reservation.Id: pb.ReservationState_RESERVATION_STATE_COMMITTED,
		released.Reservation.Id:  pb.ReservationState_RESERVATION_STATE_RELEASED,
	} {
		r, err := e2.route.GetReservation(ctx(t), &pb.GetReservationRequest{ReservationId: id})
		if err != nil || r.State != want {
			t.Fatalf("%s: %v %v, want %v", id, r, err, want)
		}
	}
	// Sequence numbers survived: an old update is still ignored.
	up, err := e2.inv.UpdateStock(ctx(t), &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{onHand("alm-s01", "SCARCE", 3, 100)}})
	if err != nil || up.Ignored != 1 {
		t.Fatalf("old seq after restart: %v %v", up, err)
	}
	// Idempotency survived: a retry gets the same reservation.
	again, err := e2.route.Route(ctx(t), &pb.RouteRequest{Order: oneLine("keep", "SCARCE", 2), Reserve: true, ReservationTtlSeconds: 600})
	if err != nil || !proto.Equal(again, active) {
		t.Fatalf("retry after restart:\n%v\n%v (%v)", again, active, err)
	}
	// The expiry survived too.
	clock.Advance(11 * time.Minute)
	if got := e2.atp("alm-s01", "SCARCE"); got != 6 {
		t.Fatalf("ATP %d after expiry, want 6", got)
	}
	e2.crash()
	e3 := newEnv(t, useDir)
	r, err := e3.route.GetReservation(ctx(t), &pb.GetReservationRequest{ReservationId: active.Reservation.Id})
	if err != nil || r.State != pb.ReservationState_RESERVATION_STATE_EXPIRED {
		t.Fatalf("after second restart: %v %v", r, err)
	}
}

func TestDataDirLocked(t *testing.T) {
	dir := t.TempDir()
	newEnv(t, func(c *Config) { c.DataDir = dir })
	n := demoNetwork(t)
	_, err := New(Config{Network: n, DataDir: dir, ReapInterval: -1})
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("locked")) {
		t.Fatalf("second open of a data dir: %v", err)
	}
}

// writeNetwork writes n as YAML to path.
func writeNetwork(t *testing.T, path string, n *network.Network) {
	t.Helper()
	var b bytes.Buffer
	if err := n.WriteYAML(&b); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReloadNetwork(t *testing.T) {
	path := filepath.Join(t.TempDir(), "network.yaml")
	base := demoNetwork(t)
	writeNetwork(t, path, base)
	e := newEnv(t, func(c *Config) {
		c.LoadNetwork = func(context.Context) (*network.Network, string, error) {
			n, err := network.Load(path)
			return n, path, err
		}
	})
	e.setStock("SCARCE", 1, map[string]int32{"alm-s01": 5, "alm-s02": 4})
	held, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: oneLine("r-1", "SCARCE", 5), Reserve: true})
	if err != nil {
		t.Fatal(err)
	}
	before, _ := e.inv.GetAvailability(ctx(t), &pb.GetAvailabilityRequest{Skus: []string{"SCARCE", "MILK-1L"}})

	// Reverse the node order and drop alm-s02: stock follows node ids.
	rev := base.Clone()
	slices.Reverse(rev.Nodes)
	rev.Nodes = slices.DeleteFunc(rev.Nodes, func(n network.Node) bool { return n.ID == "alm-s02" })
	writeNetwork(t, path, rev)
	resp, err := e.net.ReloadNetwork(ctx(t), &pb.ReloadNetworkRequest{})
	if err != nil || resp.Nodes != int32(len(base.Nodes)-1) || resp.Source != path {
		t.Fatalf("reload: %v %v", resp, err)
	}
	n, _ := e.net.GetNetwork(ctx(t), &pb.GetNetworkRequest{})
	if n.Nodes[0].Id != base.Nodes[len(base.Nodes)-1].ID {
		t.Fatalf("GetNetwork still shows the old order")
	}
	if got := e.atp("alm-s01", "SCARCE"); got != 4 && got != 0 {
		t.Fatalf("ATP at alm-s01 %d after reload", got)
	}
	_, err = e.inv.GetAvailability(ctx(t), &pb.GetAvailabilityRequest{Skus: []string{"SCARCE"}, NodeIds: []string{"alm-s02"}})
	wantCode(t, err, codes.NotFound, "node_ids[0]")
	// The reservation made before the reload can still be released.
	if _, err := e.route.ReleaseReservation(ctx(t), &pb.ReleaseReservationRequest{ReservationId: held.Reservation.Id}); err != nil {
		t.Fatal(err)
	}
	// A broken file leaves the network as it is.
	if err := os.WriteFile(path, []byte("nodes: [oops"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = e.net.ReloadNetwork(ctx(t), &pb.ReloadNetworkRequest{})
	wantCode(t, err, codes.FailedPrecondition, "reload network")
	if n2, _ := e.net.GetNetwork(ctx(t), &pb.GetNetworkRequest{}); len(n2.Nodes) != len(base.Nodes)-1 {
		t.Fatal("a failed reload changed the network")
	}
	// Bringing alm-s02 back brings its stock back.
	writeNetwork(t, path, base)
	if _, err := e.net.ReloadNetwork(ctx(t), &pb.ReloadNetworkRequest{}); err != nil {
		t.Fatal(err)
	}
	after, _ := e.inv.GetAvailability(ctx(t), &pb.GetAvailabilityRequest{Skus: []string{"SCARCE", "MILK-1L"}})
	if !proto.Equal(before, after) {
		// before had 5 held at one node; after the release all is back.
		if got := e.atp("alm-s02", "SCARCE") + e.atp("alm-s01", "SCARCE"); got != 9 {
			t.Fatalf("SCARCE after round trip: %d, want 9", got)
		}
	}
	// Routing works on the reloaded network.
	if _, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: demoOrder("after-reload")}); err != nil {
		t.Fatal(err)
	}
}

// TestReservationAcrossNodeRemoval: units reserved at a node that a reload
// removes are given back (or shipped) so its stock is right when it returns.
func TestReservationAcrossNodeRemoval(t *testing.T) {
	path := filepath.Join(t.TempDir(), "network.yaml")
	base := demoNetwork(t)
	writeNetwork(t, path, base)
	e := newEnv(t, func(c *Config) {
		c.LoadNetwork = func(context.Context) (*network.Network, string, error) {
			n, err := network.Load(path)
			return n, path, err
		}
	})
	e.setStock("ONLY-S02", 1, map[string]int32{"alm-s02": 4})
	rel, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: oneLine("a", "ONLY-S02", 3), Reserve: true})
	if err != nil || rel.Reservation.GetItems()[0].GetNodeId() != "alm-s02" {
		t.Fatalf("reserve: %v %v", rel.GetReservation(), err)
	}
	sold, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: oneLine("b", "ONLY-S02", 1), Reserve: true})
	if err != nil {
		t.Fatal(err)
	}
	without := base.Clone()
	without.Nodes = slices.DeleteFunc(without.Nodes, func(n network.Node) bool { return n.ID == "alm-s02" })
	writeNetwork(t, path, without)
	if _, err := e.net.ReloadNetwork(ctx(t), &pb.ReloadNetworkRequest{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.route.ReleaseReservation(ctx(t), &pb.ReleaseReservationRequest{ReservationId: rel.Reservation.Id}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.route.CommitReservation(ctx(t), &pb.CommitReservationRequest{ReservationId: sold.Reservation.Id}); err != nil {
		t.Fatal(err)
	}
	writeNetwork(t, path, base)
	if _, err := e.net.ReloadNetwork(ctx(t), &pb.ReloadNetworkRequest{}); err != nil {
		t.Fatal(err)
	}
	av, err := e.inv.GetAvailability(ctx(t), &pb.GetAvailabilityRequest{Skus: []string{"ONLY-S02"}, NodeIds: []string{"alm-s02"}})
	if err != nil {
		t.Fatal(err)
	}
	if a := av.Availability[0]; a.OnHand != 3 || a.Reserved != 0 || a.Atp != 3 {
		t.Fatalf("alm-s02 back with %v, want 3 on hand, none reserved", a)
	}
}
