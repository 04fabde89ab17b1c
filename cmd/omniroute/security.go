package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/omniroute/omniroute/auth"
	"github.com/omniroute/omniroute/router"
)

// tokenEnv is the environment variable clients read their token from.
const tokenEnv = "OMNIROUTE_TOKEN"

// isLoopback reports whether a listen or dial address stays on this
// machine: "localhost" or a loopback IP. An empty host (every interface)
// and any other name are not.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// serveSecurity are serve's security and limit flags.
type serveSecurity struct {
	tlsCert, tlsKey, clientCA *string
	authFile, rateLimit       *string
	insecure, reflection      *bool
	maxCall, maxStream        *time.Duration
	maxStreams, streamWorkers *int
	kaMinTime, kaTime, kaWait *time.Duration
	maxConnAge                *time.Duration
	maxClockSkew              *time.Duration
}

func addServeSecurityFlags(fs *flag.FlagSet) *serveSecurity {
	return &serveSecurity{
		tlsCert:       fs.String("tls-cert", "", "TLS certificate chain `file` (PEM); with --tls-key serves gRPC and metrics over TLS"),
		tlsKey:        fs.String("tls-key", "", "TLS private key `file` (PEM)"),
		clientCA:      fs.String("client-ca", "", "CA certificates `file` (PEM): require client certificates from it (mutual TLS); needs --tls-cert"),
		authFile:      fs.String("auth-file", "", "clients, token SHA-256 sums, certificate names and roles (YAML); empty turns authentication off"),
		rateLimit:     fs.String("rate-limit", "", "per-client rate limits `NAME=RATE[:BURST],...` in calls/s; * for every client without its own; overrides the auth file's"),
		insecure:      fs.Bool("insecure", false, "allow plaintext gRPC, HTTP/JSON and metrics on an address other than loopback"),
		reflection:    fs.Bool("reflection", false, "offer gRPC server reflection (to authenticated callers)"),
		maxCall:       fs.Duration("max-call-duration", router.DefaultMaxCallDuration, "deadline of a call that sets none or a later one"),
		maxStream:     fs.Duration("max-stream-duration", router.DefaultMaxStreamDuration, "deadline of a stream (StreamStock) that sets none or a later one"),
		maxStreams:    fs.Int("max-concurrent-streams", router.DefaultMaxConcurrentStreams, "calls in flight per connection"),
		streamWorkers: fs.Int("stream-workers", 0, "goroutines kept to run calls, so that a call does not start a fresh one (0: one per CPU; -1: none, a goroutine per call)"),
		kaMinTime:     fs.Duration("keepalive-min-time", router.DefaultKeepaliveMinTime, "shortest interval between a client's keepalive pings; clients pinging more often are disconnected"),
		kaTime:        fs.Duration("keepalive-time", router.DefaultKeepaliveTime, "idle time after which the server pings a connection"),
		kaWait:        fs.Duration("keepalive-timeout", router.DefaultKeepaliveTimeout, "how long the server waits for a ping's answer before it closes the connection"),
		maxConnAge:    fs.Duration("max-connection-age", 0, "close connections gracefully after this long, so clients spread over replicas (0: never)"),
		maxClockSkew:  fs.Duration("max-clock-skew", router.DefaultMaxClockSkew, "plan an order at its created_at only when within this of the server's clock (0: always the server's clock)"),
	}
}

// durationIn checks a duration flag against its range.
func durationIn(name string, d, lo, hi time.Duration) error {
	if d < lo || d > hi {
		return fmt.Errorf("%w: --%s %v: want %v to %v", errUsage, name, d, lo, hi)
	}
	return nil
}

// validate checks every limit flag, so that a bad value stops the server
// before it listens.
func (s *serveSecurity) validate(addr, metricsAddr, httpAddr string, maxRecv int) error {
	if maxRecv < router.MinMaxRecvMsgBytes || maxRecv > router.MaxMaxRecvMsgBytes {
		return fmt.Errorf("%w: --max-recv-bytes %d: want %d to %d", errUsage, maxRecv, router.MinMaxRecvMsgBytes, router.MaxMaxRecvMsgBytes)
	}
	if *s.maxStreams < 1 || *s.maxStreams > router.MaxMaxConcurrentStreams {
		return fmt.Errorf("%w: --max-concurrent-streams %d: want 1 to %d", errUsage, *s.maxStreams, router.MaxMaxConcurrentStreams)
	}
	if *s.streamWorkers < -1 || *s.streamWorkers > router.MaxStreamWorkers {
		return fmt.Errorf("%w: --stream-workers %d: want -1 to %d", errUsage, *s.streamWorkers, router.MaxStreamWorkers)
	}
	for _, c := range []struct {
		name   string
		d      time.Duration
		lo, hi time.Duration
	}{
		{"max-call-duration", *s.maxCall, time.Millisecond, 24 * time.Hour},
		{"max-stream-duration", *s.maxStream, time.Second, 7 * 24 * time.Hour},
		{"keepalive-min-time", *s.kaMinTime, time.Second, 24 * time.Hour},
		{"keepalive-time", *s.kaTime, time.Second, 24 * time.Hour},
		{"keepalive-timeout", *s.kaWait, time.Second, time.Hour},
		{"max-clock-skew", *s.maxClockSkew, 0, 100 * 365 * 24 * time.Hour},
	} {
		if err := durationIn(c.name, c.d, c.lo, c.hi); err != nil {
			return err
		}
	}
	if *s.maxConnAge != 0 {
		if err := durationIn("max-connection-age", *s.maxConnAge, time.Second, 30*24*time.Hour); err != nil {
			return fmt.Errorf("%w (or 0 for never)", err)
		}
	}
	if (*s.tlsCert == "") != (*s.tlsKey == "") {
		return fmt.Errorf("%w: --tls-cert and --tls-key go together", errUsage)
	}
	if *s.clientCA != "" && *s.tlsCert == "" {
		return fmt.Errorf("%w: --client-ca needs --tls-cert and --tls-key", errUsage)
	}
	if *s.tlsCert == "" && !*s.insecure {
		for _, a := range []struct{ flag, addr string }{{"addr", addr}, {"metrics-addr", metricsAddr}, {"http-addr", httpAddr}} {
			if a.addr != "" && !isLoopback(a.addr) {
				return fmt.Errorf("%w: --%s %s is not a loopback address: serving plaintext there lets anyone on the network read and change stock; give --tls-cert and --tls-key, or --insecure to accept it", errUsage, a.flag, a.addr)
			}
		}
	}
	return nil
}

// load reads the TLS files and the auth file and works out the rate
// limits.
func (s *serveSecurity) load() (*auth.ServerTLS, *auth.Authenticator, map[string]auth.Limit, error) {
	var stls *auth.ServerTLS
	if *s.tlsCert != "" {
		var err error
		if stls, err = auth.LoadServerTLS(*s.tlsCert, *s.tlsKey, *s.clientCA); err != nil {
			return nil, nil, nil, err
		}
	}
	a, limits, err := s.loadAccess()
	return stls, a, limits, err
}

// loadAccess reads the auth file (none when not given) and merges the
// rate limits of the file and the flag.
func (s *serveSecurity) loadAccess() (*auth.Authenticator, map[string]auth.Limit, error) {
	var a *auth.Authenticator
	if *s.authFile != "" {
		var err error
		if a, err = auth.Load(*s.authFile); err != nil {
			return nil, nil, err
		}
	}
	flags, err := auth.ParseRateLimits(*s.rateLimit)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: --rate-limit %w", errUsage, err)
	}
	limits, err := auth.RateLimits(a, flags)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: --rate-limit: %w", errUsage, err)
	}
	return a, limits, nil
}

// serverOptions are the router's options for these flags.
func (s *serveSecurity) serverOptions(stls *auth.ServerTLS, a *auth.Authenticator, limits map[string]auth.Limit) router.ServerOptions {
	o := router.ServerOptions{
		MaxConcurrentStreams: uint32(*s.maxStreams),
		StreamWorkers:        *s.streamWorkers,
		Keepalive: router.Keepalive{
			MinTime: *s.kaMinTime, Time: *s.kaTime, Timeout: *s.kaWait,
			MaxConnectionAge: *s.maxConnAge, MaxConnectionAgeGrace: *s.maxCall,
		},
		Auth:              a,
		RateLimits:        limits,
		Reflection:        *s.reflection,
		MaxCallDuration:   *s.maxCall,
		MaxStreamDuration: *s.maxStream,
	}
	if stls != nil {
		o.TLS = stls.Config("h2")
	}
	return o
}

// clockSkew is the router's MaxClockSkew for --max-clock-skew: 0 there
// means never trusting the order's clock.
func (s *serveSecurity) clockSkew() time.Duration {
	if *s.maxClockSkew == 0 {
		return -1
	}
	return *s.maxClockSkew
}

// dialFlags are the connection flags of the client commands.
type dialFlags struct {
	token, tokenFile             *string
	tlsCA, tlsCert, tlsKey, name *string
	useTLS, insecure             *bool
}

func addDialFlags(fs *flag.FlagSet) *dialFlags {
	return &dialFlags{
		token:     fs.String("token", "", "bearer `token` sent with every call (default $"+tokenEnv+"; prefer it or --token-file: a flag shows in the process list)"),
		tokenFile: fs.String("token-file", "", "`file` whose first line is the bearer token"),
		useTLS:    fs.Bool("tls", false, "connect over TLS, verifying the server against the system's CAs (implied by --tls-ca)"),
		tlsCA:     fs.String("tls-ca", "", "CA certificates `file` (PEM) to verify the server with; implies --tls"),
		tlsCert:   fs.String("tls-cert", "", "client certificate `file` (PEM) for mutual TLS; implies --tls"),
		tlsKey:    fs.String("tls-key", "", "client key `file` (PEM) for mutual TLS"),
		name:      fs.String("tls-server-name", "", "server `name` to verify the certificate against (default: the host of --addr)"),
		insecure:  fs.Bool("insecure", false, "allow sending a token in plaintext to an address other than loopback"),
	}
}

// readToken returns the token from --token, --token-file or the
// environment, in that order; "" when none.
func (d *dialFlags) readToken() (string, error) {
	if *d.token != "" && *d.tokenFile != "" {
		return "", fmt.Errorf("%w: --token and --token-file exclude each other", errUsage)
	}
	if *d.token != "" {
		return *d.token, nil
	}
	if *d.tokenFile != "" {
		b, err := os.ReadFile(*d.tokenFile)
		if err != nil {
			return "", fmt.Errorf("--token-file: %w", err)
		}
		tok, _, _ := strings.Cut(string(b), "\n")
		tok = strings.TrimSpace(tok)
		if tok == "" {
			return "", fmt.Errorf("--token-file %s: empty", *d.tokenFile)
		}
		return tok, nil
	}
	return strings.TrimSpace(os.Getenv(tokenEnv)), nil
}

// options returns the dial options for addr: TLS when asked for, the
// token with every call. A token goes in plaintext only to a loopback
// address or with --insecure.
func (d *dialFlags) options(addr string) ([]grpc.DialOption, error) {
	token, err := d.readToken()
	if err != nil {
		return nil, err
	}
	secure := *d.useTLS || *d.tlsCA != "" || *d.tlsCert != ""
	var opts []grpc.DialOption
	if secure {
		conf, err := auth.ClientTLS(*d.tlsCA, *d.tlsCert, *d.tlsKey, *d.name)
		if err != nil {
			return nil, err
		}
		opts = append(opts, grpc.WithTransportCredentials(credentials.NewTLS(conf)))
	} else {
		if *d.tlsKey != "" || *d.name != "" {
			return nil, fmt.Errorf("%w: --tls-key and --tls-server-name need TLS (--tls, --tls-ca or --tls-cert)", errUsage)
		}
		opts = append(opts, grpc.WithTransportCredentials(insecure.NewCredentials()))
	}
	if token != "" {
		if strings.ContainsAny(token, " \t\r\n") {
			return nil, errors.New("the token contains white space")
		}
		if !secure && !isLoopback(addr) && !*d.insecure {
			return nil, fmt.Errorf("%w: a token would travel in plaintext to %s: give --tls or --tls-ca, or --insecure to accept it", errUsage, addr)
		}
		opts = append(opts, grpc.WithPerRPCCredentials(auth.Bearer{Token: token, AllowPlaintext: !secure}))
	}
	return opts, nil
}
