package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/network"
)

// TestHelperServe is not a test: TestServe* re-run the test binary with
// OMNIROUTE_SERVE_HELPER=1 to get a real omniroute process to signal.
func TestHelperServe(t *testing.T) {
	if os.Getenv("OMNIROUTE_SERVE_HELPER") != "1" {
		t.Skip("helper process only")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, strings.Split(os.Getenv("OMNIROUTE_ARGS"), "\x1f"), os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// server is a running "omniroute serve" process.
type server struct {
	cmd  *exec.Cmd
	addr string
	// serving is the server's "serving" log line.
	serving string
	log     *strings.Builder // complete once done has been received
	// lines gets every log line after the serving one.
	lines chan string
	done  chan error
}

// waitLine waits for a log line containing substr.
func (s *server) waitLine(t *testing.T, substr string) string {
	t.Helper()
	for line := range s.lines {
		if strings.Contains(line, substr) {
			return line
		}
	}
	t.Fatalf("server ended without logging %q", substr)
	return ""
}

var servingLine = regexp.MustCompile(`msg=serving addr=(\S+)`)

// fixedOrderFile is the demo order stamped 2026-11-25T09:30Z with a
// promise a day later. Servers of these tests trust an order's clock
// within 100 years (--max-clock-skew), so that it is planned at that time
// whatever the time of the run.
var fixedOrderFile = filepath.Join("testdata", "order-2026-11-25.json")

// startServe runs "omniroute serve args..." on 127.0.0.1 and waits for
// its serving line.
func startServe(t *testing.T, args ...string) *server {
	t.Helper()
	return startServeEnv(t, nil, args...)
}

// startServeEnv is startServe with more environment variables.
func startServeEnv(t *testing.T, env []string, args ...string) *server {
	t.Helper()
	return startServeRawEnv(t, env, append([]string{"--addr", "127.0.0.1:0", "--metrics-addr", "", "--max-clock-skew", "876000h"}, args...)...)
}

// startServeRaw runs "omniroute serve args..." with no default flags.
func startServeRaw(t *testing.T, args ...string) *server {
	t.Helper()
	return startServeRawEnv(t, nil, args...)
}

// startServeRawEnv is startServeRaw with more environment variables.
func startServeRawEnv(t *testing.T, env []string, args ...string) *server {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperServe$")
	cmd.Env = append(append(os.Environ(), env...), "OMNIROUTE_SERVE_HELPER=1",
		"OMNIROUTE_ARGS="+strings.Join(append([]string{"serve"}, args...), "\x1f"))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, log: &strings.Builder{}, lines: make(chan string, 1024), done: make(chan error, 1)}
	serving := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		started := false
		for sc.Scan() {
			s.log.WriteString(sc.Text() + "\n")
			if started {
				select {
				case s.lines <- sc.Text():
				default: // nobody is reading so many lines
				}
			} else if servingLine.MatchString(sc.Text()) {
				started = true
				serving <- sc.Text()
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
		close(s.lines)
		s.done <- cmd.Wait()
		close(serving)
	}()
	line, ok := <-serving
	if !ok {
		t.Fatalf("server exited before serving: %v", <-s.done)
	}
	s.serving, s.addr = line, servingLine.FindStringSubmatch(line)[1]
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
	})
	return s
}

func dial(t *testing.T, addr string) (pb.RoutingServiceClient, pb.InventoryServiceClient) {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return pb.NewRoutingServiceClient(conn), pb.NewInventoryServiceClient(conn)
}

func readOrderFile(t *testing.T) *pb.Order {
	t.Helper()
	o, err := readOrder(fixedOrderFile)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// TestServeSurvivesKill9 reserves, kills the server with SIGKILL, starts
// it again on the same data directory, and finds the same stock and
// reservation; then a SIGTERM stops it cleanly.
func TestServeSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	dir := t.TempDir()
	s1 := startServe(t, "--data-dir", dir)
	rc, ic := dial(t, s1.addr)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := ic.UpdateStock(ctx, &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{
		{NodeId: "alm-s01", Sku: "SCARCE", Seq: 7, Change: &pb.StockUpdate_OnHand{OnHand: 5}},
	}}); err != nil {
		t.Fatal(err)
	}
	order := readOrderFile(t)
	order.Lines = append(order.Lines, &pb.OrderLine{Sku: "SCARCE", Quantity: 2})
	resp, err := rc.Route(ctx, &pb.RouteRequest{Order: order, Reserve: true})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Reservation.GetState() != pb.ReservationState_RESERVATION_STATE_ACTIVE {
		t.Fatalf("no reservation: %v", resp)
	}
	skus := []string{"SCARCE", "MILK-1L", "BREAD-WHITE", "PHONE-X12"}
	before, err := ic.GetAvailability(ctx, &pb.GetAvailabilityRequest{Skus: skus})
	if err != nil {
		t.Fatal(err)
	}
	if err := s1.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-s1.done

	s2 := startServe(t, "--data-dir", dir)
	rc, ic = dial(t, s2.addr)
	after, err := ic.GetAvailability(ctx, &pb.GetAvailabilityRequest{Skus: skus})
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(before, after) {
		t.Fatalf("stock changed across kill -9:\nbefore %v\nafter  %v", before, after)
	}
	r, err := rc.GetReservation(ctx, &pb.GetReservationRequest{ReservationId: resp.Reservation.Id})
	if err != nil || !proto.Equal(r, resp.Reservation) {
		t.Fatalf("reservation after kill -9: %v (%v), want %v", r, err, resp.Reservation)
	}
	up, err := ic.UpdateStock(ctx, &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{
		{NodeId: "alm-s01", Sku: "SCARCE", Seq: 7, Change: &pb.StockUpdate_OnHand{OnHand: 50}},
	}})
	if err != nil || up.Ignored != 1 {
		t.Fatalf("sequence number lost: %v %v", up, err)
	}
	again, err := rc.Route(ctx, &pb.RouteRequest{Order: order, Reserve: true})
	if err != nil || again.Reservation.GetId() != resp.Reservation.Id {
		t.Fatalf("idempotency lost: %v %v", again.GetReservation(), err)
	}

	if err := s2.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := <-s2.done; err != nil {
		t.Fatalf("SIGTERM exit: %v\n%s", err, s2.log)
	}
	if !strings.Contains(s2.log.String(), "msg=stopped") {
		t.Errorf("no clean stop in the log:\n%s", s2.log)
	}
}

// TestRouteCommand runs "omniroute route" against a served demo network.
func TestRouteCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	s := startServe(t)
	var out, errb strings.Builder
	ctx := context.Background()
	if err := runRoute(ctx, []string{"--addr", s.addr, "--order", fixedOrderFile, "--reserve"}, &out, &errb); err != nil {
		t.Fatalf("route: %v\n%s", err, errb.String())
	}
	for _, want := range []string{`"order_id": "demo-1"`, `"state": "RESERVATION_STATE_ACTIVE"`, `"shipments": [`, `"node_id": "alm-`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %s:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := runRoute(ctx, []string{"--addr", s.addr, "--sku", "MILK-1L:2:1.03", "--sku", "BREAD-WHITE:1", "--lat", "43.2389", "--lon", "76.8897", "--id", "flags-1"}, &out, &errb); err != nil {
		t.Fatalf("route with --sku: %v", err)
	}
	if !strings.Contains(out.String(), `"order_id": "flags-1"`) {
		t.Errorf("flags order: %s", out.String())
	}
	out.Reset()
	if err := runRoute(ctx, []string{"--addr", s.addr, "--order", fixedOrderFile, "--max-excluded", "2"}, &out, &errb); err != nil {
		t.Fatalf("route --max-excluded: %v", err)
	}
	if n := strings.Count(out.String(), `"reason": "`); n != 2 || !strings.Contains(out.String(), `"excluded_total": 38`) {
		t.Errorf("--max-excluded 2: %d reasons listed:\n%s", n, out.String())
	}
	out.Reset()
	if err := runRoute(ctx, []string{"--addr", s.addr, "--order", fixedOrderFile, "--explain", "full"}, &out, &errb); err != nil {
		t.Fatalf("route --explain full: %v", err)
	}
	if n := strings.Count(out.String(), `"reason": "`); n != 38 {
		t.Errorf("--explain full: %d reasons listed, want 38", n)
	}
	out.Reset()
	if err := runRoute(ctx, []string{"--addr", s.addr, "--order", fixedOrderFile, "--explain", "none"}, &out, &errb); err != nil {
		t.Fatalf("route --explain none: %v", err)
	}
	if n := strings.Count(out.String(), `"reason": "`); n != 0 || !strings.Contains(out.String(), `"excluded_total": 38`) {
		t.Errorf("--explain none: %d reasons listed:\n%s", n, out.String())
	}
	err := runRoute(ctx, []string{"--addr", s.addr, "--sku", "MILK-1L:0", "--lat", "43.2", "--lon", "76.9"}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "InvalidArgument: order.lines[0].quantity: must be positive") {
		t.Errorf("bad quantity: %v", err)
	}
	if err := runRoute(ctx, []string{"--addr", s.addr}, &out, &errb); err == nil || !strings.Contains(err.Error(), "usage") {
		t.Errorf("no order: %v", err)
	}
}

// TestRouteFlags: a TTL the request cannot carry exactly, or an
// alternatives count out of range, is a usage error before any call.
func TestRouteFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--ttl", "500ms"},
		{"--ttl", "1500ms"},
		{"--ttl", "-1s"},
		{"--ttl", "1000000h"},
		{"--alternatives", "4294967297"},
		{"--alternatives", "-1"},
		{"--max-excluded", "-1"},
		{"--explain", "everything"},
	} {
		args = append(args, "--addr", "127.0.0.1:1", "--sku", "MILK-1L:1", "--lat", "43.2", "--lon", "76.9")
		err := runRoute(context.Background(), args, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "usage") {
			t.Errorf("route %v: %v, want a usage error", args, err)
		}
	}
}

func TestServeFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--log-level", "loud"},
		{"--log-format", "xml"},
		{"--reservation-ttl", "-1s"},
		{"extra"},
	} {
		err := runServe(context.Background(), args, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "usage") {
			t.Errorf("serve %v: %v, want a usage error", args, err)
		}
	}
	err := runServe(context.Background(), []string{"--network", "/no/such/file.yaml", "--addr", "127.0.0.1:0"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "no/such/file.yaml") {
		t.Errorf("missing network file: %v", err)
	}
}

// TestServeReloadsOnSIGHUP: SIGHUP reads the network file again; a broken
// file keeps the network in use.
func TestServeReloadsOnSIGHUP(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	path := filepath.Join(t.TempDir(), "network.yaml")
	if err := os.WriteFile(path, network.DemoNetworkYAML(), 0o644); err != nil {
		t.Fatal(err)
	}
	s := startServe(t, "--network", path)
	if err := s.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	if line := s.waitLine(t, "network reloaded"); !strings.Contains(line, "version=2") {
		t.Errorf("reload line: %s", line)
	}
	if err := os.WriteFile(path, []byte("nodes: [broken"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	s.waitLine(t, "network reload failed")
	rc, _ := dial(t, s.addr)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := rc.Route(ctx, &pb.RouteRequest{Order: readOrderFile(t)}); err != nil {
		t.Fatalf("route after a failed reload: %v", err)
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := <-s.done; err != nil {
		t.Fatalf("exit: %v\n%s", err, s.log)
	}
}

var httpServingAddr = regexp.MustCompile(`http=(\S+)`)

// TestServeHTTPAPI: serve --http-addr answers the HTTP/JSON API next to
// gRPC, on the same service: a reservation made over HTTP is read over
// gRPC; SIGTERM stops both.
func TestServeHTTPAPI(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	s := startServe(t, "--http-addr", "127.0.0.1:0")
	m := httpServingAddr.FindStringSubmatch(s.serving)
	require.NotNil(t, m, "serving line %q names no http address", s.serving)
	order, err := os.ReadFile(filepath.Join("..", "..", "examples", "order.json"))
	require.NoError(t, err)
	body := `{"order": ` + string(order) + `, "reserve": true}`
	resp, err := http.Post("http://"+m[1]+"/v1/route", "application/json", strings.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var answer struct {
		OrderID     string `json:"order_id"`
		Reservation struct {
			ID string `json:"id"`
		} `json:"reservation"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&answer))
	assert.Equal(t, "demo-1", answer.OrderID)
	require.NotEmpty(t, answer.Reservation.ID)

	route, _ := dial(t, s.addr)
	rsv, err := route.GetReservation(t.Context(), &pb.GetReservationRequest{ReservationId: answer.Reservation.ID})
	require.NoError(t, err)
	assert.Equal(t, pb.ReservationState_RESERVATION_STATE_ACTIVE, rsv.State)

	require.NoError(t, s.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, <-s.done, s.log.String())
	assert.Contains(t, s.log.String(), "msg=stopped")
}
