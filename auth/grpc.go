package auth

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
)

// AuthorizationKey is the gRPC metadata key of the bearer token.
const AuthorizationKey = "authorization"

// FromGRPC reads the credentials of an incoming gRPC call: its
// authorization metadata and the client certificate its TLS handshake
// verified. More than one authorization value is malformed.
func FromGRPC(ctx context.Context) (Credentials, error) {
	var c Credentials
	switch v := metadata.ValueFromIncomingContext(ctx, AuthorizationKey); len(v) {
	case 0:
	case 1:
		c.Authorization = v[0]
		if c.Authorization == "" {
			return c, fmt.Errorf("%w: empty authorization header: want \"Bearer <token>\"", ErrUnauthenticated)
		}
	default:
		return c, fmt.Errorf("%w: %d authorization headers, want one", ErrUnauthenticated, len(v))
	}
	if p, ok := peer.FromContext(ctx); ok {
		if ti, ok := p.AuthInfo.(credentials.TLSInfo); ok && len(ti.State.VerifiedChains) > 0 && len(ti.State.VerifiedChains[0]) > 0 {
			c.Certificate = ti.State.VerifiedChains[0][0]
		}
	}
	return c, nil
}

// GRPCError turns an error of Authenticate or Authorize into a gRPC status
// error: Unauthenticated or PermissionDenied with the error's message;
// anything else is Internal.
func GRPCError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrUnauthenticated):
		return status.Error(codes.Unauthenticated, err.Error())
	case errors.Is(err, ErrPermissionDenied):
		return status.Error(codes.PermissionDenied, err.Error())
	}
	return status.Error(codes.Internal, err.Error())
}

// Bearer is a client's per-call credentials: it sends "authorization:
// Bearer <token>" with every call.
type Bearer struct {
	// Token is sent as is.
	Token string
	// AllowPlaintext lets the token go over a connection without TLS
	// (a loopback address, or one the user accepted as insecure). gRPC
	// refuses to send it otherwise.
	AllowPlaintext bool
}

var _ credentials.PerRPCCredentials = Bearer{}

// GetRequestMetadata returns the authorization header.
func (b Bearer) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{AuthorizationKey: "Bearer " + b.Token}, nil
}

// RequireTransportSecurity is true unless AllowPlaintext is set.
func (b Bearer) RequireTransportSecurity() bool { return !b.AllowPlaintext }
