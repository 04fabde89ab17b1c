package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/auth"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/orderlog"
	"github.com/omniroute/omniroute/policy"
	"github.com/omniroute/omniroute/router"
	"github.com/omniroute/omniroute/stock"
)

// demoSource names the embedded demo network in logs and replies.
const demoSource = "demo"

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", stderr)
	addr := fs.String("addr", "localhost:50051", "gRPC listen address; an address other than loopback needs --tls-cert or --insecure")
	metricsAddr := fs.String("metrics-addr", "localhost:9090", "HTTP listen address of /metrics (HTTPS with --tls-cert); empty turns it off")
	pprofOn := fs.Bool("pprof", false, "also serve Go's profiles (net/http/pprof) under /debug/pprof/ on --metrics-addr: CPU (up to 60 s), heap, allocations, goroutines, execution trace")
	httpAddr := fs.String("http-addr", "", "HTTP/JSON API listen address (POST /v1/route, GET /v1/availability...; the same calls, authentication and roles as gRPC; HTTPS with --tls-cert; an address other than loopback needs --tls-cert or --insecure); empty turns it off")
	netFile := fs.String("network", "", "network YAML file; empty means the embedded demo network")
	stockFile := fs.String("stock", "", "stock CSV file (node,sku,on_hand,safety_stock); empty means the demo stock with the demo network, no stock otherwise")
	dataDir := fs.String("data-dir", "", "directory keeping stock, sequence numbers and reservations across restarts; empty means memory only")
	orderLogDir := fs.String("order-log", "", "directory receiving every order routed, once, in orders.csv's format: a file a day (orders-YYYY-MM-DD.csv, UTC), which simulate --orders and serve --history read; empty turns it off")
	orderLogKeep := fs.Int("order-log-keep-days", 0, "with --order-log or --order-log-db: forget what the order log holds beyond the last `N` days (day files removed, rows deleted; checked hourly); 0 keeps everything")
	orderLogDB := fs.Bool("order-log-db", false, "record every order routed, once, in the --database-url database's order_log table, which every replica writes and omniroute order-log exports; with --policy lookahead each replica's planner also learns from the orders all of them routed")
	ttl := fs.Duration("reservation-ttl", router.DefaultReservationTTL, "how long a reservation holds units unless the request says otherwise")
	retention := fs.Duration("reservation-retention", router.DefaultReservationRetention, "how long a committed, released or expired reservation is kept (and answers retries of its order id)")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn or error")
	logFormat := fs.String("log-format", "text", "log format: text or json")
	maxRecv := fs.Int("max-recv-bytes", router.DefaultMaxRecvMsgBytes, "largest request message accepted, in bytes")
	drain := fs.Duration("shutdown-timeout", 10*time.Second, "how long shutdown waits for calls in flight")
	allocWorkers := fs.Int("allocate-workers", 0, "goroutines one PlanningService.Allocate call solves and replays with; 0 means every CPU but one (at least one), so that routes keep a CPU")
	allocConcurrency := fs.Int("allocate-concurrency", router.DefaultAllocateConcurrency, "PlanningService.Allocate calls that plan at once; the others wait for a turn within their deadline (omniroute_allocate_calls_waiting)")
	policies := policy.DefaultRegistry()
	policyName := fs.String("policy", policy.Optimal, "routing policy that plans every order: "+strings.Join(policies.Names(), ", "))
	plan := addServePlanFlags(fs)
	sec := addServeSecurityFlags(fs)
	db := databaseFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	dbCfg, err := db.config(*dataDir)
	if err != nil {
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
	if *drain <= 0 {
		return fmt.Errorf("%w: --shutdown-timeout %v: want more than 0", errUsage, *drain)
	}
	if *allocWorkers < 0 || *allocConcurrency < 1 {
		return fmt.Errorf("%w: --allocate-workers %d, --allocate-concurrency %d: want 0 or more workers (0: every CPU but one) and 1 or more at once", errUsage, *allocWorkers, *allocConcurrency)
	}
	if *orderLogKeep < 0 || *orderLogKeep > 0 && *orderLogDir == "" && !*orderLogDB {
		return fmt.Errorf("%w: --order-log-keep-days wants days (0 keeps all) and --order-log or --order-log-db", errUsage)
	}
	if *orderLogDB && (dbCfg.URL == "" || *orderLogDir != "") {
		return fmt.Errorf("%w: --order-log-db needs --database-url (or $%s), and excludes --order-log", errUsage, envDatabaseURL)
	}
	if *pprofOn && *metricsAddr == "" {
		return fmt.Errorf("%w: --pprof serves on --metrics-addr, which is off", errUsage)
	}
	if !policies.Has(*policyName) {
		return fmt.Errorf("%w: --policy %q: want %s", errUsage, *policyName, strings.Join(policies.Names(), ", "))
	}
	if err := sec.validate(*addr, *metricsAddr, *httpAddr, *maxRecv); err != nil {
		return err
	}
	serverTLS, authn, limits, err := sec.load()
	if err != nil {
		return err
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
	if *orderLogDB {
		plan.logURL = dbCfg.URL
	}
	plan.log = log
	planning, fixed, err := plan.config(*policyName, policies, net0)
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
	olog, closeLog, err := openOrderLog(ctx, *orderLogDir, *orderLogDB, dbCfg.URL, planning, orderlog.Options{
		Logger: log, Registerer: metrics.Registry(), Keep: time.Duration(*orderLogKeep) * 24 * time.Hour,
	})
	if err != nil {
		return err
	}
	// After the service: the calls in flight are recorded first.
	defer closeLog()
	cfg := router.Config{
		Network: net0, NetworkSource: source, LoadNetwork: load, Stock: table,
		DataDir: *dataDir, Database: dbCfg, ReservationTTL: *ttl, ReservationRetention: *retention, Logger: log, Metrics: metrics,
		MaxClockSkew: sec.clockSkew(), Policy: *policyName, Policies: policies, Planning: planning, FixedPrices: fixed,
		AllocateWorkers: *allocWorkers, AllocateConcurrency: *allocConcurrency,
	}
	if olog != nil {
		cfg.OrderLog = olog
	}
	svc, err := router.New(cfg)
	if err != nil {
		return err
	}
	defer svc.Close()
	// The stock each day starts with, beside its orders.
	olog.WatchStock(svc)
	sopts := sec.serverOptions(serverTLS, authn, limits)
	sopts.MaxRecvMsgBytes, sopts.Logger = *maxRecv, log
	srv := router.NewServer(svc, sopts)
	logSecurity(log, sec, serverTLS, authn, limits, *addr, *metricsAddr)

	lis, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", *addr, err)
	}
	var httpSrv *http.Server
	metricsAt := "off"
	errc := make(chan error, 3)
	if *metricsAddr != "" {
		mlis, err := net.Listen("tcp", *metricsAddr)
		if err != nil {
			lis.Close()
			return fmt.Errorf("listen %s: %w", *metricsAddr, err)
		}
		metricsAt = mlis.Addr().String()
		mux := http.NewServeMux()
		mux.Handle("/metrics", metrics.Handler())
		if *pprofOn {
			mux.HandleFunc("/debug/pprof/", pprof.Index)
			mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
			mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
			mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
			mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		}
		httpSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
			WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
		if *pprofOn {
			// A CPU profile or trace answers after its seconds (30 by
			// default): allow up to a minute of them.
			httpSrv.WriteTimeout = 61 * time.Second
		}
		if serverTLS != nil {
			httpSrv.TLSConfig = serverTLS.Config("h2", "http/1.1")
		}
		go func() {
			var err error
			if serverTLS != nil {
				err = httpSrv.ServeTLS(mlis, "", "")
			} else {
				err = httpSrv.Serve(mlis)
			}
			if err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("metrics server: %w", err)
			}
		}()
	}
	// The HTTP/JSON API: grpc-gateway in front of the same gRPC server,
	// through an in-process connection (see router.Gateway).
	var apiSrv *http.Server
	var gateway *router.Gateway
	apiAt := "off"
	if *httpAddr != "" {
		alis, err := net.Listen("tcp", *httpAddr)
		if err != nil {
			lis.Close()
			if httpSrv != nil {
				_ = httpSrv.Close()
			}
			return fmt.Errorf("listen %s: %w", *httpAddr, err)
		}
		if gateway, err = srv.Gateway(ctx, router.GatewayOptions{}); err != nil {
			lis.Close()
			alis.Close()
			if httpSrv != nil {
				_ = httpSrv.Close()
			}
			return err
		}
		apiSrv = &http.Server{Handler: gateway, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 2 * time.Minute}
		if serverTLS != nil {
			apiSrv.TLSConfig = serverTLS.Config("h2", "http/1.1")
		}
		go func() {
			var err error
			if serverTLS != nil {
				err = apiSrv.ServeTLS(alis, "", "")
			} else {
				err = apiSrv.Serve(alis)
			}
			if err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("HTTP API server: %w", err)
			}
		}()
		apiAt = alis.Addr().String()
	}
	go func() { errc <- srv.Serve(lis) }()
	scheme := "plaintext"
	if serverTLS != nil {
		scheme = "tls"
	}
	log.Info("serving", "addr", lis.Addr().String(), "http", apiAt, "metrics", metricsAt, "transport", scheme, "network", source,
		"nodes", len(net0.Nodes), "data_dir", *dataDir, "database", db.redacted(), "policy", *policyName, "order_log", orderLogName(*orderLogDir, *orderLogDB))

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
			reloadSecurity(log, sec, srv, serverTLS)
		case runErr = <-errc:
			break loop
		}
	}
	sctx, cancel := context.WithTimeout(context.Background(), *drain)
	defer cancel()
	// HTTP calls go through the gRPC server: drain them first.
	if apiSrv != nil {
		_ = apiSrv.Shutdown(sctx)
		_ = gateway.Close()
	}
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
	reserve := fs.Bool("reserve", false, "reserve the planned units")
	alts := fs.Int("alternatives", 0, "alternatives to return (0: server default)")
	ttl := fs.Duration("ttl", 0, "reservation TTL (0: server default)")
	maxExcl := fs.Int("max-excluded", 0, "list at most this many excluded candidates, nearest first (0: 20, or all with --explain full)")
	explain := fs.String("explain", "nearest", "excluded candidates to list: nearest (the 20 nearest, or --max-excluded), full (all) or none")
	timeout := fs.Duration("timeout", 5*time.Second, "deadline of the call")
	of := addOrderFlags(fs, "default: the file's, else cli-<unix nanos>")
	dial := addDialFlags(fs)
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
		return fmt.Errorf("%w: --max-excluded %d: want 0 (the default) or more", errUsage, *maxExcl)
	}
	ex, ok := pb.Explain_value["EXPLAIN_"+strings.ToUpper(*explain)]
	if !ok || ex == 0 {
		return fmt.Errorf("%w: --explain %q: want nearest, full or none", errUsage, *explain)
	}
	order, err := of.order(fs, true)
	if err != nil {
		return err
	}
	req := &pb.RouteRequest{Order: order, Reserve: *reserve, Alternatives: int32(*alts),
		ReservationTtlSeconds: int32(ttl.Seconds()), MaxExcluded: int32(*maxExcl), Explain: pb.Explain(ex)}

	return callRouting(ctx, *addr, dial, *timeout, "route", stdout,
		func(ctx context.Context, c pb.RoutingServiceClient) (proto.Message, error) { return c.Route(ctx, req) })
}

// callRouting dials addr as the dial flags say, makes one RoutingService
// call within timeout and prints its answer as JSON. A failed call is an
// error naming the call and its status code.
func callRouting(ctx context.Context, addr string, dial *dialFlags, timeout time.Duration, name string, stdout io.Writer,
	call func(context.Context, pb.RoutingServiceClient) (proto.Message, error)) error {
	dopts, err := dial.options(addr)
	if err != nil {
		return err
	}
	conn, err := grpc.NewClient(addr, dopts...)
	if err != nil {
		return fmt.Errorf("connect %s: %w", addr, err)
	}
	defer conn.Close()
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	resp, err := call(cctx, pb.NewRoutingServiceClient(conn))
	if err != nil {
		st := status.Convert(err)
		return fmt.Errorf("%s: %s: %s", name, st.Code(), st.Message())
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

// logSecurity says once, at start, how the server is protected, and warns
// about what is open.
func logSecurity(log *slog.Logger, sec *serveSecurity, stls *auth.ServerTLS, a *auth.Authenticator, limits map[string]auth.Limit, addr, metricsAddr string) {
	if stls != nil {
		log.Info("TLS on", "mutual", stls.MutualTLS(), "certificate_expires", stls.NotAfter().UTC().Format(time.RFC3339))
	} else if !isLoopback(addr) || (metricsAddr != "" && !isLoopback(metricsAddr)) {
		log.Warn("plaintext on an address other than loopback (--insecure): anyone on the network can read the calls")
	}
	if a == nil {
		log.Warn("authentication is off: every caller may call every method; give --auth-file to require tokens or certificates")
	} else {
		names := make([]string, 0, len(a.Clients()))
		for _, c := range a.Clients() {
			names = append(names, c.Name+"("+c.Roles.String()+")")
		}
		log.Info("authentication on", "auth_file", *sec.authFile, "clients", strings.Join(names, " "))
		if stls == nil && !isLoopback(addr) {
			log.Warn("bearer tokens travel in plaintext: give --tls-cert and --tls-key")
		}
	}
	if len(limits) > 0 {
		parts := make([]string, 0, len(limits))
		for name, l := range limits {
			parts = append(parts, name+"="+l.String())
		}
		slices.Sort(parts)
		log.Info("rate limits", "limits", strings.Join(parts, ", "))
	}
}

// reloadSecurity reads the auth file and the TLS files again (SIGHUP).
// A file that fails to load keeps what is in use.
func reloadSecurity(log *slog.Logger, sec *serveSecurity, srv *router.Server, stls *auth.ServerTLS) {
	if *sec.authFile != "" {
		a, limits, err := sec.loadAccess()
		if err != nil {
			log.Error("auth file reload failed; keeping the clients in use", "err", err)
		} else {
			srv.SetAccess(a, limits)
			log.Info("auth file reloaded", "auth_file", *sec.authFile, "clients", len(a.Clients()))
		}
	}
	if stls != nil {
		if err := stls.Reload(); err != nil {
			log.Error("TLS reload failed; keeping the certificate in use", "err", err)
		} else {
			log.Info("TLS files reloaded", "certificate_expires", stls.NotAfter().UTC().Format(time.RFC3339))
		}
	}
}

// orderLogName says where the order log goes, for the serving line.
func orderLogName(dir string, db bool) string {
	if db {
		return "database"
	}
	return dir
}

// openOrderLog opens the order log serve records into: the day files of
// dir, or with db the database's order_log table, whose reader it then
// also gives a look-ahead planner (planning.Shared, and
// planning.SharedFalls for the receipts' falls). It returns nil
// without either, and a function that closes what it opened.
func openOrderLog(ctx context.Context, dir string, db bool, url string, planning *router.PlanningConfig, opt orderlog.Options) (*orderlog.Log, func(), error) {
	switch {
	case dir != "":
		l, err := orderlog.Open(dir, opt)
		if err != nil {
			return nil, nil, err
		}
		return l, func() { logClose(opt.Logger, l) }, nil
	case db:
		sink, err := orderlog.OpenDB(ctx, url)
		if err != nil {
			return nil, nil, err
		}
		l, err := orderlog.New(sink, opt)
		if err != nil {
			sink.Close()
			return nil, nil, err
		}
		if planning == nil {
			return l, func() { logClose(opt.Logger, l) }, nil
		}
		// Each plan reads the orders every replica routed.
		shared, err := orderlog.OpenDBReader(ctx, url)
		if err != nil {
			l.Close()
			return nil, nil, err
		}
		planning.Shared, planning.SharedFalls = shared, shared
		return l, func() { logClose(opt.Logger, l); shared.Close() }, nil
	}
	return nil, func() {}, nil
}

// logClose closes the order log, logging a failure.
func logClose(log *slog.Logger, l *orderlog.Log) {
	if err := l.Close(); err != nil {
		log.Error("order log", "err", err)
	}
}
