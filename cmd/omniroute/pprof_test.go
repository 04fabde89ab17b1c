package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// get fetches url and returns its status and body.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// TestServePprof: --pprof serves Go's profiles beside /metrics, and only
// with it; it needs the metrics listener.
func TestServePprof(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	s := startServe(t, "--metrics-addr", "127.0.0.1:0", "--pprof")
	at := metricsLine.FindStringSubmatch(s.serving)[1]
	code, body := get(t, "http://"+at+"/debug/pprof/goroutine?debug=1")
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, "goroutine profile:")
	code, body = get(t, "http://"+at+"/debug/pprof/heap?debug=1")
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, "heap profile:")
	code, _ = get(t, "http://"+at+"/metrics")
	assert.Equal(t, http.StatusOK, code)

	plain := startServe(t, "--metrics-addr", "127.0.0.1:0")
	at = metricsLine.FindStringSubmatch(plain.serving)[1]
	code, _ = get(t, "http://"+at+"/debug/pprof/goroutine?debug=1")
	assert.Equal(t, http.StatusNotFound, code, "off by default")

	err := runServe(context.Background(), []string{"--pprof", "--metrics-addr", ""}, io.Discard, io.Discard)
	assert.True(t, errors.Is(err, errUsage), "%v", err)
}
