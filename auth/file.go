package auth

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// ErrInvalidFile is wrapped by every error about the content of an auth
// file; the message names the file, the line and the field.
var ErrInvalidFile = errors.New("invalid auth file")

// Client is one client of the auth file.
type Client struct {
	// Name identifies the client in logs, metrics and rate limits.
	Name string
	// Roles are what the client may call.
	Roles Roles
	// TokenSHA256 are the SHA-256 sums of the client's bearer tokens (more
	// than one while a token is being rotated).
	TokenSHA256 [][sha256.Size]byte
	// CertCN, when set, is the subject common name of the client's
	// certificate under mutual TLS.
	CertCN string
	// RateLimit is the client's own rate limit (zero: none given).
	RateLimit Limit
	// Line is where the client's entry starts in the file.
	Line int
}

// Limit is a rate limit: PerSecond calls a second on average, in bursts of
// at most Burst calls. Zero PerSecond means no limit.
type Limit struct {
	PerSecond float64
	Burst     int
}

// MaxRate is the largest rate limit accepted, in calls per second.
const MaxRate = 1e9

// WithDefaultBurst returns l with a zero Burst set to one second of calls
// (at least one).
func (l Limit) WithDefaultBurst() Limit {
	if l.PerSecond > 0 && l.Burst == 0 {
		l.Burst = max(1, int(math.Ceil(l.PerSecond)))
	}
	return l
}

// String is "500/s burst 500", or "none".
func (l Limit) String() string {
	if l.PerSecond == 0 {
		return "none"
	}
	return strconv.FormatFloat(l.PerSecond, 'g', -1, 64) + "/s burst " + strconv.Itoa(l.Burst)
}

// validName is what a client name may look like: it appears in logs,
// metrics and in --rate-limit.
var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// Load reads an auth file. See Parse for its format.
func Load(path string) (*Authenticator, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("auth file: %w", err)
	}
	return Parse(data, filepath.Base(path))
}

// Parse reads an auth file; name (usually the file name) starts every
// error. The file is YAML:
//
//	clients:
//	  - name: checkout               # unique; letters, digits, . _ -
//	    token_sha256: 9f86d08188...  # 64 hex digits, or a list of them
//	    roles: [route]               # route, inventory, admin
//	    rate_limit: 500              # calls per second; optional
//	    burst: 100                   # optional; default one second of calls
//	  - name: pos-feed
//	    cert_cn: pos-feed.example.com   # client certificate subject CN
//	    roles: [inventory]
//
// Unknown keys, bad hex, unknown roles, duplicate names, tokens or
// certificate names are errors naming the line. Every client needs a role
// and a token or a cert_cn.
func Parse(data []byte, name string) (*Authenticator, error) {
	clients, err := parseClients(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	a, err := New(clients)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return a, nil
}

// fileError is an error about one field of the file.
func fileError(n *yaml.Node, field, format string, args ...any) error {
	return fmt.Errorf("%w: line %d: %s: %s", ErrInvalidFile, n.Line, field, fmt.Sprintf(format, args...))
}

// clientKeys are the keys a client entry may have, in the order errors
// list them.
var clientKeys = []string{"name", "token_sha256", "cert_cn", "roles", "rate_limit", "burst"}

func parseClients(data []byte) ([]Client, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidFile, err)
	}
	if len(root.Content) == 0 {
		return nil, fmt.Errorf("%w: empty file: want a clients list", ErrInvalidFile)
	}
	doc := resolve(root.Content[0])
	if doc.Kind != yaml.MappingNode {
		return nil, fileError(doc, "file", "want a mapping with a clients list")
	}
	var list *yaml.Node
	err := eachKey(doc, "", []string{"clients"}, func(key string, v *yaml.Node) error {
		list = v
		return nil
	})
	if err != nil {
		return nil, err
	}
	if list == nil {
		return nil, fileError(doc, "clients", "required")
	}
	if list.Kind != yaml.SequenceNode || len(list.Content) == 0 {
		return nil, fileError(list, "clients", "want a list of at least one client")
	}
	clients := make([]Client, 0, len(list.Content))
	for i, n := range list.Content {
		c, err := parseClient(fmt.Sprintf("clients[%d]", i), resolve(n))
		if err != nil {
			return nil, err
		}
		clients = append(clients, c)
	}
	return clients, nil
}

func parseClient(f string, n *yaml.Node) (Client, error) {
	c := Client{Line: n.Line}
	if n.Kind != yaml.MappingNode {
		return c, fileError(n, f, "want a mapping (name, token_sha256 or cert_cn, roles)")
	}
	var burstNode *yaml.Node
	err := eachKey(n, f+".", clientKeys, func(key string, v *yaml.Node) error {
		field := f + "." + key
		switch key {
		case "name":
			s, err := scalar(v, field)
			if err != nil {
				return err
			}
			if !validName.MatchString(s) {
				return fileError(v, field, "%q: want 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit", s)
			}
			c.Name = s
		case "token_sha256":
			items := []*yaml.Node{v}
			if v.Kind == yaml.SequenceNode {
				items = v.Content
				if len(items) == 0 {
					return fileError(v, field, "empty list")
				}
			}
			for j, it := range items {
				fj := field
				if v.Kind == yaml.SequenceNode {
					fj = fmt.Sprintf("%s[%d]", field, j)
				}
				s, err := scalar(resolve(it), fj)
				if err != nil {
					return err
				}
				sum, err := parseSum(s)
				if err != nil {
					return fileError(it, fj, "%v", err)
				}
				c.TokenSHA256 = append(c.TokenSHA256, sum)
			}
		case "cert_cn":
			s, err := scalar(v, field)
			if err != nil {
				return err
			}
			if s == "" {
				return fileError(v, field, "empty")
			}
			c.CertCN = s
		case "roles":
			if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
				return fileError(v, field, "want a list of at least one role (route, inventory, admin)")
			}
			for j, it := range v.Content {
				fj := fmt.Sprintf("%s[%d]", field, j)
				s, err := scalar(resolve(it), fj)
				if err != nil {
					return err
				}
				r, err := ParseRole(s)
				if err != nil {
					return fileError(it, fj, "%v", err)
				}
				if c.Roles.Has(r) {
					return fileError(it, fj, "role %s given twice", r)
				}
				c.Roles = c.Roles.With(r)
			}
		case "rate_limit":
			s, err := scalar(v, field)
			if err != nil {
				return err
			}
			r, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsNaN(r) || r < 0 || r > MaxRate {
				return fileError(v, field, "%q: want calls per second, 0 (none) to %g", s, float64(MaxRate))
			}
			c.RateLimit.PerSecond = r
		case "burst":
			s, err := scalar(v, field)
			if err != nil {
				return err
			}
			b, err := strconv.Atoi(s)
			if err != nil || b < 1 || b > MaxRate {
				return fileError(v, field, "%q: want a whole number of calls, at least 1", s)
			}
			c.RateLimit.Burst = b
			burstNode = v
		}
		return nil
	})
	if err != nil {
		return c, err
	}
	switch {
	case c.Name == "":
		return c, fileError(n, f+".name", "required")
	case c.Roles == 0:
		return c, fileError(n, f+".roles", "client %q: at least one role required (route, inventory, admin)", c.Name)
	case len(c.TokenSHA256) == 0 && c.CertCN == "":
		return c, fileError(n, f, "client %q: needs token_sha256 or cert_cn (or both)", c.Name)
	case burstNode != nil && c.RateLimit.PerSecond == 0:
		return c, fileError(burstNode, f+".burst", "client %q: a burst needs a rate_limit above 0", c.Name)
	}
	c.RateLimit = c.RateLimit.WithDefaultBurst()
	return c, nil
}

// parseSum reads a SHA-256 sum written in hex (either case).
func parseSum(s string) ([sha256.Size]byte, error) {
	var sum [sha256.Size]byte
	if len(s) != 2*sha256.Size {
		return sum, fmt.Errorf("%d characters, want the 64 hex digits of a SHA-256 sum", len(s))
	}
	if _, err := hex.Decode(sum[:], []byte(s)); err != nil {
		return sum, errors.New("not hex: want the 64 hex digits of a SHA-256 sum")
	}
	return sum, nil
}

// eachKey calls fn for every key of the mapping n, refusing keys not in
// known and keys given twice.
func eachKey(n *yaml.Node, prefix string, known []string, fn func(key string, v *yaml.Node) error) error {
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		found := false
		for _, w := range known {
			found = found || w == k.Value
		}
		if !found {
			return fileError(k, prefix+k.Value, "unknown key (want %s)", strings.Join(known, ", "))
		}
		if seen[k.Value] {
			return fileError(k, prefix+k.Value, "given twice")
		}
		seen[k.Value] = true
		if err := fn(k.Value, v); err != nil {
			return err
		}
	}
	return nil
}

// scalar returns the text of a scalar node.
func scalar(n *yaml.Node, field string) (string, error) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", fileError(n, field, "want a single value")
	}
	return n.Value, nil
}

// resolve follows an alias.
func resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}
