package auth

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"
)

// ServerTLS is a server's TLS read from files: its certificate and key,
// and, for mutual TLS, the CA certificates that client certificates must
// chain to. Reload reads the files again; handshakes after it use what it
// read, connections already open keep theirs. It is safe for concurrent
// use.
type ServerTLS struct {
	certFile, keyFile, clientCAFile string
	cur                             atomic.Pointer[serverMaterial]
}

// serverMaterial is one reading of the files.
type serverMaterial struct {
	cert      tls.Certificate
	clientCAs *x509.CertPool // nil without mutual TLS
	notAfter  time.Time
}

// LoadServerTLS reads the server's certificate chain and key (PEM) and,
// when clientCAFile is not empty, the CA certificates (PEM) that every
// client must present a certificate from.
func LoadServerTLS(certFile, keyFile, clientCAFile string) (*ServerTLS, error) {
	s := &ServerTLS{certFile: certFile, keyFile: keyFile, clientCAFile: clientCAFile}
	if err := s.Reload(); err != nil {
		return nil, err
	}
	return s, nil
}

// Reload reads the files again. On error the TLS in use stays.
func (s *ServerTLS) Reload() error {
	if s.certFile == "" || s.keyFile == "" {
		return errors.New("tls: a certificate file and a key file are both required")
	}
	cert, err := tls.LoadX509KeyPair(s.certFile, s.keyFile)
	if err != nil {
		return fmt.Errorf("tls certificate %s, key %s: %w", s.certFile, s.keyFile, err)
	}
	m := &serverMaterial{cert: cert}
	if cert.Leaf != nil {
		m.notAfter = cert.Leaf.NotAfter
	}
	if s.clientCAFile != "" {
		if m.clientCAs, err = loadPool(s.clientCAFile); err != nil {
			return fmt.Errorf("tls client CA: %w", err)
		}
	}
	s.cur.Store(m)
	return nil
}

// MutualTLS reports whether client certificates are required.
func (s *ServerTLS) MutualTLS() bool { return s.clientCAFile != "" }

// NotAfter is when the certificate in use expires.
func (s *ServerTLS) NotAfter() time.Time { return s.cur.Load().notAfter }

// Config returns a TLS configuration offering the given application
// protocols (ALPN: "h2" for gRPC; "h2", "http/1.1" for HTTP). Every
// handshake takes the files' latest reading. Under mutual TLS a client
// without a certificate from the client CA is refused in the handshake.
func (s *ServerTLS) Config(nextProtos ...string) *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: nextProtos,
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			m := s.cur.Load()
			c := &tls.Config{
				MinVersion:   tls.VersionTLS12,
				NextProtos:   nextProtos,
				Certificates: []tls.Certificate{m.cert},
			}
			if m.clientCAs != nil {
				c.ClientAuth = tls.RequireAndVerifyClientCert
				c.ClientCAs = m.clientCAs
			}
			return c, nil
		},
	}
}

// ClientTLS is a client's TLS: the server is verified against the CA
// certificates in caFile (the system's roots when empty), under the name
// serverName (the dialled host when empty); certFile and keyFile, both or
// neither, are the client's certificate for mutual TLS.
func ClientTLS(caFile, certFile, keyFile, serverName string) (*tls.Config, error) {
	c := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: serverName}
	if caFile != "" {
		pool, err := loadPool(caFile)
		if err != nil {
			return nil, fmt.Errorf("tls CA: %w", err)
		}
		c.RootCAs = pool
	}
	switch {
	case certFile != "" && keyFile != "":
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("tls client certificate %s, key %s: %w", certFile, keyFile, err)
		}
		c.Certificates = []tls.Certificate{cert}
	case certFile != "" || keyFile != "":
		return nil, errors.New("tls: a client certificate needs both a certificate file and a key file")
	}
	return c, nil
}

// loadPool reads PEM CA certificates.
func loadPool(path string) (*x509.CertPool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("%s: no PEM certificate in it", path)
	}
	return pool, nil
}
