// Package orderlog records the orders a server routes, in the rows of an
// orders file (simulate.OrderHeader), so that `omniroute simulate
// --orders`, `serve --history` and `allocate --orders` read them as they
// are: the record of the demand that came, the units no node held
// included, from which a planner replays real traffic against its
// hindsight bound and a restarted server's planner learns again.
//
// A Log takes the orders and hands them to a Sink: Files, one orders file
// a UTC day in a directory (orders-YYYY-MM-DD.csv), appended across
// restarts, a line a crash cut short cut off when the file is opened
// again, one process a directory (a lock file says so); or DB, the
// order_log table of the replicas' PostgreSQL ledger, which keeps each
// order id once whichever replica wrote it, and which DBReader follows
// for every replica's planner and ExportDB writes out as an orders file.
//
// RecordReceipt takes the units a stock update brought in, or took away
// (a negative qty: a fall; router's ReceiptRecorder), written as the rows
// of a replenishments file:
// receipts-YYYY-MM-DD.csv beside the day files, or the receipt_log table
// (ExportReceiptsDB).
//
// With a StockSource (Log.WatchStock), the writer also keeps the stock
// each UTC day started with, the stock free when it began (on hand less
// the units reserved), from which the day's orders are replayed:
// stock-YYYY-MM-DD.csv beside the day files, or the stock_log table,
// which keeps the first replica's (ExportStockDB).
//
// Recording never waits for a file or the database: Record appends the
// order's rows to a buffer that a writer takes and hands to the sink in
// the background every FlushInterval (100 ms). An order recorded while
// the buffer is full is dropped and counted, as is an order id recorded
// before (the latest ids are remembered), so a quote routed first
// without a reservation and then with one is one order.
package orderlog
