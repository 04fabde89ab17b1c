package auth

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	reflectionv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
	reflectionv1alpha "google.golang.org/grpc/reflection/grpc_reflection_v1alpha"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
)

// Role is one permission a client may hold. Roles form a set (Roles).
type Role uint8

// The roles. Each grants every method of one service; RoleAdmin grants all.
const (
	// RoleRoute grants omniroute.v1.RoutingService.
	RoleRoute Role = 1 << iota
	// RoleInventory grants omniroute.v1.InventoryService.
	RoleInventory
	// RoleAdmin grants every method of every service.
	RoleAdmin
)

// roleNames lists the roles in the order they are printed.
var roleNames = [...]struct {
	role Role
	name string
}{{RoleRoute, "route"}, {RoleInventory, "inventory"}, {RoleAdmin, "admin"}}

// ParseRole reads a role name: route, inventory or admin.
func ParseRole(s string) (Role, error) {
	for _, r := range roleNames {
		if r.name == s {
			return r.role, nil
		}
	}
	return 0, fmt.Errorf("unknown role %q (want route, inventory or admin)", s)
}

// String is the role's name.
func (r Role) String() string {
	for _, n := range roleNames {
		if n.role == r {
			return n.name
		}
	}
	return fmt.Sprintf("Role(%d)", uint8(r))
}

// Roles is a set of roles.
type Roles uint8

// AllRoles holds every role.
const AllRoles = Roles(RoleRoute | RoleInventory | RoleAdmin)

// Has reports whether the set holds r.
func (rs Roles) Has(r Role) bool { return rs&Roles(r) != 0 }

// With returns the set with r added.
func (rs Roles) With(r Role) Roles { return rs | Roles(r) }

// String lists the roles, comma-separated ("route,inventory").
func (rs Roles) String() string {
	var names []string
	for _, n := range roleNames {
		if rs.Has(n.role) {
			names = append(names, n.name)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ",")
}

// Requirement is what a method asks of its caller.
type Requirement struct {
	// Open methods may be called by anyone, authenticated or not.
	Open bool
	// Role is the role that grants the method besides RoleAdmin; zero
	// means any authenticated client.
	Role Role
}

// Require returns what the method with the given full gRPC name
// ("/package.Service/Method") needs. Access is granted per service: a
// method added to a service later needs what its service needs, and a
// service not named here needs RoleAdmin.
func Require(fullMethod string) Requirement {
	switch serviceOf(fullMethod) {
	case healthpb.Health_ServiceDesc.ServiceName:
		return Requirement{Open: true}
	case reflectionv1.ServerReflection_ServiceDesc.ServiceName, reflectionv1alpha.ServerReflection_ServiceDesc.ServiceName:
		return Requirement{}
	case pb.RoutingService_ServiceDesc.ServiceName:
		return Requirement{Role: RoleRoute}
	case pb.InventoryService_ServiceDesc.ServiceName:
		return Requirement{Role: RoleInventory}
	}
	return Requirement{Role: RoleAdmin}
}

// serviceOf returns the service of a full method name, or "" when the name
// is not of the form "/service/method".
func serviceOf(fullMethod string) string {
	rest, ok := strings.CutPrefix(fullMethod, "/")
	if !ok {
		return ""
	}
	svc, method, ok := strings.Cut(rest, "/")
	if !ok || svc == "" || method == "" || strings.Contains(method, "/") {
		return ""
	}
	return svc
}

// Errors of authentication and authorisation. Every error Authenticate and
// Authorize return wraps one of them.
var (
	// ErrUnauthenticated: no credentials, malformed ones or unknown ones.
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrPermissionDenied: a known client without the role the method needs.
	ErrPermissionDenied = errors.New("permission denied")
)

// Authorize decides whether p may call fullMethod: nil if so, an error
// wrapping ErrUnauthenticated when p is nil and the method is not open, or
// one wrapping ErrPermissionDenied when p lacks the role.
func Authorize(p *Principal, fullMethod string) error {
	req := Require(fullMethod)
	switch {
	case req.Open:
		return nil
	case p == nil:
		return fmt.Errorf("%w: %s needs credentials: send \"authorization: Bearer <token>\"", ErrUnauthenticated, fullMethod)
	case p.Roles.Has(RoleAdmin):
		return nil
	case req.Role == 0:
		return nil
	case req.Role == RoleAdmin:
		return fmt.Errorf("%w: client %q (roles %s) may not call %s: it needs role admin", ErrPermissionDenied, p.Name, p.Roles, fullMethod)
	case p.Roles.Has(req.Role):
		return nil
	}
	return fmt.Errorf("%w: client %q (roles %s) may not call %s: it needs role %s or admin", ErrPermissionDenied, p.Name, p.Roles, fullMethod, req.Role)
}

// HTTPStatus is the HTTP status of an error from Authenticate or
// Authorize: 401, 403, or 500 for anything else.
func HTTPStatus(err error) int {
	switch {
	case errors.Is(err, ErrUnauthenticated):
		return http.StatusUnauthorized
	case errors.Is(err, ErrPermissionDenied):
		return http.StatusForbidden
	}
	return http.StatusInternalServerError
}
