package bench

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

// Readiness probing: each probe waits at most probeTimeout; the pause
// between probes doubles from firstProbeGap up to maxProbeGap.
const (
	probeTimeout  = time.Second
	firstProbeGap = 50 * time.Millisecond
	maxProbeGap   = time.Second
)

// WaitReady waits until the server behind conn is ready to serve, for at
// most timeout. It asks the standard gRPC health service about the whole
// server; a server without a health service counts as ready as soon as it
// answers at all.
func WaitReady(ctx context.Context, conn *grpc.ClientConn, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	health := healthpb.NewHealthClient(conn)
	gap := firstProbeGap
	timer := time.NewTimer(gap)
	defer timer.Stop()
	var last error
	for {
		probeCtx, probeCancel := context.WithTimeout(ctx, probeTimeout)
		resp, err := health.Check(probeCtx, &healthpb.HealthCheckRequest{})
		probeCancel()
		switch {
		case err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING:
			return nil
		case status.Code(err) == codes.Unimplemented:
			return nil
		case err == nil:
			last = fmt.Errorf("health status %s", resp.GetStatus())
		case last == nil || ctx.Err() == nil:
			last = err // a probe cut by the overall deadline says less than the one before
		}
		timer.Reset(gap)
		select {
		case <-ctx.Done():
			if parent := context.Cause(ctx); !errors.Is(parent, context.DeadlineExceeded) {
				return fmt.Errorf("waiting for the server: %w", parent)
			}
			return fmt.Errorf("server not ready after %v: %w", timeout, last)
		case <-timer.C:
		}
		gap = min(2*gap, maxProbeGap)
	}
}
