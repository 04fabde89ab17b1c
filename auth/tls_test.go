package auth

import (
	"crypto/tls"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/auth/authtest"
)

// handshake runs a TLS handshake between server and client over loopback
// TCP and returns what the client saw, or the first error of either side
// (under TLS 1.3 a client learns that its certificate was refused only
// from the server).
func handshake(t *testing.T, server, client *tls.Config) (*tls.ConnectionState, error) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer lis.Close()
	srvErr := make(chan error, 1)
	go func() {
		conn, err := lis.Accept()
		if err != nil {
			srvErr <- err
			return
		}
		s := tls.Server(conn, server)
		srvErr <- s.Handshake()
		s.Close()
	}()
	conn, err := net.Dial("tcp", lis.Addr().String())
	require.NoError(t, err)
	c := tls.Client(conn, client)
	defer c.Close()
	err = c.Handshake()
	if serr := <-srvErr; err == nil {
		err = serr
	}
	if err != nil {
		return nil, err
	}
	st := c.ConnectionState()
	return &st, nil
}

// TestServerTLSReload: a reload swaps the certificate for the next
// handshakes; a broken file keeps the one in use.
func TestServerTLSReload(t *testing.T) {
	dir := t.TempDir()
	ca := authtest.NewCA(t, "ca")
	first := ca.Server(t)
	certFile, keyFile := first.Write(t, dir, "server")
	s, err := LoadServerTLS(certFile, keyFile, "")
	require.NoError(t, err)
	assert.False(t, s.MutualTLS())
	assert.Equal(t, first.Cert.NotAfter, s.NotAfter())
	client := &tls.Config{RootCAs: ca.Pool(), ServerName: "localhost", NextProtos: []string{"h2"}}

	st, err := handshake(t, s.Config("h2"), client)
	require.NoError(t, err)
	assert.Equal(t, first.Cert.SerialNumber, st.PeerCertificates[0].SerialNumber)
	assert.Equal(t, "h2", st.NegotiatedProtocol)

	second := ca.Server(t)
	second.Write(t, dir, "server")
	require.NoError(t, s.Reload())
	st, err = handshake(t, s.Config("h2"), client)
	require.NoError(t, err)
	assert.Equal(t, second.Cert.SerialNumber, st.PeerCertificates[0].SerialNumber, "the reloaded certificate")

	require.NoError(t, os.WriteFile(keyFile, []byte("broken"), 0o600))
	assert.Error(t, s.Reload())
	st, err = handshake(t, s.Config("h2"), client)
	require.NoError(t, err)
	assert.Equal(t, second.Cert.SerialNumber, st.PeerCertificates[0].SerialNumber, "a failed reload keeps the certificate")
}

// TestMutualTLSHandshake: under mutual TLS a client needs a certificate
// from the client CA.
func TestMutualTLSHandshake(t *testing.T) {
	dir := t.TempDir()
	ca := authtest.NewCA(t, "ca")
	other := authtest.NewCA(t, "other")
	certFile, keyFile := ca.Server(t).Write(t, dir, "server")
	s, err := LoadServerTLS(certFile, keyFile, ca.WriteCA(t, dir, "ca.crt"))
	require.NoError(t, err)
	require.True(t, s.MutualTLS())
	client := func(certs ...tls.Certificate) *tls.Config {
		return &tls.Config{RootCAs: ca.Pool(), ServerName: "localhost", Certificates: certs}
	}
	_, err = handshake(t, s.Config(), client())
	assert.Error(t, err, "no client certificate")
	_, err = handshake(t, s.Config(), client(other.Client(t, "x").TLS(t)))
	assert.Error(t, err, "a certificate from another CA")
	_, err = handshake(t, s.Config(), client(ca.Client(t, "checkout-prod").TLS(t)))
	assert.NoError(t, err)
}

func TestTLSFileErrors(t *testing.T) {
	dir := t.TempDir()
	ca := authtest.NewCA(t, "ca")
	certFile, keyFile := ca.Server(t).Write(t, dir, "server")
	notPEM := filepath.Join(dir, "not.pem")
	require.NoError(t, os.WriteFile(notPEM, []byte("hello"), 0o600))

	_, err := LoadServerTLS(filepath.Join(dir, "none.crt"), keyFile, "")
	assert.ErrorContains(t, err, "none.crt")
	_, err = LoadServerTLS(certFile, keyFile, notPEM)
	assert.ErrorContains(t, err, "not.pem: no PEM certificate in it")
	_, err = LoadServerTLS("", keyFile, "")
	assert.Error(t, err)

	_, err = ClientTLS(notPEM, "", "", "")
	assert.ErrorContains(t, err, "no PEM certificate")
	_, err = ClientTLS("", certFile, "", "")
	assert.ErrorContains(t, err, "needs both a certificate file and a key file")
	c, err := ClientTLS("", certFile, keyFile, "omniroute.example.com")
	require.NoError(t, err)
	assert.Nil(t, c.RootCAs, "the system's roots")
	assert.Equal(t, "omniroute.example.com", c.ServerName)
	assert.Len(t, c.Certificates, 1)
}
