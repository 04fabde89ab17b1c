package main

import (
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOptionsCommand runs the checkout from the command line against a
// served demo network: "omniroute options" for the cart, then "omniroute
// route" with the chosen offer, reserving it.
func TestOptionsCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	s := startServe(t)
	ctx := context.Background()
	// The README's cart at a fixed time (examples/cart.json is planned at
	// the server's clock), trusted by the test server's clock skew.
	cartFile := filepath.Join("testdata", "cart-2026-11-25.json")
	run := func(cmd func(context.Context, []string, io.Writer, io.Writer) error, args ...string) map[string]any {
		t.Helper()
		var out, errb strings.Builder
		require.NoError(t, cmd(ctx, append([]string{"--addr", s.addr}, args...), &out, &errb), errb.String())
		var v map[string]any
		require.NoError(t, json.Unmarshal([]byte(out.String()), &v), out.String())
		return v
	}
	ids := func(v map[string]any) []string {
		var out []string
		for _, o := range v["offers"].([]any) {
			out = append(out, o.(map[string]any)["offer_id"].(string))
		}
		return out
	}

	v := run(runOptions, "--order", cartFile)
	assert.Equal(t, []string{"ship_from_store", "pickup:alm-s16", "pickup:alm-s05", "warehouse_ship", "courier:glovo"}, ids(v))
	assert.Equal(t, "USD", v["currency"])

	v = run(runOptions, "--sku", "MILK-1L:1", "--lat", "43.2389", "--lon", "76.8897", "--preference", "pickup", "--pickup-stores", "1")
	require.Len(t, ids(v), 1)
	assert.True(t, strings.HasPrefix(ids(v)[0], "pickup:alm-"), ids(v))

	v = run(runRoute, "--order", cartFile, "--offer", "pickup:alm-s05", "--id", "cli-checkout", "--reserve")
	assert.Equal(t, "cli-checkout", v["order_id"])
	sh := v["plan"].(map[string]any)["shipments"].([]any)
	require.Len(t, sh, 1)
	assert.Equal(t, "alm-s05", sh[0].(map[string]any)["node_id"])
	assert.Equal(t, "METHOD_PICKUP", sh[0].(map[string]any)["method"])
	assert.Equal(t, "RESERVATION_STATE_ACTIVE", v["reservation"].(map[string]any)["state"])

	v = run(runRoute, "--sku", "MILK-1L:2", "--lat", "43.2389", "--lon", "76.8897", "--method", "warehouse_ship")
	sh = v["plan"].(map[string]any)["shipments"].([]any)
	require.NotEmpty(t, sh)
	for _, x := range sh {
		assert.Equal(t, "METHOD_WAREHOUSE_SHIP", x.(map[string]any)["method"])
	}

	var errb strings.Builder
	err := runOptions(ctx, []string{"--addr", s.addr, "--sku", "MILK-1L:0", "--lat", "43.2", "--lon", "76.9"}, io.Discard, &errb)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "InvalidArgument: order.lines[0].quantity: must be positive")
	err = runRoute(ctx, []string{"--addr", s.addr, "--order", cartFile, "--offer", "courier:bolt"}, io.Discard, &errb)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `NotFound: order.offer_id: unknown courier partner "bolt"`)
}

// TestOptionsFlags: flags the request cannot carry are usage errors before
// any call.
func TestOptionsFlags(t *testing.T) {
	for _, c := range []struct {
		cmd  func(context.Context, []string, io.Writer, io.Writer) error
		args []string
	}{
		{runOptions, []string{"--pickup-stores", "21"}},
		{runOptions, []string{"--pickup-stores", "-1"}},
		{runOptions, []string{"--method", "teleport"}},
		{runOptions, []string{"--method", "unspecified"}},
		{runRoute, []string{"--method", "drone"}},
	} {
		args := append(c.args, "--addr", "127.0.0.1:1", "--sku", "MILK-1L:1", "--lat", "43.2", "--lon", "76.9")
		err := c.cmd(context.Background(), args, io.Discard, io.Discard)
		require.Error(t, err, "%v", args)
		assert.Contains(t, err.Error(), "usage", "%v", args)
	}
	err := runOptions(context.Background(), []string{"--addr", "127.0.0.1:1"}, io.Discard, io.Discard)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "--order FILE or --sku SKU:QTY required")
}
