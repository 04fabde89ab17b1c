package router

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"net/http"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// forwardedCertKey is the metadata key by which the HTTP/JSON gateway hands
// the in-process server the client certificate that the HTTPS handshake
// verified. Only the gateway reaches the in-process server, and the gateway
// passes no client header on as metadata but Authorization, so no client
// can set it; the public gRPC server ignores it.
const forwardedCertKey = "x-omniroute-verified-client-cert"

// forwardCert is the gateway's metadata for r: the DER of the client's
// verified leaf certificate, base64, when mutual TLS verified one.
func forwardCert(_ context.Context, r *http.Request) metadata.MD {
	if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 || len(r.TLS.VerifiedChains[0]) == 0 {
		return nil
	}
	return metadata.Pairs(forwardedCertKey, base64.StdEncoding.EncodeToString(r.TLS.VerifiedChains[0][0].Raw))
}

// forwardedCertCtxKey carries the certificate forwardedCert* read.
type forwardedCertCtxKey struct{}

// withForwardedCert puts the certificate the gateway forwarded, if any,
// in the context, where the guard's authentication finds it.
func withForwardedCert(ctx context.Context) context.Context {
	v := metadata.ValueFromIncomingContext(ctx, forwardedCertKey)
	if len(v) != 1 {
		return ctx
	}
	der, err := base64.StdEncoding.DecodeString(v[0])
	if err != nil {
		return ctx
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return ctx
	}
	return context.WithValue(ctx, forwardedCertCtxKey{}, cert)
}

// forwardedCert is the certificate the gateway forwarded for this call.
func forwardedCert(ctx context.Context) *x509.Certificate {
	c, _ := ctx.Value(forwardedCertCtxKey{}).(*x509.Certificate)
	return c
}

// forwardedCertUnary runs first on the in-process server only.
func forwardedCertUnary(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	return handler(withForwardedCert(ctx), req)
}

// forwardedCertStream runs first on the in-process server only.
func forwardedCertStream(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	return handler(srv, withContext(ss, withForwardedCert(ss.Context())))
}
