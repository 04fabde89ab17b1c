package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/auth/authtest"
)

// TestServeRefusesBadFlags: every bad value stops serve before it
// listens, with a message naming the flag.
func TestServeRefusesBadFlags(t *testing.T) {
	dir := t.TempDir()
	badAuth := filepath.Join(dir, "bad-auth.yaml")
	require.NoError(t, os.WriteFile(badAuth, []byte("clients:\n  - name: a\n    token_sha256: abc\n    roles: [route]\n"), 0o600))
	goodAuth := filepath.Join(dir, "auth.yaml")
	require.NoError(t, os.WriteFile(goodAuth, []byte("clients:\n  - name: checkout\n    token_sha256: "+authtest.SHA256("x")+"\n    roles: [route]\n"), 0o600))
	ca := authtest.NewCA(t, "ca")
	certFile, keyFile := ca.Server(t).Write(t, dir, "server")

	for _, tc := range []struct {
		name  string
		args  []string
		usage bool
		want  string
	}{
		{"recv 0", []string{"--max-recv-bytes", "0"}, true, "--max-recv-bytes 0: want 4096 to 67108864"},
		{"recv 1", []string{"--max-recv-bytes", "1"}, true, "--max-recv-bytes 1: want 4096"},
		{"recv huge", []string{"--max-recv-bytes", "1000000000"}, true, "--max-recv-bytes 1000000000"},
		{"plaintext on every interface", []string{"--addr", "0.0.0.0:50051"}, true, "--addr 0.0.0.0:50051 is not a loopback address"},
		{"plaintext on an empty host", []string{"--addr", ":50051"}, true, "--insecure to accept it"},
		{"plaintext metrics", []string{"--metrics-addr", "0.0.0.0:9090"}, true, "--metrics-addr 0.0.0.0:9090 is not a loopback address"},
		{"cert without key", []string{"--tls-cert", certFile}, true, "--tls-cert and --tls-key go together"},
		{"client CA without cert", []string{"--client-ca", certFile}, true, "--client-ca needs --tls-cert"},
		{"no call deadline", []string{"--max-call-duration", "0"}, true, "--max-call-duration 0s: want 1ms to 24h0m0s"},
		{"no streams", []string{"--max-concurrent-streams", "0"}, true, "--max-concurrent-streams 0"},
		{"streams huge", []string{"--max-concurrent-streams", "100000000"}, true, "--max-concurrent-streams 100000000"},
		{"stream workers", []string{"--stream-workers", "-2"}, true, "--stream-workers -2: want -1 to 4096"},
		{"keepalive too often", []string{"--keepalive-time", "10ms"}, true, "--keepalive-time 10ms"},
		{"keepalive min", []string{"--keepalive-min-time", "0s"}, true, "--keepalive-min-time 0s"},
		{"keepalive timeout", []string{"--keepalive-timeout", "0s"}, true, "--keepalive-timeout 0s"},
		{"stream deadline", []string{"--max-stream-duration", "-1s"}, true, "--max-stream-duration -1s"},
		{"connection age", []string{"--max-connection-age", "10ms"}, true, "--max-connection-age 10ms: want 1s to 720h0m0s (or 0 for never)"},
		{"negative skew", []string{"--max-clock-skew", "-1s"}, true, "--max-clock-skew -1s"},
		{"shutdown", []string{"--shutdown-timeout", "0s"}, true, "--shutdown-timeout 0s"},
		{"allocate workers", []string{"--allocate-workers", "-1"}, true, "--allocate-workers -1, --allocate-concurrency 1: want 0 or more workers"},
		{"allocate concurrency", []string{"--allocate-concurrency", "0"}, true, "--allocate-concurrency 0: want 0 or more workers (0: every CPU but one) and 1 or more at once"},
		{"unknown policy", []string{"--policy", "cheapest"}, true, `--policy "cheapest": want nearest, fewest-splits, priority, optimal, lookahead`},
		{"bad rate", []string{"--rate-limit", "checkout=fast"}, true, `--rate-limit "checkout=fast": rate "fast"`},
		{"rate without auth file", []string{"--rate-limit", "checkout=5"}, true, "checkout: without an auth file"},
		{"rate of an unknown client", []string{"--auth-file", goodAuth, "--rate-limit", "nobody=5"}, true, "nobody: no such client in the auth file"},
		{"missing cert file", []string{"--tls-cert", filepath.Join(dir, "no.crt"), "--tls-key", keyFile}, false, "no.crt"},
		{"missing client CA", []string{"--tls-cert", certFile, "--tls-key", keyFile, "--client-ca", filepath.Join(dir, "no-ca.crt")}, false, "no-ca.crt"},
		{"missing auth file", []string{"--auth-file", filepath.Join(dir, "none.yaml")}, false, "none.yaml"},
		{"bad auth file", []string{"--auth-file", badAuth}, false, "bad-auth.yaml: invalid auth file: line 3: clients[0].token_sha256"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"--addr", "127.0.0.1:0", "--metrics-addr", ""}, tc.args...)
			var stderr bytes.Buffer
			code := run(context.Background(), append([]string{"serve"}, args...), io.Discard, &stderr)
			want := 1
			if tc.usage {
				want = 2
			}
			assert.Equal(t, want, code, "exit code; stderr:\n%s", stderr.String())
			assert.Contains(t, stderr.String(), tc.want)
			assert.NotContains(t, stderr.String(), "msg=serving")
		})
	}
}

// TestServeSaysAuthenticationIsOff: without --auth-file the server says
// so, once.
func TestServeSaysAuthenticationIsOff(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	s := startServe(t)
	require.NoError(t, s.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, <-s.done)
	assert.Equal(t, 1, strings.Count(s.log.String(), "authentication is off"), s.log.String())
}

// TestServeInsecure: --insecure lets plaintext listen on every interface,
// with a warning.
func TestServeInsecure(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	s := startServeRaw(t, "--addr", "0.0.0.0:0", "--metrics-addr", "", "--insecure")
	_, port, err := net.SplitHostPort(s.addr)
	require.NoError(t, err)
	var out bytes.Buffer
	require.NoError(t, runRoute(context.Background(), []string{"--addr", "127.0.0.1:" + port, "--sku", "MILK-1L:1", "--lat", "43.2389", "--lon", "76.8897"}, &out, io.Discard))
	require.NoError(t, s.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, <-s.done)
	assert.Contains(t, s.log.String(), "plaintext on an address other than loopback (--insecure)")
}

// TestExampleOrderIsPlannedNow: the example order has no created_at: a
// server plans it at its own clock and says so.
func TestExampleOrderIsPlannedNow(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	s := startServeRaw(t, "--addr", "127.0.0.1:0", "--metrics-addr", "")
	var out bytes.Buffer
	require.NoError(t, runRoute(context.Background(), []string{"--addr", s.addr, "--order", filepath.Join("..", "..", "examples", "order.json")}, &out, io.Discard))
	assert.Contains(t, out.String(), `"created_at_source": "CREATED_AT_SOURCE_SERVER_MISSING"`)
	assert.Contains(t, out.String(), `"planned_at": "`)
	out.Reset()
	// The fixed order is a day or more old: planned now, and its promise
	// has passed.
	err := runRoute(context.Background(), []string{"--addr", s.addr, "--order", fixedOrderFile}, &out, io.Discard)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "FailedPrecondition: order.promise_by: 2026-11-26T09:30:00Z has passed at the server's time")
}

// TestClientRefusesPlaintextToken: a token is not sent in plaintext to
// an address other than loopback unless --insecure says so.
func TestClientRefusesPlaintextToken(t *testing.T) {
	order := []string{"--sku", "MILK-1L:1", "--lat", "43.2", "--lon", "76.9"}
	err := runRoute(context.Background(), append([]string{"--addr", "192.0.2.1:50051", "--token", "secret"}, order...), io.Discard, io.Discard)
	require.ErrorIs(t, err, errUsage)
	assert.Contains(t, err.Error(), "a token would travel in plaintext to 192.0.2.1:50051")
	assert.NotContains(t, err.Error(), "secret")

	t.Setenv(tokenEnv, "secret")
	err = runBench(context.Background(), []string{"--addr", "192.0.2.1:50051", "--max-requests", "1"}, io.Discard, io.Discard)
	require.ErrorIs(t, err, errUsage)
	assert.Contains(t, err.Error(), "--insecure")

	err = runRoute(context.Background(), append([]string{"--addr", "127.0.0.1:1", "--tls-key", "k.pem"}, order...), io.Discard, io.Discard)
	assert.ErrorContains(t, err, "--tls-key and --tls-server-name need TLS")
	err = runRoute(context.Background(), append([]string{"--addr", "127.0.0.1:1", "--token", "a", "--token-file", "f"}, order...), io.Discard, io.Discard)
	assert.ErrorContains(t, err, "--token and --token-file exclude each other")
}

// pki is a CA with a server certificate for 127.0.0.1 and client
// certificates, as files.
type pki struct {
	dir, caFile, certFile, keyFile string
	ca                             *authtest.CA
}

func newPKI(t *testing.T) *pki {
	p := &pki{dir: t.TempDir(), ca: authtest.NewCA(t, "omniroute test CA")}
	p.caFile = p.ca.WriteCA(t, p.dir, "ca.crt")
	p.certFile, p.keyFile = p.ca.Server(t).Write(t, p.dir, "server")
	return p
}

// client writes a client certificate for cn and returns its files.
func (p *pki) client(t *testing.T, cn string) (string, string) {
	return p.ca.Client(t, cn).Write(t, p.dir, cn)
}

var metricsLine = regexp.MustCompile(`metrics=(\S+)`)

// TestSecureServe runs the real binary with mutual TLS, an auth file and
// HTTPS metrics, and talks to it with the route and bench commands.
func TestSecureServe(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	p := newPKI(t)
	checkoutCert, checkoutKey := p.client(t, "checkout-prod")
	wmsToken, wmsSum := authtest.Token(t)
	benchToken, benchSum := authtest.Token(t)
	authFile := filepath.Join(p.dir, "auth.yaml")
	writeAuth := func(wms string) {
		require.NoError(t, os.WriteFile(authFile, fmt.Appendf(nil, `clients:
  - name: checkout
    cert_cn: checkout-prod
    roles: [route]
  - name: wms
    token_sha256: %s
    roles: [inventory]
  - name: bench
    token_sha256: %s
    roles: [route]
`, wms, benchSum), 0o600))
	}
	writeAuth(wmsSum)
	s := startServe(t, "--tls-cert", p.certFile, "--tls-key", p.keyFile, "--client-ca", p.caFile,
		"--auth-file", authFile, "--metrics-addr", "127.0.0.1:0")
	tlsArgs := []string{"--addr", s.addr, "--tls-ca", p.caFile, "--tls-server-name", "localhost", "--tls-cert", checkoutCert, "--tls-key", checkoutKey}
	ctx := context.Background()

	var out bytes.Buffer
	require.NoError(t, runRoute(ctx, append(tlsArgs, "--order", fixedOrderFile), &out, io.Discard), "checkout's certificate may route")
	assert.Contains(t, out.String(), `"created_at_source": "CREATED_AT_SOURCE_ORDER"`)

	err := runRoute(ctx, append(tlsArgs, "--token", wmsToken, "--order", fixedOrderFile), io.Discard, io.Discard)
	require.Error(t, err, "the token decides: wms may not route")
	assert.Contains(t, err.Error(), "route: PermissionDenied: permission denied: client \"wms\"")

	err = runRoute(ctx, []string{"--addr", s.addr, "--tls-ca", p.caFile, "--tls-server-name", "localhost", "--timeout", "2s", "--order", fixedOrderFile}, io.Discard, io.Discard)
	require.Error(t, err, "no client certificate, no connection")
	assert.Contains(t, err.Error(), "Unavailable")

	t.Setenv(tokenEnv, benchToken)
	require.NoError(t, runBench(ctx, append(benchArgs(s.addr, "--max-error-rate", "0"), "--tls-ca", p.caFile, "--tls-server-name", "localhost",
		"--tls-cert", checkoutCert, "--tls-key", checkoutKey), io.Discard, io.Discard), "bench with the token from the environment")

	// Metrics are served over HTTPS under the same mutual TLS.
	mm := metricsLine.FindStringSubmatch(s.serving)
	require.NotNil(t, mm, s.serving)
	cert, err := tls.LoadX509KeyPair(checkoutCert, checkoutKey)
	require.NoError(t, err)
	get := func(url string, certs ...tls.Certificate) (string, error) {
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: p.ca.Pool(), ServerName: "localhost", Certificates: certs}}}
		defer c.CloseIdleConnections()
		resp, err := c.Get(url)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return string(b), err
	}
	body, err := get("https://"+mm[1]+"/metrics", cert)
	require.NoError(t, err)
	assert.Contains(t, body, `omniroute_calls_refused_total{code="PermissionDenied"} 1`)
	_, err = get("https://" + mm[1] + "/metrics")
	assert.Error(t, err, "metrics without a client certificate")
	body, err = get("http://" + mm[1] + "/metrics")
	if err == nil {
		assert.NotContains(t, body, "omniroute_", "no metrics in plaintext")
	}

	// The refused call is in the audit log under the client's name.
	line := s.waitLine(t, "msg=audit")
	assert.Contains(t, line, "client=wms via=token method=/omniroute.v1.RoutingService/Route code=PermissionDenied")

	// SIGHUP reads the auth file again: the old token stops working.
	newToken, newSum := authtest.Token(t)
	writeAuth(newSum)
	require.NoError(t, s.cmd.Process.Signal(syscall.SIGHUP))
	s.waitLine(t, "auth file reloaded")
	s.waitLine(t, "TLS files reloaded")
	err = runRoute(ctx, append(tlsArgs, "--token", wmsToken, "--order", fixedOrderFile), io.Discard, io.Discard)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Unauthenticated: unauthenticated: unknown token")
	err = runRoute(ctx, append(tlsArgs, "--token", newToken, "--order", fixedOrderFile), io.Discard, io.Discard)
	assert.Contains(t, err.Error(), "PermissionDenied", "the new token is wms's")

	require.NoError(t, s.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, <-s.done)
	assert.Contains(t, s.log.String(), "msg=\"TLS on\" mutual=true")
	assert.Contains(t, s.log.String(), "msg=\"authentication on\"")
}
