package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/router"
	"github.com/omniroute/omniroute/stock"
)

// demoSource names the embedded demo network in logs and replies.
const demoSource = "demo"

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", stderr)
	addr := fs.String("addr", ":50051", "gRPC listen address")
	metricsAddr := fs.String("metrics-addr", ":9090", "HTTP listen address of /metrics; empty turns it off")
	netFile := fs.String("network", "", "network YAML file; empty means the embedded demo network")
	stockFile := fs.String("stock", "", "stock CSV file (node,sku,on_hand,safety_stock); empty means the demo stock with the demo network, no stock otherwise")
	dataDir := fs.String("data-dir", "", "directory keeping stock, sequence numbers and reservations across restarts; empty means memory only")
	ttl := fs.Duration("reservation-ttl", router.DefaultReservationTTL, "how long a reservation holds units unless the request says otherwise")
	retention := fs.Duration("reservation-retention", router.DefaultReservationRetention, "how long a committed, released or expired reservation is kept (and answers retries of its order id)")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn or error")
	logFormat := fs.String("log-format", "text", "log format: text or json")
	maxRecv := fs.Int("max-recv-bytes", router.DefaultMaxRecvMsgBytes, "largest request message accepted, in bytes")
	drain := fs.Duration("shutdown-timeout", 10*time.Second, "how long shutdown waits for calls in flight")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("%w: --log-level %q: want debug, info, warn or error", errUsage, *logLevel)
	}
	hopts := &slog.HandlerOptions{Level: level}
	var log *slog.Logger
	switch *logFormat {
	case "text":
		log = slog.New(slog.NewTextHandler(stderr, hopts))
	case "json":
		log = slog.New(slog.NewJSONHandler(stderr, hopts))
	default:
		return fmt.Errorf("%w: --log-format %q: want text or json", errUsage, *logFormat)
	}
	if *ttl <= 0 || *retention <= 0 {
		return fmt.Errorf("%w: --reservation-ttl and --reservation-retention must be positive", errUsage)
	}

	load := func(context.Context) (*network.Network, string, error) {
		if *netFile == "" {
			n, err := network.Demo()
			return n, demoSource, err
		}
		n, err := network.Load(*netFile)
		return n, *netFile, err
	}
	net0, source, err := load(ctx)
	if err != nil {
		return err
	}
	table, err := loadStock(*stockFile, *netFile == "", net0)
	if err != nil {
		return err
	}
	if table == nil {
		log.Warn("no --stock given: starting with no stock (unless the data directory has some)")
	}

	// Take SIGHUP before anything can send it: its default would end the
	// process.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	metrics := router.NewMetrics()
	svc, err := router.New(router.Config{
		Network: net0, NetworkSource: source, LoadNetwork: load, Stock: table,
		DataDir: *dataDir, ReservationTTL: *ttl, ReservationRetention: *retention, Logger: log, Metrics: metrics,
	})
	if err != nil {
		return err
	}
	defer svc.Close()
	srv := router.NewServer(svc, router.ServerOptions{MaxRecvMsgBytes: *maxRecv, Logger: log})

	lis, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", *addr, err)
	}
	var httpSrv *http.Server
	errc := make(chan error, 2)
	if *metricsAddr != "" {
		mlis, err := net.Listen("tcp", *metricsAddr)
		if err != nil {
			lis.Close()
			return fmt.Errorf("listen %s: %w", *metricsAddr, err)
		}
		mux := http.NewServeMux()
		mux.Handle("/metrics", metrics.Handler())
		httpSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		go func() {
			if err := httpSrv.Serve(mlis); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("metrics server: %w", err)
			}
		}()
	}
	go func() { errc <- srv.Serve(lis) }()
	metricsAt := "off"
	if httpSrv != nil {
		metricsAt = *metricsAddr
	}
	log.Info("serving", "addr", lis.Addr().String(), "metrics", metricsAt, "network", source,
		"nodes", len(net0.Nodes), "data_dir", *dataDir)

	var runErr error
loop:
	for {
		select {
		case <-ctx.Done():
			log.Info("shutting down", "drain", *drain)
			break loop
		case <-hup:
			log.Info("SIGHUP: reloading the network", "source", source)
			_, _ = svc.Reload(ctx) // the service logs the outcome
		case runErr = <-errc:
			break loop
		}
	}
	sctx, cancel := context.WithTimeout(context.Background(), *drain)
	defer cancel()
	srv.Shutdown(sctx)
	if httpSrv != nil {
		_ = httpSrv.Shutdown(sctx)
	}
	if err := svc.Close(); err != nil && runErr == nil {
		runErr = err
	}
	if runErr == nil {
		log.Info("stopped")
	}
	return runErr
}

// loadStock reads the stock file, or the demo stock when demo is set and
// there is no file; nil means no stock.
func loadStock(path string, demo bool, n *network.Network) (*stock.Table, error) {
	switch {
	case path != "":
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("stock: %w", err)
		}
		defer f.Close()
		return stock.ReadCSV(f, path, n)
	case demo:
		return stock.ReadCSV(bytes.NewReader(network.DemoStock()), network.DemoStockFile, n)
	}
	return nil, nil
}

// skuFlag collects --sku SKU:QTY[:KG[:LOST]] flags; LOST is the line's
// lost-sale cost per unit.
type skuFlag []*pb.OrderLine

func (f *skuFlag) String() string { return "" }

func (f *skuFlag) Set(v string) error {
	parts := strings.Split(v, ":")
	if len(parts) < 2 || len(parts) > 4 || parts[0] == "" {
		return fmt.Errorf("want SKU:QTY, SKU:QTY:KG or SKU:QTY:KG:LOST, got %q", v)
	}
	q, err := strconv.ParseInt(parts[1], 10, 32)
	if err != nil {
		return fmt.Errorf("quantity of %q: %w", v, err)
	}
	l := &pb.OrderLine{Sku: parts[0], Quantity: int32(q)}
	if len(parts) >= 3 && parts[2] != "" {
		if l.UnitWeightKg, err = strconv.ParseFloat(parts[2], 64); err != nil {
			return fmt.Errorf("weight of %q: %w", v, err)
		}
	}
	if len(parts) == 4 {
		if l.LostSaleCost, err = strconv.ParseFloat(parts[3], 64); err != nil {
			return fmt.Errorf("lost-sale cost of %q: %w", v, err)
		}
	}
	*f = append(*f, l)
	return nil
}

func runRoute(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("route", stderr)
	addr := fs.String("addr", "localhost:50051", "server address")
	orderFile := fs.String("order", "", "order JSON file (omniroute.v1.Order; - reads stdin)")
	reserve := fs.Bool("reserve", false, "reserve the planned units")
	alts := fs.Int("alternatives", 0, "alternatives to return (0: server default)")
	ttl := fs.Duration("ttl", 0, "reservation TTL (0: server default)")
	maxExcl := fs.Int("max-excluded", 0, "list at most this many excluded candidates, nearest first (0: all)")
	timeout := fs.Duration("timeout", 5*time.Second, "deadline of the call")
	var skus skuFlag
	fs.Var(&skus, "sku", "order line SKU:QTY[:KG[:LOST]] (LOST: lost-sale cost per unit), repeatable (an order from flags instead of --order)")
	id := fs.String("id", "", "order id with --sku (default: cli-<unix nanos>)")
	lat := fs.Float64("lat", 0, "customer latitude with --sku")
	lon := fs.Float64("lon", 0, "customer longitude with --sku")
	pref := fs.String("preference", "any", "with --sku: any, delivery or pickup")
	pickup := fs.String("pickup-node", "", "with --sku: node id to collect at")
	split := fs.Bool("split", true, "with --sku: allow several shipments")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	// The request carries whole seconds in an int32: a TTL that would be
	// rounded to the server default or wrap around is refused here.
	if *ttl != 0 && (*ttl < time.Second || *ttl > router.MaxReservationTTL || *ttl%time.Second != 0) {
		return fmt.Errorf("%w: --ttl %v: want 0 (server default) or whole seconds from 1s to %v", errUsage, *ttl, router.MaxReservationTTL)
	}
	if *alts < 0 || *alts > router.MaxAlternatives {
		return fmt.Errorf("%w: --alternatives %d: want 0 (server default) to %d", errUsage, *alts, router.MaxAlternatives)
	}
	if *maxExcl < 0 || *maxExcl > math.MaxInt32 {
		return fmt.Errorf("%w: --max-excluded %d: want 0 (all) or more", errUsage, *maxExcl)
	}
	var order *pb.Order
	switch {
	case *orderFile != "" && len(skus) > 0:
		return fmt.Errorf("%w: give --order or --sku, not both", errUsage)
	case *orderFile != "":
		var err error
		if order, err = readOrder(*orderFile); err != nil {
			return err
		}
	case len(skus) > 0:
		order = &pb.Order{Id: *id, Lines: skus, AllowSplit: *split, PickupNodeId: *pickup,
			CreatedAt: timestamppb.Now()}
		if order.Id == "" {
			order.Id = "cli-" + strconv.FormatInt(time.Now().UnixNano(), 10)
		}
		setFlags := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { setFlags[f.Name] = true })
		if setFlags["lat"] || setFlags["lon"] {
			order.Customer = &pb.LatLng{Lat: *lat, Lon: *lon}
		}
		switch *pref {
		case "any":
		case "delivery":
			order.Preference = pb.FulfillmentPreference_FULFILLMENT_PREFERENCE_DELIVERY
		case "pickup":
			order.Preference = pb.FulfillmentPreference_FULFILLMENT_PREFERENCE_PICKUP
		default:
			return fmt.Errorf("%w: --preference %q: want any, delivery or pickup", errUsage, *pref)
		}
	default:
		return fmt.Errorf("%w: --order FILE or --sku SKU:QTY required", errUsage)
	}
	req := &pb.RouteRequest{Order: order, Reserve: *reserve, Alternatives: int32(*alts),
		ReservationTtlSeconds: int32(ttl.Seconds()), MaxExcluded: int32(*maxExcl)}

	conn, err := grpc.NewClient(*addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return fmt.Errorf("connect %s: %w", *addr, err)
	}
	defer conn.Close()
	cctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	resp, err := pb.NewRoutingServiceClient(conn).Route(cctx, req)
	if err != nil {
		st := status.Convert(err)
		return fmt.Errorf("route: %s: %s", st.Code(), st.Message())
	}
	out, err := stableJSON(resp)
	if err != nil {
		return err
	}
	_, err = stdout.Write(out)
	return err
}

// readOrder reads an omniroute.v1.Order in protobuf JSON from a file.
func readOrder(path string) (*pb.Order, error) {
	var b []byte
	var err error
	if path == "-" {
		b, err = io.ReadAll(os.Stdin)
	} else {
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("order: %w", err)
	}
	o := new(pb.Order)
	if err := protojson.Unmarshal(b, o); err != nil {
		return nil, fmt.Errorf("order %s: %w", path, err)
	}
	return o, nil
}

// stableJSON writes m as protobuf JSON (proto field names) indented the
// same way on every run.
func stableJSON(m proto.Message) ([]byte, error) {
	raw, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}
