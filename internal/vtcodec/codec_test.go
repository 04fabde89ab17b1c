package vtcodec_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/encoding"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/proto"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/internal/vtcodec"
)

// TestRegistered: importing the package makes it gRPC's "proto" codec.
func TestRegistered(t *testing.T) {
	require.IsType(t, vtcodec.Codec{}, encoding.GetCodecV2("proto"))
}

// TestOtherMessagesFallBack: a message without generated vtprotobuf
// methods (a health check) goes through gRPC's own codec; a value that is
// no message at all is refused.
func TestOtherMessagesFallBack(t *testing.T) {
	c := encoding.GetCodecV2("proto")
	msg := &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}
	data, err := c.Marshal(msg)
	require.NoError(t, err)
	want, err := proto.Marshal(msg)
	require.NoError(t, err)
	require.Equal(t, want, data.Materialize())
	var back healthpb.HealthCheckResponse
	require.NoError(t, c.Unmarshal(data, &back))
	require.Equal(t, healthpb.HealthCheckResponse_SERVING, back.Status)
	_, err = c.Marshal("not a message")
	require.Error(t, err)
}

// TestLargeMessage: a message above gRPC's pooling threshold is encoded
// into a pooled buffer, with the same bytes.
func TestLargeMessage(t *testing.T) {
	c := encoding.GetCodecV2("proto")
	plan := &pb.Plan{}
	for i := range 200 {
		plan.Excluded = append(plan.Excluded, &pb.Exclusion{Candidate: &pb.Candidate{NodeId: "alm-s" + string(rune('a'+i%26)), Partner: "glovo"}, Reason: pb.ExclusionReason(1 + i%3)})
	}
	msg := &pb.RouteResponse{OrderId: "big", Plan: plan}
	data, err := c.Marshal(msg)
	require.NoError(t, err)
	want, err := proto.Marshal(msg)
	require.NoError(t, err)
	require.Greater(t, len(want), 2048)
	require.Equal(t, want, data.Materialize())
	data.Free()
}
