package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/network"
)

// orderFlags are the flags that describe an order (or a cart) on the
// command line: a file, or lines and a customer, and the offer chosen.
// route and options share them.
type orderFlags struct {
	file   *string
	skus   skuFlag
	id     *string
	lat    *float64
	lon    *float64
	pref   *string
	pickup *string
	// redirect is the pickup's redirect cost (pickup_redirect_cost).
	redirect *float64
	split    *bool
	method   *string
	partner  *string
	offer    *string
}

// addOrderFlags registers the order flags on fs; idHelp says what --id
// defaults to.
func addOrderFlags(fs *flag.FlagSet, idHelp string) *orderFlags {
	f := &orderFlags{}
	f.file = fs.String("order", "", "order JSON file (omniroute.v1.Order; - reads stdin)")
	fs.Var(&f.skus, "sku", "order line SKU:QTY[:KG[:LOST]] (LOST: lost-sale cost per unit), repeatable (an order from flags instead of --order)")
	f.id = fs.String("id", "", "order id, also over --order ("+idHelp+")")
	f.lat = fs.Float64("lat", 0, "customer latitude with --sku")
	f.lon = fs.Float64("lon", 0, "customer longitude with --sku")
	f.pref = fs.String("preference", "any", "with --sku: any, delivery or pickup")
	f.pickup = fs.String("pickup-node", "", "node id to collect at (sets pickup_node_id, also over --order)")
	f.redirect = fs.Float64("pickup-redirect-cost", 0, "with --pickup-node: the order may be collected at another store nearby for this much more (sets pickup_redirect_cost, also over --order)")
	f.split = fs.Bool("split", true, "with --sku: allow several shipments")
	f.method = fs.String("method", "", "the chosen method: "+network.MethodChoices()+" (also over --order)")
	f.partner = fs.String("partner", "", "the chosen courier partner, e.g. glovo (also over --order)")
	f.offer = fs.String("offer", "", "the chosen offer id from omniroute options, e.g. courier:glovo (also over --order)")
	return f
}

// order builds the order the flags describe; with needID an order from
// --sku without --id gets "cli-<unix nanos>".
func (f *orderFlags) order(fs *flag.FlagSet, needID bool) (*pb.Order, error) {
	var order *pb.Order
	switch {
	case *f.file != "" && len(f.skus) > 0:
		return nil, fmt.Errorf("%w: give --order or --sku, not both", errUsage)
	case *f.file != "":
		var err error
		if order, err = readOrder(*f.file); err != nil {
			return nil, err
		}
	case len(f.skus) > 0:
		order = &pb.Order{Lines: f.skus, AllowSplit: *f.split, CreatedAt: timestamppb.Now()}
		set := map[string]bool{}
		fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
		if set["lat"] || set["lon"] {
			order.Customer = &pb.LatLng{Lat: *f.lat, Lon: *f.lon}
		}
		switch *f.pref {
		case "any":
		case "delivery":
			order.Preference = pb.FulfillmentPreference_FULFILLMENT_PREFERENCE_DELIVERY
		case "pickup":
			order.Preference = pb.FulfillmentPreference_FULFILLMENT_PREFERENCE_PICKUP
		default:
			return nil, fmt.Errorf("%w: --preference %q: want any, delivery or pickup", errUsage, *f.pref)
		}
	default:
		return nil, fmt.Errorf("%w: --order FILE or --sku SKU:QTY required", errUsage)
	}
	if *f.id != "" {
		order.Id = *f.id
	}
	if order.Id == "" && needID {
		order.Id = "cli-" + strconv.FormatInt(time.Now().UnixNano(), 10)
	}
	if *f.pickup != "" {
		order.PickupNodeId = *f.pickup
	}
	if *f.redirect != 0 {
		order.PickupRedirectCost = *f.redirect
	}
	if *f.method != "" {
		m, ok := pb.Method_value["METHOD_"+strings.ToUpper(strings.TrimPrefix(strings.ToUpper(*f.method), "METHOD_"))]
		if !ok || m == 0 {
			return nil, fmt.Errorf("%w: --method %q: want %s", errUsage, *f.method, network.MethodChoices())
		}
		order.Method = pb.Method(m)
	}
	if *f.partner != "" {
		order.Partner = *f.partner
	}
	if *f.offer != "" {
		order.OfferId = *f.offer
	}
	return order, nil
}
