// Package dataset writes synthetic but realistic omniroute datasets from a
// seed: a fulfilment network over Kazakhstan's cities (network.yaml), its
// starting stock (stock.csv), a stream of customer orders (orders.csv) and
// stock arrivals (replenishments.csv).
//
// Geography: the cities' real coordinates and populations; stores are
// spread over the cities in proportion to population, dark stores sit in
// the cities with an express courier zone, warehouses in the largest
// cities. Customers live around city centres in proportion to population.
// Demand: SKU popularity is Zipf-like, order volume follows a daily and a
// weekly profile, and a share of orders ask for pickup in store (BOPIS) or
// for express courier delivery. Lost sales: every SKU draws a price band
// (PriceBands: cheap groceries to expensive electronics) and a price in it;
// each order line carries the SKU's lost-sale cost per unit (a share of the
// price, by band) in orders.csv, and network.yaml's policy a per-order
// lost-sale cost (LostSaleCostPerOrder).
//
// The same Config gives the same bytes: every random draw comes from
// math/rand/v2 PCG generators seeded from Config.Seed, one per file, and
// nothing is written in map order. Orders are generated and written one
// hour at a time, so memory does not grow with the number of orders.
package dataset
