// Package stock is the live stock of a network: per (node, SKU) on hand,
// reserved and safety stock with available to promise
// ATP = on_hand - reserved - safety_stock (never below zero), the last
// update sequence number, and each node's pick capacity for the day.
//
// A Table implements network.StockView and network.CapacityView, so a
// network.Builder reads it directly. It also applies live updates
// (ignoring repeated or late ones by sequence number), reserves, releases
// and commits units, and reads and writes the stock CSV file.
//
// A Table is not safe for concurrent use: the router guards it with its
// own lock, the simulator keeps one copy (Clone) per policy. stock never
// reads a clock, never decides where an order ships, and does no I/O
// except through the readers and writers it is handed.
package stock
