package router

import (
	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/solver"
)

// The solver's methods and reasons map onto the API's enums by name: the
// solver's SHIP_FROM_STORE is METHOD_SHIP_FROM_STORE, its NO_STOCK is
// EXCLUSION_REASON_NO_STOCK. A method or reason added to the solver and to
// the proto under the same name maps with no code here; one missing from
// the proto fails TestSetsMapThroughTheAPI. The tables are derived once
// and never change.
var (
	methodsToProto   = protoTable(solver.Methods(), solver.MethodSlots(), "METHOD_", pb.Method_value)
	reasonsToProto   = protoTable(solver.Reasons(), maxReason()+1, "EXCLUSION_REASON_", pb.ExclusionReason_value)
	methodsFromProto = func() map[pb.Method]solver.Method {
		out := make(map[pb.Method]solver.Method, len(methodsToProto))
		for m, v := range methodsToProto {
			if v != 0 {
				out[pb.Method(v)] = solver.Method(m)
			}
		}
		return out
	}()
)

// protoTable maps each of values to the proto enum value named prefix +
// its name, 0 (UNSPECIFIED) when the proto has none.
func protoTable[T interface {
	~uint8
	String() string
}](values []T, slots int, prefix string, names map[string]int32) []int32 {
	out := make([]int32, slots)
	for _, v := range values {
		out[v] = names[prefix+v.String()]
	}
	return out
}

func maxReason() int {
	rs := solver.Reasons()
	return int(rs[len(rs)-1])
}

// methodToProto is m's API value; METHOD_UNSPECIFIED for an unknown one.
func methodToProto(m solver.Method) pb.Method {
	if int(m) < len(methodsToProto) {
		return pb.Method(methodsToProto[m])
	}
	return pb.Method_METHOD_UNSPECIFIED
}

// methodFromProto is the solver's method of API value m;
// solver.MethodUnspecified for METHOD_UNSPECIFIED or an unknown value.
func methodFromProto(m pb.Method) solver.Method { return methodsFromProto[m] }

// reasonToProto is r's API value; EXCLUSION_REASON_UNSPECIFIED for
// ReasonNone or an unknown one.
func reasonToProto(r solver.Reason) pb.ExclusionReason {
	if int(r) < len(reasonsToProto) {
		return pb.ExclusionReason(reasonsToProto[r])
	}
	return pb.ExclusionReason_EXCLUSION_REASON_UNSPECIFIED
}
