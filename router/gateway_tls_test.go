package router

import (
	"crypto/tls"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/auth"
	"github.com/omniroute/omniroute/auth/authtest"
)

// gatewayOver serves e's gateway over HTTPS with the server's TLS config.
func gatewayOver(t *testing.T, e *secureEnv, conf *tls.Config) string {
	t.Helper()
	gw, err := e.srv.Gateway(t.Context(), GatewayOptions{})
	require.NoError(t, err)
	ts := httptest.NewUnstartedServer(gw)
	ts.TLS = conf
	ts.StartTLS()
	t.Cleanup(func() {
		ts.Close()
		assert.NoError(t, gw.Close())
	})
	return ts.URL
}

// post sends body to url+path with client and returns the status.
func post(t *testing.T, client *http.Client, url, path, body string, header http.Header) int {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url+path, strings.NewReader(body))
	require.NoError(t, err)
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

const stockUpdateJSON = `{"updates": [{"node_id": "alm-s01", "sku": "MILK-1L", "seq": 1, "on_hand": 5}]}`

// TestGatewayMutualTLS: over HTTPS with client certificates, the verified
// certificate identifies the caller exactly as over gRPC (the gateway's
// in-process connection has no TLS of its own): checkout's certificate may
// route and is refused stock updates; an unmapped one is unauthenticated.
func TestGatewayMutualTLS(t *testing.T) {
	dir := t.TempDir()
	ca := authtest.NewCA(t, "omniroute test CA")
	certFile, keyFile := ca.Server(t).Write(t, dir, "server")
	stls, err := auth.LoadServerTLS(certFile, keyFile, ca.WriteCA(t, dir, "ca.crt"))
	require.NoError(t, err)
	a, _ := testAuth(t, "")
	e := newSecureEnv(t, ServerOptions{Auth: a, TLS: stls.Config("h2")})
	url := gatewayOver(t, e, stls.Config("h2", "http/1.1"))

	client := func(cn string) *http.Client {
		return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{
			RootCAs: ca.Pool(), ServerName: "localhost", MinVersion: tls.VersionTLS12,
			Certificates: []tls.Certificate{ca.Client(t, cn).TLS(t)},
		}}}
	}
	checkout := client("checkout-prod")
	assert.Equal(t, http.StatusOK, post(t, checkout, url, "/v1/route", demoOrderJSON("gw-mtls-1", false), nil))
	assert.Equal(t, http.StatusForbidden, post(t, checkout, url, "/v1/stock", stockUpdateJSON, nil))
	assert.Equal(t, http.StatusUnauthorized, post(t, client("stranger"), url, "/v1/route", demoOrderJSON("gw-mtls-2", false), nil))

	lines := e.audit.lines(t, "audit")
	require.NotEmpty(t, lines)
	assert.Equal(t, "checkout", lines[0]["client"], "the audit names the certificate's client")
}

// TestGatewayCertificateCannotBeForged: a client without a certificate
// that sends the gateway's internal certificate key as a header (plain or
// as Grpc-Metadata-) is not taken for the certificate's client.
func TestGatewayCertificateCannotBeForged(t *testing.T) {
	dir := t.TempDir()
	ca := authtest.NewCA(t, "omniroute test CA")
	certFile, keyFile := ca.Server(t).Write(t, dir, "server")
	stls, err := auth.LoadServerTLS(certFile, keyFile, "")
	require.NoError(t, err)
	a, _ := testAuth(t, "")
	e := newSecureEnv(t, ServerOptions{Auth: a, TLS: stls.Config("h2")})
	url := gatewayOver(t, e, stls.Config("h2", "http/1.1"))

	forged := base64.StdEncoding.EncodeToString(ca.Client(t, "checkout-prod").TLS(t).Certificate[0])
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{
		RootCAs: ca.Pool(), ServerName: "localhost", MinVersion: tls.VersionTLS12}}}
	for _, h := range []string{forwardedCertKey, "Grpc-Metadata-" + forwardedCertKey} {
		got := post(t, client, url, "/v1/route", demoOrderJSON("gw-forged", false), http.Header{http.CanonicalHeaderKey(h): {forged}})
		assert.Equal(t, http.StatusUnauthorized, got, "header %s", h)
	}
}
