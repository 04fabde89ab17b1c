package auth

import (
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"fmt"
	"strings"
)

// Credentials are what a call presents: the value of its authorization
// header (gRPC metadata or HTTP) and the client certificate the TLS layer
// verified, if any.
type Credentials struct {
	// Authorization is the authorization header, "Bearer <token>"; empty
	// when none was sent.
	Authorization string
	// Certificate is the verified leaf certificate of the client; nil
	// without mutual TLS. It must come from a verified chain: the
	// Authenticator does not verify it.
	Certificate *x509.Certificate
}

// Authenticator knows the clients of an auth file and tells who a call is.
// It is immutable and safe for concurrent use.
type Authenticator struct {
	clients []Client
	// byToken and byCert are each client's principal as established by
	// a token and by a certificate, by client index; they are shared
	// between calls and never changed.
	byToken, byCert []*Principal
	tokens          []tokenHash
	byCN            map[string]int
}

// tokenHash is one known token sum and the client it belongs to.
type tokenHash struct {
	sum    [sha256.Size]byte
	client int
}

// New returns an authenticator over clients, refusing duplicate names,
// tokens and certificate names, and clients without roles or without a
// way to authenticate.
func New(clients []Client) (*Authenticator, error) {
	if len(clients) == 0 {
		return nil, fmt.Errorf("%w: no clients", ErrInvalidFile)
	}
	a := &Authenticator{clients: clients, byCN: map[string]int{}}
	names := map[string]int{}
	sums := map[[sha256.Size]byte]int{}
	where := func(c Client) string {
		if c.Line > 0 {
			return fmt.Sprintf("line %d: ", c.Line)
		}
		return ""
	}
	for i, c := range clients {
		f := fmt.Sprintf("clients[%d]", i)
		if !validName.MatchString(c.Name) {
			return nil, fmt.Errorf("%w: %s%s.name: %q is not a valid client name", ErrInvalidFile, where(c), f, c.Name)
		}
		if j, dup := names[c.Name]; dup {
			return nil, fmt.Errorf("%w: %s%s.name: %q is also the name of clients[%d]", ErrInvalidFile, where(c), f, c.Name, j)
		}
		names[c.Name] = i
		if c.Roles == 0 || c.Roles&^AllRoles != 0 {
			return nil, fmt.Errorf("%w: %s%s.roles: client %q needs at least one known role", ErrInvalidFile, where(c), f, c.Name)
		}
		if len(c.TokenSHA256) == 0 && c.CertCN == "" {
			return nil, fmt.Errorf("%w: %s%s: client %q needs token_sha256 or cert_cn", ErrInvalidFile, where(c), f, c.Name)
		}
		for _, s := range c.TokenSHA256 {
			if j, dup := sums[s]; dup {
				if j == i {
					return nil, fmt.Errorf("%w: %s%s.token_sha256: client %q lists the same token twice", ErrInvalidFile, where(c), f, c.Name)
				}
				return nil, fmt.Errorf("%w: %s%s.token_sha256: client %q has the same token as %q", ErrInvalidFile, where(c), f, c.Name, clients[j].Name)
			}
			sums[s] = i
			a.tokens = append(a.tokens, tokenHash{sum: s, client: i})
		}
		if c.CertCN != "" {
			if j, dup := a.byCN[c.CertCN]; dup {
				return nil, fmt.Errorf("%w: %s%s.cert_cn: %q is also the cert_cn of %q", ErrInvalidFile, where(c), f, c.CertCN, clients[j].Name)
			}
			a.byCN[c.CertCN] = i
		}
		if c.RateLimit.PerSecond < 0 || c.RateLimit.PerSecond > MaxRate || c.RateLimit.Burst < 0 {
			return nil, fmt.Errorf("%w: %s%s.rate_limit: client %q: %v is out of range", ErrInvalidFile, where(c), f, c.Name, c.RateLimit)
		}
		clients[i].RateLimit = c.RateLimit.WithDefaultBurst()
		a.byToken = append(a.byToken, &Principal{Name: c.Name, Roles: c.Roles, Via: ViaToken})
		a.byCert = append(a.byCert, &Principal{Name: c.Name, Roles: c.Roles, Via: ViaCertificate})
	}
	return a, nil
}

// Clients returns the clients, in file order. The slice must not be
// changed.
func (a *Authenticator) Clients() []Client { return a.clients }

// Client returns the client with the given name.
func (a *Authenticator) Client(name string) (Client, bool) {
	for _, c := range a.clients {
		if c.Name == name {
			return c, true
		}
	}
	return Client{}, false
}

// Authenticate tells who presents c: the client whose token c carries, or
// without a token the client whose cert_cn is the certificate's common
// name. It returns an error wrapping ErrUnauthenticated when c carries
// nothing, a malformed header, an unknown token, or only a certificate
// that no client claims. The error never contains the token.
func (a *Authenticator) Authenticate(c Credentials) (*Principal, error) {
	if c.Authorization != "" {
		token, err := BearerToken(c.Authorization)
		if err != nil {
			return nil, err
		}
		i, ok := a.tokenClient(token)
		if !ok {
			return nil, fmt.Errorf("%w: unknown token", ErrUnauthenticated)
		}
		return a.byToken[i], nil
	}
	if c.Certificate != nil {
		cn := c.Certificate.Subject.CommonName
		if i, ok := a.byCN[cn]; ok {
			return a.byCert[i], nil
		}
		return nil, fmt.Errorf("%w: no client has cert_cn %q", ErrUnauthenticated, cn)
	}
	return nil, fmt.Errorf("%w: no credentials: send \"authorization: Bearer <token>\"", ErrUnauthenticated)
}

// tokenClient finds the client of a token by its SHA-256 sum. Every known
// sum is compared, in constant time, whether or not one matched already.
func (a *Authenticator) tokenClient(token string) (int, bool) {
	sum := sha256.Sum256([]byte(token))
	found := -1
	for _, t := range a.tokens {
		eq := subtle.ConstantTimeCompare(sum[:], t.sum[:])
		found = subtle.ConstantTimeSelect(eq, t.client, found)
	}
	return found, found >= 0
}

// BearerToken returns the token of an authorization header "Bearer
// <token>" (the scheme in any case, RFC 6750), or an error wrapping
// ErrUnauthenticated.
func BearerToken(header string) (string, error) {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", fmt.Errorf("%w: malformed authorization header: want \"Bearer <token>\"", ErrUnauthenticated)
	}
	token = strings.TrimLeft(token, " ")
	if token == "" || strings.ContainsAny(token, " \t\r\n") {
		return "", fmt.Errorf("%w: malformed authorization header: want \"Bearer <token>\"", ErrUnauthenticated)
	}
	return token, nil
}
