package router

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
)

// httpEnv is a service behind its gRPC server and, in front of that, the
// HTTP/JSON gateway on a real loopback listener.
type httpEnv struct {
	*env
	url string
	// seen records the metadata of every call that reached the gRPC
	// server's interceptors, by method.
	mu   sync.Mutex
	seen map[string][]metadata.MD
}

func newHTTPEnv(t *testing.T, gopts GatewayOptions) *httpEnv {
	t.Helper()
	return newHTTPEnvWith(t, nil, gopts)
}

// newHTTPEnvWith is newHTTPEnv with edit applied to the service's Config.
func newHTTPEnvWith(t *testing.T, edit func(*Config), gopts GatewayOptions) *httpEnv {
	t.Helper()
	h := &httpEnv{seen: map[string][]metadata.MD{}}
	record := func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		md, _ := metadata.FromIncomingContext(ctx)
		h.mu.Lock()
		h.seen[info.FullMethod] = append(h.seen[info.FullMethod], md.Copy())
		h.mu.Unlock()
		return handler(ctx, req)
	}
	h.env = newEnvWith(t, edit, ServerOptions{Extra: []grpc.ServerOption{grpc.ChainUnaryInterceptor(record)}})
	gw, err := h.srv.Gateway(t.Context(), gopts)
	require.NoError(t, err)
	ts := httptest.NewServer(gw)
	t.Cleanup(func() {
		ts.Close()
		assert.NoError(t, gw.Close())
	})
	h.url = ts.URL
	return h
}

// do sends an HTTP request and returns the status and the body, decoded
// into a generic JSON value.
func (h *httpEnv) do(t *testing.T, method, path, body string, header http.Header) (int, map[string]any, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, h.url+path, rd)
	require.NoError(t, err)
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var v map[string]any
	if len(raw) > 0 {
		require.NoError(t, json.Unmarshal(raw, &v), "body %s", raw)
	}
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	return resp.StatusCode, v, raw
}

// get walks a decoded JSON value: get(v, "plan", "shipments", 0, "node_id").
func get(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			require.True(t, ok, "%v is not an object (at %q)", v, k)
			v = m[k]
		case int:
			a, ok := v.([]any)
			require.True(t, ok, "%v is not an array (at %d)", v, k)
			require.Greater(t, len(a), k)
			v = a[k]
		}
	}
	return v
}

const httpDemoOrder = `{"order": {"id": "%s", "customer": {"lat": 43.2389, "lon": 76.8897},
  "lines": [{"sku": "MILK-1L", "quantity": 2}, {"sku": "BREAD-WHITE", "quantity": 1}],
  "preference": "FULFILLMENT_PREFERENCE_DELIVERY", "allow_split": true}, "reserve": %v, "max_excluded": 3}`

func demoOrderJSON(id string, reserve bool) string {
	return strings.NewReplacer("%s", id, "%v", map[bool]string{true: "true", false: "false"}[reserve]).Replace(httpDemoOrder)
}

// TestGatewayRoutesOverHTTP calls every route of the HTTP/JSON API over
// real HTTP and checks the answers are the gRPC ones, in protobuf JSON
// with the proto field names.
func TestGatewayRoutesOverHTTP(t *testing.T) {
	h := newHTTPEnv(t, GatewayOptions{})

	// POST /v1/route, reserving.
	code, v, _ := h.do(t, "POST", "/v1/route", demoOrderJSON("web-1", true), nil)
	require.Equal(t, http.StatusOK, code, "%v", v)
	assert.Equal(t, "web-1", get(t, v, "order_id"))
	assert.NotEmpty(t, get(t, v, "plan", "shipments", 0, "node_id"))
	assert.Regexp(t, `^METHOD_`, get(t, v, "plan", "shipments", 0, "method"))
	assert.Len(t, get(t, v, "plan", "excluded"), 3, "max_excluded is honoured")
	assert.Greater(t, get(t, v, "plan", "excluded_total"), 3.0, "proto field names: excluded_total")
	assert.Regexp(t, `^EXCLUSION_REASON_`, get(t, v, "plan", "excluded", 0, "reason"))
	assert.Equal(t, "RESERVATION_STATE_ACTIVE", get(t, v, "reservation", "state"))
	id := get(t, v, "reservation", "id").(string)

	// GET /v1/reservations/{id}
	code, v, _ = h.do(t, "GET", "/v1/reservations/"+id, "", nil)
	require.Equal(t, http.StatusOK, code, "%v", v)
	assert.Equal(t, "web-1", get(t, v, "order_id"))
	assert.Equal(t, "RESERVATION_STATE_ACTIVE", get(t, v, "state"))

	// POST /v1/reservations/{id}:commit
	code, v, _ = h.do(t, "POST", "/v1/reservations/"+id+":commit", "", nil)
	require.Equal(t, http.StatusOK, code, "%v", v)
	assert.Equal(t, "RESERVATION_STATE_COMMITTED", get(t, v, "state"))

	// POST /v1/reservations/{id}:release on another reservation.
	_, v, _ = h.do(t, "POST", "/v1/route", demoOrderJSON("web-2", true), nil)
	id2 := get(t, v, "reservation", "id").(string)
	code, v, _ = h.do(t, "POST", "/v1/reservations/"+id2+":release", "", nil)
	require.Equal(t, http.StatusOK, code, "%v", v)
	assert.Equal(t, "RESERVATION_STATE_RELEASED", get(t, v, "state"))

	// POST /v1/route:batch
	code, v, _ = h.do(t, "POST", "/v1/route:batch", `{"requests": [`+demoOrderJSON("web-3", false)+`, `+demoOrderJSON("web-4", false)+`]}`, nil)
	require.Equal(t, http.StatusOK, code, "%v", v)
	assert.Equal(t, "web-3", get(t, v, "results", 0, "response", "order_id"))
	assert.Equal(t, "web-4", get(t, v, "results", 1, "response", "order_id"))

	// POST /v1/options: the offers for a cart, nothing reserved.
	code, v, _ = h.do(t, "POST", "/v1/options", `{"order": {"customer": {"lat": 43.2389, "lon": 76.8897},
		"lines": [{"sku": "MILK-1L", "quantity": 1}], "allow_split": true}, "pickup_stores": 2}`, nil)
	require.Equal(t, http.StatusOK, code, "%v", v)
	assert.NotEmpty(t, get(t, v, "offers"))
	assert.NotEmpty(t, get(t, v, "offers", 0, "offer_id"))

	// GET /v1/availability by position: the stores nearest the customer.
	code, v, _ = h.do(t, "GET", "/v1/availability?skus=MILK-1L&position.lat=43.2389&position.lon=76.8897&radius_km=5&limit=2", "", nil)
	require.Equal(t, http.StatusOK, code, "%v", v)
	assert.NotEmpty(t, get(t, v, "availability"))
	assert.Greater(t, get(t, v, "availability", 0, "distance_km"), 0.0)

	// POST /v1/stock, then GET /v1/availability with repeated query values.
	code, v, _ = h.do(t, "POST", "/v1/stock", `{"updates": [
		{"node_id": "alm-s01", "sku": "WEB-SKU", "seq": 1, "on_hand": 7, "safety_stock": 1},
		{"node_id": "alm-s02", "sku": "WEB-SKU", "seq": 1, "on_hand": 3}]}`, nil)
	require.Equal(t, http.StatusOK, code, "%v", v)
	assert.Equal(t, "2", get(t, v, "applied"), "int64 is a JSON string")
	code, v, _ = h.do(t, "GET", "/v1/availability?skus=WEB-SKU&node_ids=alm-s01&node_ids=alm-s02", "", nil)
	require.Equal(t, http.StatusOK, code, "%v", v)
	require.Len(t, get(t, v, "availability"), 2)
	assert.Equal(t, "alm-s01", get(t, v, "availability", 0, "node_id"))
	assert.Equal(t, 6.0, get(t, v, "availability", 0, "atp"))
	assert.Equal(t, 3.0, get(t, v, "availability", 1, "atp"))

	// GET /v1/network, twice: the same bytes.
	code, v, first := h.do(t, "GET", "/v1/network", "", nil)
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, "demo-almaty-astana", get(t, v, "name"))
	assert.Len(t, get(t, v, "nodes"), 46)
	_, _, second := h.do(t, "GET", "/v1/network", "", nil)
	assert.Equal(t, first, second)
	assert.NotContains(t, string(first), ", ", "compact JSON, no stray spaces")
	assert.True(t, bytes.HasSuffix(first, []byte("}\n")), "one line, ending with a newline")

	// POST /v1/network:reload: the demo network has no file.
	code, v, _ = h.do(t, "POST", "/v1/network:reload", "", nil)
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Contains(t, get(t, v, "message"), "cannot be reloaded")

	// GET /healthz
	code, v, _ = h.do(t, "GET", "/healthz", "", nil)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "SERVING", get(t, v, "status"))
}

// TestGatewayErrors: bad input gets the gRPC code's HTTP status and a JSON
// body whose message names the field; the server stays up.
func TestGatewayErrors(t *testing.T) {
	h := newHTTPEnv(t, GatewayOptions{MaxBodyBytes: 4096})
	cases := []struct {
		name, method, path, body string
		status                   int
		code                     float64
		message                  string
	}{
		{"bad quantity", "POST", "/v1/route", `{"order": {"id": "e1", "customer": {"lat": 43.2, "lon": 76.9}, "lines": [{"sku": "MILK-1L", "quantity": -1}]}}`,
			400, 3, "order.lines[0].quantity"},
		{"no order id", "POST", "/v1/route", `{"order": {"customer": {"lat": 43.2, "lon": 76.9}, "lines": [{"sku": "MILK-1L", "quantity": 1}]}}`,
			400, 3, "order.id"},
		{"unknown field", "POST", "/v1/route", `{"order": {"id": "e2"}, "colour": "red"}`, 400, 3, "colour"},
		{"not json", "POST", "/v1/route", `{"order": `, 400, 3, ""},
		{"unknown node", "POST", "/v1/stock", `{"updates": [{"node_id": "nowhere", "sku": "A", "seq": 1, "on_hand": 1}]}`,
			404, 5, `updates[0].node_id: unknown node "nowhere"`},
		{"no such reservation", "GET", "/v1/reservations/rsv_NOPE", "", 404, 5, "rsv_NOPE"},
		{"commit unknown", "POST", "/v1/reservations/rsv_NOPE:commit", "", 404, 5, "rsv_NOPE"},
		{"no such route", "GET", "/v1/nothing", "", 404, 5, "Not Found"},
		{"body too large", "POST", "/v1/route", `{"order": {"id": "` + strings.Repeat("x", 5000) + `"}}`, 400, 3, "too large"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, v, raw := h.do(t, c.method, c.path, c.body, nil)
			assert.Equal(t, c.status, status, "%s", raw)
			assert.Equal(t, c.code, get(t, v, "code"), "%s", raw)
			assert.Contains(t, get(t, v, "message"), c.message)
		})
	}
	// Still serving.
	status, _, _ := h.do(t, "POST", "/v1/route", demoOrderJSON("after", false), nil)
	assert.Equal(t, http.StatusOK, status)
}

// TestGatewayPassesOnlyAuthorization: an HTTP call reaches the gRPC
// server's interceptors (where authentication and roles are checked) with
// the Authorization header as "authorization" metadata; headers that
// could pose as other metadata do not get through, and x-forwarded-for is
// the connection's own address.
func TestGatewayPassesOnlyAuthorization(t *testing.T) {
	h := newHTTPEnv(t, GatewayOptions{})
	header := http.Header{
		"Authorization":          {"Bearer planner-token"},
		"Grpc-Metadata-Role":     {"admin"},
		"Grpc-Metadata-X-User":   {"root"},
		"X-Forwarded-For":        {"203.0.113.9"},
		"X-Forwarded-Host":       {"evil.example"},
		"Grpc-Metadata-X-Tenant": {"other"},
		"X-Role":                 {"admin"},
	}
	status, _, raw := h.do(t, "GET", "/v1/network", "", header)
	require.Equal(t, http.StatusOK, status, "%s", raw)

	h.mu.Lock()
	calls := h.seen["/omniroute.v1.NetworkService/GetNetwork"]
	h.mu.Unlock()
	require.Len(t, calls, 1, "the HTTP call went through the gRPC server's interceptors")
	md := calls[0]
	assert.Equal(t, []string{"Bearer planner-token"}, md.Get("authorization"))
	for _, k := range []string{"role", "x-user", "x-tenant", "x-role", "grpcgateway-authorization"} {
		assert.Empty(t, md.Get(k), "metadata %q", k)
	}
	assert.Equal(t, []string{"127.0.0.1"}, md.Get("x-forwarded-for"))
	assert.NotEqual(t, []string{"evil.example"}, md.Get("x-forwarded-host"))
}

// TestGatewayMatchesGRPC: the HTTP answer is the gRPC answer, field for
// field (solve time aside).
func TestGatewayMatchesGRPC(t *testing.T) {
	h := newHTTPEnv(t, GatewayOptions{})
	_, viaHTTP, _ := h.do(t, "POST", "/v1/route", demoOrderJSON("same", false), nil)
	resp, err := h.route.Route(ctx(t), mustRouteRequest(t, demoOrderJSON("same", false)))
	require.NoError(t, err)
	grpcJSON, err := marshalProtoNames(resp)
	require.NoError(t, err)
	var viaGRPC map[string]any
	require.NoError(t, json.Unmarshal(grpcJSON, &viaGRPC))
	for _, v := range []map[string]any{viaHTTP, viaGRPC} {
		delete(get(t, v, "plan", "stats").(map[string]any), "solve_time_ns")
	}
	assert.Equal(t, viaGRPC, viaHTTP)
}

// TestGatewayClose: after Close the gateway answers 503 and the gRPC
// server still serves its own clients.
func TestGatewayClose(t *testing.T) {
	h := newHTTPEnv(t, GatewayOptions{})
	gw, err := h.srv.Gateway(t.Context(), GatewayOptions{})
	require.NoError(t, err)
	require.NoError(t, gw.Close())
	require.NoError(t, gw.Close(), "Close twice is fine")
	rec := httptest.NewRecorder()
	gw.ServeHTTP(rec, httptest.NewRequest("GET", "/v1/network", bytes.NewReader(nil)))
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code, rec.Body.String())
	_, err = h.route.Route(ctx(t), mustRouteRequest(t, demoOrderJSON("grpc-still", false)))
	assert.NoError(t, err)
}

func mustRouteRequest(t *testing.T, js string) *pb.RouteRequest {
	t.Helper()
	req := new(pb.RouteRequest)
	require.NoError(t, protojson.Unmarshal([]byte(js), req))
	return req
}

func marshalProtoNames(m proto.Message) ([]byte, error) {
	return protojson.MarshalOptions{UseProtoNames: true}.Marshal(m)
}

// BenchmarkGateway compares a Route over HTTP/JSON (the gateway on a real
// loopback listener, one call at a time) with the same Route over gRPC on
// an in-memory connection, on the demo network: the difference is what
// the JSON and HTTP layers cost.
func BenchmarkGateway(b *testing.B) {
	e := newEnv(b, nil)
	gw, err := e.srv.Gateway(b.Context(), GatewayOptions{})
	require.NoError(b, err)
	ts := httptest.NewServer(gw)
	defer func() {
		ts.Close()
		gw.Close()
	}()
	body := demoOrderJSON("bench", false)
	req := new(pb.RouteRequest)
	require.NoError(b, protojson.Unmarshal([]byte(body), req))
	client := ts.Client()

	b.Run("http", func(b *testing.B) {
		measure(b, func() error {
			resp, err := client.Post(ts.URL+"/v1/route", "application/json", strings.NewReader(body))
			if err != nil {
				return err
			}
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err == nil && resp.StatusCode != http.StatusOK {
				err = fmt.Errorf("status %d", resp.StatusCode)
			}
			return err
		})
	})
	b.Run("grpc", func(b *testing.B) {
		measure(b, func() error {
			_, err := e.route.Route(b.Context(), req)
			return err
		})
	})
}
