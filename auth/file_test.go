package auth

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/auth/authtest"
)

// sha of "checkout-token", "wms-token", "old", "new".
var (
	checkoutSum = authtest.SHA256("checkout-token")
	wmsSum      = authtest.SHA256("wms-token")
)

func goodFile() string {
	return `# omniroute clients
clients:
  - name: checkout
    token_sha256: ` + checkoutSum + `
    roles: [route]
    rate_limit: 500
  - name: wms
    token_sha256: [` + strings.ToUpper(wmsSum) + `, ` + authtest.SHA256("wms-next") + `]
    roles: [inventory, route]
    rate_limit: 2.5
    burst: 10
  - name: pos-feed
    cert_cn: pos-feed.example.com
    roles: [inventory]
  - name: ops
    token_sha256: ` + authtest.SHA256("ops-token") + `
    cert_cn: ops.example.com
    roles: [admin]
`
}

func TestParseGoodFile(t *testing.T) {
	a, err := Parse([]byte(goodFile()), "auth.yaml")
	require.NoError(t, err)
	cs := a.Clients()
	require.Len(t, cs, 4)
	assert.Equal(t, "checkout", cs[0].Name)
	assert.Equal(t, Roles(RoleRoute), cs[0].Roles)
	assert.Equal(t, Limit{PerSecond: 500, Burst: 500}, cs[0].RateLimit)
	assert.Equal(t, 3, cs[0].Line)
	assert.Len(t, cs[1].TokenSHA256, 2, "a token list while rotating")
	assert.Equal(t, "route,inventory", cs[1].Roles.String())
	assert.Equal(t, Limit{PerSecond: 2.5, Burst: 10}, cs[1].RateLimit)
	assert.Equal(t, Limit{}, cs[2].RateLimit)
	assert.Equal(t, "pos-feed.example.com", cs[2].CertCN)
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "nope.yaml")
	p := filepath.Join(t.TempDir(), "auth.yaml")
	require.NoError(t, os.WriteFile(p, []byte(goodFile()), 0o600))
	a, err := Load(p)
	require.NoError(t, err)
	assert.Len(t, a.Clients(), 4)
}

// TestParseErrors: every mistake names the file, the line and the field.
func TestParseErrors(t *testing.T) {
	tok := "    token_sha256: " + checkoutSum + "\n"
	for _, tc := range []struct {
		name, file, want string
	}{
		{"empty", "", "auth.yaml: invalid auth file: empty file"},
		{"not yaml", "clients: [", "auth.yaml: invalid auth file: yaml: line 1"},
		{"top-level unknown key", "clients:\n  - name: a\n" + tok + "    roles: [route]\nclient: []\n", "line 5: client: unknown key (want clients)"},
		{"no clients", "clients: []\n", "line 1: clients: want a list of at least one client"},
		{"client unknown key", "clients:\n  - name: a\n" + tok + "    roles: [route]\n    tokn: x\n", "line 5: clients[0].tokn: unknown key (want name, token_sha256, cert_cn, roles, rate_limit, burst)"},
		{"bad hex", "clients:\n  - name: a\n    token_sha256: " + strings.Repeat("zz", 32) + "\n    roles: [route]\n", "line 3: clients[0].token_sha256: not hex"},
		{"short hex", "clients:\n  - name: a\n    token_sha256: abcd\n    roles: [route]\n", "line 3: clients[0].token_sha256: 4 characters, want the 64 hex digits"},
		{"bad hex in a list", "clients:\n  - name: a\n    token_sha256:\n      - " + checkoutSum + "\n      - nothex\n    roles: [route]\n", "line 5: clients[0].token_sha256[1]: 6 characters"},
		{"unknown role", "clients:\n  - name: a\n" + tok + "    roles: [route, superuser]\n", `line 4: clients[0].roles[1]: unknown role "superuser"`},
		{"no roles", "clients:\n  - name: a\n" + tok + "    roles: []\n", "line 4: clients[0].roles: want a list of at least one role"},
		{"roles missing", "clients:\n  - name: a\n" + tok, `line 2: clients[0].roles: client "a": at least one role required`},
		{"role twice", "clients:\n  - name: a\n" + tok + "    roles: [route, route]\n", "clients[0].roles[1]: role route given twice"},
		{"no name", "clients:\n  - roles: [route]\n" + tok, "line 2: clients[0].name: required"},
		{"bad name", "clients:\n  - name: 'a b'\n" + tok + "    roles: [route]\n", `line 2: clients[0].name: "a b": want 1 to 64 letters`},
		{"no way in", "clients:\n  - name: a\n    roles: [route]\n", `line 2: clients[0]: client "a": needs token_sha256 or cert_cn`},
		{"key twice", "clients:\n  - name: a\n    name: b\n" + tok + "    roles: [route]\n", "line 3: clients[0].name: given twice"},
		{"duplicate name", "clients:\n  - name: a\n" + tok + "    roles: [route]\n  - name: a\n    token_sha256: " + wmsSum + "\n    roles: [route]\n", `line 5: clients[1].name: "a" is also the name of clients[0]`},
		{"duplicate token", "clients:\n  - name: a\n" + tok + "    roles: [route]\n  - name: b\n" + tok + "    roles: [route]\n", `line 5: clients[1].token_sha256: client "b" has the same token as "a"`},
		{"duplicate cert_cn", "clients:\n  - name: a\n    cert_cn: x\n    roles: [route]\n  - name: b\n    cert_cn: x\n    roles: [route]\n", `line 5: clients[1].cert_cn: "x" is also the cert_cn of "a"`},
		{"negative rate", "clients:\n  - name: a\n" + tok + "    roles: [route]\n    rate_limit: -1\n", `line 5: clients[0].rate_limit: "-1": want calls per second`},
		{"rate not a number", "clients:\n  - name: a\n" + tok + "    roles: [route]\n    rate_limit: fast\n", `clients[0].rate_limit: "fast"`},
		{"burst without rate", "clients:\n  - name: a\n" + tok + "    roles: [route]\n    burst: 5\n", `line 5: clients[0].burst: client "a": a burst needs a rate_limit above 0`},
		{"zero burst", "clients:\n  - name: a\n" + tok + "    roles: [route]\n    rate_limit: 5\n    burst: 0\n", `line 6: clients[0].burst: "0": want a whole number`},
		{"client not a mapping", "clients:\n  - checkout\n", "line 2: clients[0]: want a mapping"},
		{"null token", "clients:\n  - name: a\n    token_sha256:\n    roles: [route]\n", "line 3: clients[0].token_sha256: want a single value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.file), "auth.yaml")
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidFile)
			assert.Contains(t, err.Error(), tc.want)
			assert.True(t, strings.HasPrefix(err.Error(), "auth.yaml: "), "error %q does not name the file", err)
		})
	}
}

func TestAuthenticate(t *testing.T) {
	a, err := Parse([]byte(goodFile()), "auth.yaml")
	require.NoError(t, err)
	cert := func(cn string) *x509.Certificate { return &x509.Certificate{Subject: pkix.Name{CommonName: cn}} }
	for _, tc := range []struct {
		name  string
		creds Credentials
		who   string
		via   Via
		err   string
	}{
		{"token", Credentials{Authorization: "Bearer checkout-token"}, "checkout", ViaToken, ""},
		{"scheme in any case", Credentials{Authorization: "bearer checkout-token"}, "checkout", ViaToken, ""},
		{"second token of a rotation", Credentials{Authorization: "Bearer wms-next"}, "wms", ViaToken, ""},
		{"hex in upper case in the file", Credentials{Authorization: "Bearer wms-token"}, "wms", ViaToken, ""},
		{"certificate", Credentials{Certificate: cert("pos-feed.example.com")}, "pos-feed", ViaCertificate, ""},
		{"token wins over certificate", Credentials{Authorization: "Bearer checkout-token", Certificate: cert("ops.example.com")}, "checkout", ViaToken, ""},
		{"nothing", Credentials{}, "", "", "no credentials"},
		{"unknown token", Credentials{Authorization: "Bearer nope"}, "", "", "unknown token"},
		{"wrong token with a good certificate", Credentials{Authorization: "Bearer nope", Certificate: cert("ops.example.com")}, "", "", "unknown token"},
		{"basic scheme", Credentials{Authorization: "Basic Y2hlY2tvdXQ6eA=="}, "", "", "malformed authorization header"},
		{"no token", Credentials{Authorization: "Bearer "}, "", "", "malformed authorization header"},
		{"token only", Credentials{Authorization: "checkout-token"}, "", "", "malformed authorization header"},
		{"two tokens", Credentials{Authorization: "Bearer checkout-token wms-token"}, "", "", "malformed authorization header"},
		{"certificate nobody claims", Credentials{Certificate: cert("stranger")}, "", "", `no client has cert_cn "stranger"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := a.Authenticate(tc.creds)
			if tc.err != "" {
				require.ErrorIs(t, err, ErrUnauthenticated)
				assert.Contains(t, err.Error(), tc.err)
				assert.NotContains(t, err.Error(), "checkout-token", "an error must not echo the token")
				assert.Nil(t, p)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.who, p.Name)
			assert.Equal(t, tc.via, p.Via)
		})
	}
}

func TestAnonymous(t *testing.T) {
	p := Anonymous(Credentials{})
	assert.Equal(t, AnonymousName, p.Name)
	assert.Equal(t, AllRoles, p.Roles)
	p = Anonymous(Credentials{Certificate: &x509.Certificate{Subject: pkix.Name{CommonName: "edge-1"}}})
	assert.Equal(t, "edge-1", p.Name)
	assert.Equal(t, ViaCertificate, p.Via)
}

func TestNewRefusesBadClients(t *testing.T) {
	sum := [32]byte{1}
	_, err := New(nil)
	assert.ErrorIs(t, err, ErrInvalidFile)
	_, err = New([]Client{{Name: "a", Roles: AllRoles + 1, TokenSHA256: [][32]byte{sum}}})
	assert.ErrorContains(t, err, "known role")
	_, err = New([]Client{{Name: "a", Roles: Roles(RoleRoute), TokenSHA256: [][32]byte{sum, sum}}})
	assert.ErrorContains(t, err, "lists the same token twice")
	a, err := New([]Client{{Name: "a", Roles: Roles(RoleRoute), TokenSHA256: [][32]byte{sum}, RateLimit: Limit{PerSecond: 0.5}}})
	require.NoError(t, err)
	assert.Equal(t, Limit{PerSecond: 0.5, Burst: 1}, a.Clients()[0].RateLimit, "the default burst is at least one call")
}
