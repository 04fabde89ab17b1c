package router

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/network"
)

// TestNetworkWarningsAreLogged: what the network's Init warns about (here
// a courier zone with latitude and longitude swapped) is logged when the
// service starts on that network and when a reload brings it in.
func TestNetworkWarningsAreLogged(t *testing.T) {
	swapped := demoNetwork(t).Clone()
	swapped.Couriers[0].Areas = `{"type":"Polygon","coordinates":[[[43.17,76.78],[43.17,77.03],[43.37,77.03],[43.37,76.78],[43.17,76.78]]]}`
	require.NoError(t, swapped.Init())
	require.NotEmpty(t, swapped.Warnings())

	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	e := newEnv(t, func(c *Config) {
		c.Network, c.NetworkSource, c.Stock = swapped, "swapped.yaml", demoStock(t, swapped)
		c.Logger = log
		c.LoadNetwork = func(context.Context) (*network.Network, string, error) { return swapped, "swapped.yaml", nil }
	})
	assert.Contains(t, logs.String(), "network warning")
	assert.Contains(t, logs.String(), "are latitude and longitude swapped?")
	assert.Equal(t, 1, strings.Count(logs.String(), "network warning"))

	_, err := e.svc.Reload(t.Context())
	require.NoError(t, err)
	assert.Equal(t, 2, strings.Count(logs.String(), "network warning"), "the reload logs it again")
}
