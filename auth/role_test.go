package auth

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAuthorize is the rule as a table: roles are granted per service, so
// a method that does not exist yet is decided by its service.
func TestAuthorize(t *testing.T) {
	route := &Principal{Name: "checkout", Roles: Roles(RoleRoute)}
	inv := &Principal{Name: "wms", Roles: Roles(RoleInventory)}
	admin := &Principal{Name: "ops", Roles: Roles(RoleAdmin)}
	both := &Principal{Name: "store-app", Roles: Roles(RoleRoute | RoleInventory)}
	const (
		ok   = ""
		unau = "unauthenticated"
		deny = "denied"
	)
	for _, tc := range []struct {
		method string
		want   map[*Principal]string // nil key: no principal
	}{
		{"/omniroute.v1.RoutingService/Route", map[*Principal]string{nil: unau, route: ok, inv: deny, admin: ok, both: ok}},
		{"/omniroute.v1.RoutingService/Options", map[*Principal]string{nil: unau, route: ok, inv: deny, admin: ok, both: ok}},
		{"/omniroute.v1.InventoryService/UpdateStock", map[*Principal]string{nil: unau, route: deny, inv: ok, admin: ok, both: ok}},
		{"/omniroute.v1.NetworkService/ReloadNetwork", map[*Principal]string{nil: unau, route: deny, inv: deny, admin: ok, both: deny}},
		{"/omniroute.v1.PlanningService/Plan", map[*Principal]string{nil: unau, route: deny, inv: deny, admin: ok, both: deny}},
		{"/grpc.health.v1.Health/Check", map[*Principal]string{nil: ok, route: ok, inv: ok, admin: ok, both: ok}},
		{"/grpc.health.v1.Health/Watch", map[*Principal]string{nil: ok, route: ok, inv: ok, admin: ok}},
		{"/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", map[*Principal]string{nil: unau, route: ok, inv: ok, admin: ok}},
		{"/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", map[*Principal]string{nil: unau, inv: ok}},
		{"/omniroute.v1.RoutingService", map[*Principal]string{nil: unau, route: deny, admin: ok}},
		{"omniroute.v1.RoutingService/Route", map[*Principal]string{route: deny, admin: ok}},
		{"/omniroute.v1.RoutingService/Route/x", map[*Principal]string{route: deny}},
		{"", map[*Principal]string{nil: unau, route: deny, admin: ok}},
	} {
		for p, want := range tc.want {
			name := "none"
			if p != nil {
				name = p.Name
			}
			err := Authorize(p, tc.method)
			switch want {
			case ok:
				assert.NoError(t, err, "%s calls %q", name, tc.method)
			case unau:
				assert.ErrorIs(t, err, ErrUnauthenticated, "%s calls %q", name, tc.method)
				assert.Equal(t, http.StatusUnauthorized, HTTPStatus(err))
			case deny:
				require.ErrorIs(t, err, ErrPermissionDenied, "%s calls %q", name, tc.method)
				assert.Contains(t, err.Error(), `client "`+name+`"`)
				assert.Equal(t, http.StatusForbidden, HTTPStatus(err))
			}
		}
	}
	err := Authorize(inv, "/omniroute.v1.RoutingService/Route")
	assert.EqualError(t, err, `permission denied: client "wms" (roles inventory) may not call /omniroute.v1.RoutingService/Route: it needs role route or admin`)
}

func TestRoles(t *testing.T) {
	for _, name := range []string{"route", "inventory", "admin"} {
		r, err := ParseRole(name)
		require.NoError(t, err)
		assert.Equal(t, name, r.String())
	}
	_, err := ParseRole("Admin")
	assert.Error(t, err, "role names are case-sensitive")
	assert.Equal(t, "none", Roles(0).String())
	assert.Equal(t, "route,inventory,admin", AllRoles.String())
}

func TestParseRateLimits(t *testing.T) {
	got, err := ParseRateLimits("checkout=500, bench=0,*=20:5,slow=0.5")
	require.NoError(t, err)
	assert.Equal(t, map[string]Limit{
		"checkout": {PerSecond: 500, Burst: 500},
		"bench":    {},
		"*":        {PerSecond: 20, Burst: 5},
		"slow":     {PerSecond: 0.5, Burst: 1},
	}, got)
	empty, err := ParseRateLimits("")
	require.NoError(t, err)
	assert.Empty(t, empty)
	for _, bad := range []string{"checkout", "checkout=", "=5", "checkout=-1", "checkout=fast", "checkout=5:0", "checkout=0:5", "a b=5", "checkout=1,checkout=2", "checkout=NaN", "checkout=5:x"} {
		_, err := ParseRateLimits(bad)
		assert.Error(t, err, bad)
	}
}

func TestRateLimitsMerge(t *testing.T) {
	a, err := Parse([]byte(goodFile()), "auth.yaml")
	require.NoError(t, err)
	flags, err := ParseRateLimits("checkout=0,ops=10,*=100")
	require.NoError(t, err)
	got, err := RateLimits(a, flags)
	require.NoError(t, err)
	assert.Equal(t, map[string]Limit{
		"checkout": {},                           // the flag lifts the file's limit
		"wms":      {PerSecond: 2.5, Burst: 10},  // from the file
		"ops":      {PerSecond: 10, Burst: 10},   // from the flag
		"*":        {PerSecond: 100, Burst: 100}, // everyone else
	}, got)

	flags, err = ParseRateLimits("nobody=5")
	require.NoError(t, err)
	_, err = RateLimits(a, flags)
	assert.ErrorContains(t, err, "nobody: no such client in the auth file")
	_, err = RateLimits(nil, flags)
	assert.ErrorContains(t, err, "without an auth file")
	flags, err = ParseRateLimits("*=5")
	require.NoError(t, err)
	got, err = RateLimits(nil, flags)
	require.NoError(t, err)
	assert.Equal(t, map[string]Limit{"*": {PerSecond: 5, Burst: 5}}, got)
}
