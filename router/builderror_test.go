package router

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/omniroute/omniroute/network"
)

// TestBuildErrorNamesTheRequestField: a network field error becomes
// InvalidArgument on the request's own field, by its path, whatever its
// message says; other errors pass through.
func TestBuildErrorNamesTheRequestField(t *testing.T) {
	cases := []struct{ path, want string }{
		{"lat", "order.customer.lat: lat: looks like a path"},
		{"lon", "order.customer.lon: lon: looks like a path"},
		{"want", "order.preference: lon: looks like a path"},
		{"lines[3].quantity", "order.lines[3].quantity: lon: looks like a path"},
		{"promise_by", "order.promise_by: lon: looks like a path"},
	}
	for _, c := range cases {
		msg := "lon: looks like a path"
		if c.path == "lat" || c.path == "lon" {
			msg = c.path + ": looks like a path"
		}
		err := buildError("order", &network.FieldError{Path: c.path, Message: msg})
		assert.Equal(t, codes.InvalidArgument, status.Code(err), c.path)
		assert.Equal(t, c.want, status.Convert(err).Message(), c.path)
	}
	other := errors.New("boom")
	assert.Same(t, other, buildError("order", other))
}
