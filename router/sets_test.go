package router

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/solver"
)

// TestSetsMapThroughTheAPI: every method and every reason the solver
// knows has its own API value (none becomes UNSPECIFIED), and every API
// value maps back to exactly one of them.
func TestSetsMapThroughTheAPI(t *testing.T) {
	seenMethods := map[pb.Method]solver.Method{}
	for _, m := range solver.Methods() {
		p := methodToProto(m)
		require.NotEqual(t, pb.Method_METHOD_UNSPECIFIED, p, "solver method %v has no API value", m)
		_, dup := seenMethods[p]
		require.False(t, dup, "%v mapped twice", p)
		seenMethods[p] = m
		assert.Equal(t, m, methodFromProto(p), "%v does not round-trip", m)
	}
	for v := range pb.Method_name {
		if v != 0 {
			assert.Contains(t, seenMethods, pb.Method(v), "API method %v has no solver method", pb.Method(v))
		}
	}
	seenReasons := map[pb.ExclusionReason]solver.Reason{}
	for _, r := range solver.Reasons() {
		p := reasonToProto(r)
		require.NotEqual(t, pb.ExclusionReason_EXCLUSION_REASON_UNSPECIFIED, p, "solver reason %v has no API value", r)
		_, dup := seenReasons[p]
		require.False(t, dup, "%v mapped twice", p)
		seenReasons[p] = r
		assert.Equal(t, "EXCLUSION_REASON_"+r.String(), p.String())
	}
	assert.Equal(t, pb.ExclusionReason_EXCLUSION_REASON_PARTNER_UNAVAILABLE, reasonToProto(solver.ReasonPartnerUnavailable))
	assert.Equal(t, pb.ExclusionReason_EXCLUSION_REASON_UNSPECIFIED, reasonToProto(solver.ReasonNone))
	assert.Equal(t, pb.ExclusionReason_EXCLUSION_REASON_UNSPECIFIED, reasonToProto(200))
	assert.Equal(t, pb.Method_METHOD_UNSPECIFIED, methodToProto(200))
	assert.Equal(t, solver.MethodUnspecified, methodFromProto(pb.Method(99)))
}
