// Package vtcodec is gRPC's "proto" codec with a fast path for
// omniroute's own messages: they are encoded and decoded by the methods
// vtprotobuf generates for them (SizeVT, MarshalToSizedBufferVT,
// UnmarshalVT in api/omniroute/v1/omniroute_vtproto.pb.go), which are
// plain code for each field instead of the reflection-driven tables of
// the protobuf runtime. Every other message (health checks, reflection)
// goes to gRPC's own codec. The bytes on the wire are the same either
// way: fields in number order, unknown fields kept, as proto.Marshal
// writes them.
//
// Importing the package registers the codec (encoding.RegisterCodecV2),
// as importing google.golang.org/grpc/encoding/proto does for the
// default one; the router imports it, so a server, and any client in a
// process that links the router, uses it. It is safe for concurrent
// use.
package vtcodec

import (
	"fmt"

	"google.golang.org/grpc/encoding"
	grpcproto "google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"
)

// Name is the codec's name: it replaces the default protobuf codec.
const Name = grpcproto.Name

// Message is what vtprotobuf generates for a message with the marshal,
// unmarshal and size features.
// Reset is the protobuf runtime's.
type Message interface {
	Reset()
	SizeVT() int
	MarshalToSizedBufferVT(data []byte) (int, error)
	UnmarshalVT(data []byte) error
}

// Codec encodes Messages with their generated methods and hands every
// other value to Fallback.
type Codec struct {
	// Fallback encodes the values that are not Messages.
	Fallback encoding.CodecV2
}

func init() {
	// The default codec is registered by grpc/encoding/proto's init,
	// which runs before this one (the import above).
	encoding.RegisterCodecV2(Codec{Fallback: encoding.GetCodecV2(grpcproto.Name)})
}

// Name reports the codec's name, "proto".
func (Codec) Name() string { return Name }

// Marshal encodes v; a large message goes into a buffer from gRPC's
// pool, as the default codec does.
func (c Codec) Marshal(v any) (mem.BufferSlice, error) {
	m, ok := v.(Message)
	if !ok {
		return c.Fallback.Marshal(v)
	}
	size := m.SizeVT()
	if mem.IsBelowBufferPoolingThreshold(size) {
		buf := make([]byte, size)
		if err := marshalSized(m, buf); err != nil {
			return nil, err
		}
		return mem.BufferSlice{mem.SliceBuffer(buf)}, nil
	}
	pool := mem.DefaultBufferPool()
	buf := pool.Get(size)
	if err := marshalSized(m, (*buf)[:size]); err != nil {
		pool.Put(buf)
		return nil, err
	}
	return mem.BufferSlice{mem.NewBuffer(buf, pool)}, nil
}

// marshalSized encodes m into buf, which is exactly m.SizeVT() long.
func marshalSized(m Message, buf []byte) error {
	n, err := m.MarshalToSizedBufferVT(buf)
	if err != nil {
		return fmt.Errorf("vtcodec: marshal %T: %w", m, err)
	}
	if n != len(buf) {
		return fmt.Errorf("vtcodec: marshal %T: wrote %d bytes of %d", m, n, len(buf))
	}
	return nil
}

// Unmarshal decodes data into v, which it empties first (as
// proto.Unmarshal does). A message that arrived in one buffer is decoded
// from it, without copying it whole first; the decoded strings and bytes
// are copies, so v does not refer to data afterwards.
func (c Codec) Unmarshal(data mem.BufferSlice, v any) error {
	m, ok := v.(Message)
	if !ok {
		return c.Fallback.Unmarshal(data, v)
	}
	m.Reset()
	if len(data) == 1 {
		if err := m.UnmarshalVT(data[0].ReadOnlyData()); err != nil {
			return fmt.Errorf("vtcodec: unmarshal %T: %w", m, err)
		}
		return nil
	}
	buf := data.MaterializeToBuffer(mem.DefaultBufferPool())
	defer buf.Free()
	if err := m.UnmarshalVT(buf.ReadOnlyData()); err != nil {
		return fmt.Errorf("vtcodec: unmarshal %T: %w", m, err)
	}
	return nil
}
