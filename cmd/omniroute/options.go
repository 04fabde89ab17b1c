package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"google.golang.org/protobuf/proto"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/router"
)

// runOptions asks a server what it can offer for a cart and prints the
// OptionsResponse as JSON.
func runOptions(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("options", stderr)
	addr := fs.String("addr", "localhost:50051", "server address")
	stores := fs.Int("pickup-stores", 0, fmt.Sprintf("pickup stores to offer, nearest first (0: server default %d)", router.DefaultPickupStores))
	timeout := fs.Duration("timeout", 5*time.Second, "deadline of the call")
	of := addOrderFlags(fs, "optional")
	dial := addDialFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *stores < 0 || *stores > router.MaxPickupStores {
		return fmt.Errorf("%w: --pickup-stores %d: want 0 (server default) to %d", errUsage, *stores, router.MaxPickupStores)
	}
	cart, err := of.order(fs, false)
	if err != nil {
		return err
	}
	req := &pb.OptionsRequest{Order: cart, PickupStores: int32(*stores)}
	return callRouting(ctx, *addr, dial, *timeout, "options", stdout,
		func(ctx context.Context, c pb.RoutingServiceClient) (proto.Message, error) {
			return c.Options(ctx, req)
		})
}
