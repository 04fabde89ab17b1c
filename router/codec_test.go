package router

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/internal/vtcodec"
)

// TestCodecWritesWhatProtoWrites: the server's "proto" codec (vtcodec)
// encodes real answers (random routes on the demo and a 300-node network,
// every way of explaining, with reservations) byte for byte as
// proto.Marshal does, and decodes them back to equal messages; so a
// client sees the same answer whichever codec either side runs.
func TestCodecWritesWhatProtoWrites(t *testing.T) {
	codec := encoding.GetCodecV2("proto")
	require.IsType(t, vtcodec.Codec{}, codec)
	big, bigStock := bigNetwork(t, 300)
	demo := demoNetwork(t)
	for _, c := range []struct {
		name string
		env  *env
	}{
		{"demo", newEnv(t, nil)},
		{"nodes=300", newEnv(t, func(cfg *Config) { cfg.Network, cfg.Stock = big, bigStock })},
	} {
		t.Run(c.name, func(t *testing.T) {
			net := demo
			if c.name != "demo" {
				net = big
			}
			rng := rand.New(rand.NewPCG(7, uint64(len(net.Nodes))))
			answered := 0
			for i := range 60 {
				req := randomRoute(rng, net, i)
				req.Reserve = i%3 == 0
				resp, err := c.env.route.Route(ctx(t), req)
				if err != nil {
					continue
				}
				answered++
				for _, m := range []proto.Message{req, resp} {
					want, err := proto.Marshal(m)
					require.NoError(t, err)
					got, err := codec.Marshal(m)
					require.NoError(t, err)
					require.Equal(t, want, got.Materialize(), "order %d: %T", i, m)
					back := m.ProtoReflect().New().Interface()
					require.NoError(t, codec.Unmarshal(got, back))
					require.True(t, proto.Equal(m, back), "order %d: %T decoded differently", i, m)
					got.Free()
				}
			}
			require.Greater(t, answered, 30)
		})
	}
}

// TestCodecDecodesSplitBuffers: a message that arrives in several
// buffers decodes as one that arrives whole, and decoding empties the
// message first, as proto.Unmarshal does.
func TestCodecDecodesSplitBuffers(t *testing.T) {
	codec := encoding.GetCodecV2("proto")
	msg := &pb.RouteResponse{OrderId: "o-1", PlannedAt: timestamppb.New(demoOrder("x").CreatedAt.AsTime()),
		Plan: &pb.Plan{TotalCost: 12.5, ExcludedTotal: 3}}
	wire, err := proto.Marshal(msg)
	require.NoError(t, err)
	var split mem.BufferSlice
	for _, part := range [][]byte{wire[:3], wire[3:10], wire[10:]} {
		split = append(split, mem.SliceBuffer(part))
	}
	got := &pb.RouteResponse{OrderId: "stale", CreatedAtSource: pb.CreatedAtSource_CREATED_AT_SOURCE_SERVER_SKEWED}
	require.NoError(t, codec.Unmarshal(split, got))
	require.True(t, proto.Equal(msg, got), "%v", got)
	require.Error(t, codec.Unmarshal(mem.BufferSlice{mem.SliceBuffer(wire[:len(wire)-1])}, got))
}
