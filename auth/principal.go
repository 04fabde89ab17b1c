package auth

import "context"

// Via says how a principal proved who it is.
type Via string

// The ways a principal is established.
const (
	// ViaToken: a bearer token from the auth file.
	ViaToken Via = "token"
	// ViaCertificate: a verified client certificate (mutual TLS).
	ViaCertificate Via = "certificate"
	// ViaNone: authentication is off (no auth file).
	ViaNone Via = "none"
)

// AnonymousName names the caller when authentication is off and it has
// no client certificate.
const AnonymousName = "anonymous"

// Principal is an authenticated caller: its client name, its roles and
// how it proved who it is. Principals are shared and must not be changed.
type Principal struct {
	Name  string
	Roles Roles
	Via   Via
}

type principalKey struct{}

// NewContext returns ctx carrying p.
func NewContext(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the principal in ctx, or nil.
func FromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// Anonymous is the principal of a caller when authentication is off: it
// holds every role and is named after its verified certificate's common
// name, or AnonymousName.
func Anonymous(c Credentials) *Principal {
	if c.Certificate != nil && c.Certificate.Subject.CommonName != "" {
		return &Principal{Name: c.Certificate.Subject.CommonName, Roles: AllRoles, Via: ViaCertificate}
	}
	return anonymous
}

// anonymous is shared by every call without a certificate; it is never
// changed.
var anonymous = &Principal{Name: AnonymousName, Roles: AllRoles, Via: ViaNone}
