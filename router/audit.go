package router

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/auth"
)

// The longest id and error message an audit line carries.
const (
	auditIDLen    = 80
	auditErrorLen = 240
)

// mutating reports whether a call may change state and so belongs in the
// audit log. Reading methods are listed here; every other method is
// audited, so a method added later is audited until it is listed as a
// reading one. req is nil for streams.
func mutating(method string, req any) bool {
	switch method {
	case pb.RoutingService_Route_FullMethodName:
		r, _ := req.(*pb.RouteRequest)
		return r.GetReserve()
	case pb.RoutingService_RouteBatch_FullMethodName:
		r, _ := req.(*pb.RouteBatchRequest)
		for _, rr := range r.GetRequests() {
			if rr.GetReserve() {
				return true
			}
		}
		return false
	case pb.RoutingService_GetReservation_FullMethodName,
		pb.InventoryService_GetAvailability_FullMethodName,
		pb.NetworkService_GetNetwork_FullMethodName:
		return false
	}
	return !strings.HasPrefix(method, "/grpc.health.v1.Health/") && !strings.HasPrefix(method, "/grpc.reflection.")
}

// refusedCall reports whether err refused the caller for who it is or
// how often it calls; such calls are audited whatever the method.
func refusedCall(err error) bool {
	switch status.Code(err) {
	case codes.Unauthenticated, codes.PermissionDenied, codes.ResourceExhausted:
		return true
	}
	return false
}

// callFacts are the short facts of a call for its audit line: the order
// and reservation ids, how many updates or orders, what they did.
func callFacts(req, resp any, received int64) []slog.Attr {
	var out []slog.Attr
	add := func(k, v string) {
		if v != "" {
			out = append(out, slog.String(k, short(v, auditIDLen)))
		}
	}
	switch r := req.(type) {
	case *pb.RouteRequest:
		add("order", r.GetOrder().GetId())
	case *pb.RouteBatchRequest:
		out = append(out, slog.Int("orders", len(r.GetRequests())))
	case *pb.CommitReservationRequest:
		add("reservation", r.GetReservationId())
	case *pb.ReleaseReservationRequest:
		add("reservation", r.GetReservationId())
	case *pb.UpdateStockRequest:
		out = append(out, slog.Int("updates", len(r.GetUpdates())))
	}
	switch r := resp.(type) {
	case *pb.RouteResponse:
		add("reservation", r.GetReservation().GetId())
	case *pb.RouteBatchResponse:
		n := 0
		for _, res := range r.GetResults() {
			if res.GetResponse().GetReservation() != nil {
				n++
			}
		}
		out = append(out, slog.Int("reserved", n))
	case *pb.Reservation:
		add("order", r.GetOrderId())
		add("state", r.GetState().String())
	case *pb.UpdateStockResponse:
		out = append(out, slog.Int64("applied", r.GetApplied()), slog.Int64("ignored", r.GetIgnored()))
	case *pb.ReloadNetworkResponse:
		out = append(out, slog.Int("nodes", int(r.GetNodes())))
	}
	if received > 0 {
		out = append(out, slog.Int64("messages", received))
	}
	return out
}

// record writes one audit line: who, what, the outcome, how long (when
// start is set), from where, and the call's facts.
func (g *guard) record(ctx context.Context, method string, start time.Time, err error, facts []slog.Attr) {
	name, via := "", ""
	if p := auth.FromContext(ctx); p != nil {
		name, via = p.Name, string(p.Via)
	}
	st := status.Convert(err)
	attrs := make([]slog.Attr, 0, 8+len(facts))
	attrs = append(attrs,
		slog.String("client", name),
		slog.String("via", via),
		slog.String("method", method),
		slog.String("code", st.Code().String()),
	)
	if !start.IsZero() {
		attrs = append(attrs, slog.Duration("took", time.Since(start)))
	}
	attrs = append(attrs, slog.String("peer", peerAddr(ctx)))
	attrs = append(attrs, facts...)
	if err != nil {
		attrs = append(attrs, slog.String("error", short(st.Message(), auditErrorLen)))
	}
	g.audit.LogAttrs(ctx, slog.LevelInfo, "audit", attrs...)
}

// short cuts s to n bytes (on a rune boundary), marking the cut.
func short(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8Start(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }
