package network

import (
	"fmt"
	"strings"

	"github.com/omniroute/omniroute/solver"
)

// MethodFileName is a method's spelling in network files, scenarios and
// offer ids: its contract name in lower case, "ship_from_store".
func MethodFileName(m solver.Method) string { return strings.ToLower(m.String()) }

// ReasonFileName is a reason's spelling in files: its contract name in
// lower case, "no_stock".
func ReasonFileName(r solver.Reason) string { return strings.ToLower(r.String()) }

// ParseMethod reads a known method by its file spelling ("ship_from_store",
// see MethodFileName) or its contract name ("SHIP_FROM_STORE").
func ParseMethod(s string) (solver.Method, error) {
	for _, m := range solver.Methods() {
		if s == m.String() || s == MethodFileName(m) {
			return m, nil
		}
	}
	return solver.MethodUnspecified, fmt.Errorf("unknown method %q", s)
}

// MethodChoices lists the methods' file spellings for messages:
// "ship_from_store, pickup, warehouse_ship or courier".
func MethodChoices() string {
	ms := solver.Methods()
	var b strings.Builder
	for i, m := range ms {
		switch {
		case i == 0:
		case i == len(ms)-1:
			b.WriteString(" or ")
		default:
			b.WriteString(", ")
		}
		b.WriteString(MethodFileName(m))
	}
	return b.String()
}
