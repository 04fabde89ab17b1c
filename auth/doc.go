// Package auth decides who may call omniroute and what they may call.
//
// # Clients and how they prove who they are
//
// An auth file (YAML, see Load) lists the clients. Each has a unique name,
// one or more roles, and at least one way to prove who it is:
//
//   - a bearer token: the file keeps only the token's SHA-256 (token_sha256,
//     64 hex digits; a list of them while a token is being rotated), and the
//     client sends "authorization: Bearer <token>" (gRPC metadata or the HTTP
//     header). A presented token is hashed and compared with every known hash
//     in constant time.
//   - a client certificate (mutual TLS): a client entry with cert_cn matches a
//     certificate that the server's TLS layer has already verified against
//     its client CA and whose subject common name is exactly cert_cn.
//
// When a call carries a token, the token decides (a wrong token is refused
// even if the certificate would match); without a token a verified
// certificate decides. Authenticator.Authenticate implements this order.
// Without an auth file nobody is authenticated: Anonymous gives every caller
// all roles, named "anonymous" (or by its certificate's common name under
// mutual TLS).
//
// # Roles are granted per service
//
//	role       may call
//	route      every method of omniroute.v1.RoutingService
//	inventory  every method of omniroute.v1.InventoryService
//	admin      every method of every service (NetworkService, planning, ...)
//
// A method added to a service later is covered by its service's role; a
// service with no role of its own needs admin. grpc.health.v1.Health is open
// to everyone, authenticated or not; server reflection (when the server
// offers it) is open to every authenticated client. Require and Authorize
// hold this rule, and are the only place it is written.
//
// # Outcomes
//
// A call without credentials, with a malformed authorization header or with
// an unknown token fails with ErrUnauthenticated (gRPC Unauthenticated, HTTP
// 401); a known client without the role fails with ErrPermissionDenied (gRPC
// PermissionDenied, HTTP 403). GRPCError and HTTPStatus translate them.
//
// # HTTP
//
// Nothing here depends on the transport but the helpers in grpc.go. An HTTP
// front (such as a grpc-gateway) that forwards the Authorization header into
// gRPC metadata and calls the gRPC server in-process gets the same decisions
// from the server's interceptors. An HTTP middleware that decides on its own
// authenticates with Authenticate(Credentials{Authorization:
// r.Header.Get("Authorization"), Certificate: <r.TLS.VerifiedChains[0][0]>})
// and authorises the full gRPC method name the request is transcoded to
// ("POST /v1/route" -> "/omniroute.v1.RoutingService/Route") with Authorize;
// HTTPStatus gives the status code to answer.
//
// The package holds no global mutable state; an Authenticator is immutable
// and safe for concurrent use.
package auth
