package orderlog

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/simulate"
)

// DB is the Sink of the order_log table of omniroute's PostgreSQL ledger
// (router/pgschema builds it): every replica writes into it, and an order
// id is kept once, whichever replica recorded it first.
type DB struct {
	pool *pgxpool.Pool
	own  bool
}

// NewDB writes through pool, which stays the caller's.
func NewDB(pool *pgxpool.Pool) *DB { return &DB{pool: pool} }

// OpenDB opens a pool of two connections on the database at url (a pgx
// URL or DSN), which Close closes. It does not connect until the first
// Write.
func OpenDB(ctx context.Context, url string) (*DB, error) {
	pool, err := openPool(ctx, url, 2)
	if err != nil {
		return nil, err
	}
	return &DB{pool: pool, own: true}, nil
}

// openPool opens a pool of at most conns connections on the database at
// url (a pgx URL or DSN); it connects at its first use.
func openPool(ctx context.Context, url string, conns int32) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("order log: database: %w", err)
	}
	cfg.MaxConns = conns
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("order log: database: %w", err)
	}
	return pool, nil
}

// Write implements Sink: one statement inserts the batch; the orders
// whose id the table holds already are left out and counted as held.
func (d *DB) Write(ctx context.Context, b *Batch) (int, error) {
	ids := make([]string, len(b.Orders))
	ats := make([]time.Time, len(b.Orders))
	rows := make([]string, len(b.Orders))
	for i, e := range b.Orders {
		ids[i], ats[i], rows[i] = e.ID, e.CreatedAt, string(b.Rows[e.Start:e.End])
	}
	tag, err := d.pool.Exec(ctx, `INSERT INTO order_log (order_id, created_at, rows)
		SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[]) ON CONFLICT (order_id) DO NOTHING`, ids, ats, rows)
	if err != nil {
		return 0, fmt.Errorf("order log: database: %w", err)
	}
	return len(b.Orders) - int(tag.RowsAffected()), nil
}

// Trim implements Sink: it deletes the orders created before before, the
// receipts before then and the stock of the days that ended by then.
// Every replica trims alike; a row deleted twice is deleted once.
func (d *DB) Trim(ctx context.Context, before time.Time) (int, error) {
	tag, err := d.pool.Exec(ctx, `DELETE FROM order_log WHERE created_at < $1`, before)
	if err != nil {
		return 0, fmt.Errorf("order log: database: %w", err)
	}
	n := tag.RowsAffected()
	// The receipts before then, and the stock of the days that ended by
	// then.
	for _, q := range []string{
		`DELETE FROM receipt_log WHERE at < $1`,
		`DELETE FROM stock_log WHERE day + 1 <= ($1::timestamptz AT TIME ZONE 'UTC')::date`,
	} {
		tag, err := d.pool.Exec(ctx, q, before)
		if err != nil {
			return int(n), fmt.Errorf("order log: database: %w", err)
		}
		n += tag.RowsAffected()
	}
	return int(n), nil
}

// Close implements Sink: it closes the pool OpenDB opened.
func (d *DB) Close() error {
	if d.own {
		d.pool.Close()
	}
	return nil
}

// ExportDB writes the orders of the table created in [from, to) to w as
// an orders file (its header, then the orders by created_at, those of
// the same time in the order they were written); a zero from or to
// leaves that end open. It returns how many orders it wrote.
func ExportDB(ctx context.Context, pool *pgxpool.Pool, w io.Writer, from, to time.Time) (int, error) {
	if _, err := io.WriteString(w, simulate.OrderHeader); err != nil {
		return 0, err
	}
	q := `SELECT rows FROM order_log WHERE ($1::timestamptz IS NULL OR created_at >= $1) AND ($2::timestamptz IS NULL OR created_at < $2) ORDER BY created_at, seq`
	var lo, hi *time.Time
	if !from.IsZero() {
		lo = &from
	}
	if !to.IsZero() {
		hi = &to
	}
	rs, err := pool.Query(ctx, q, lo, hi)
	if err != nil {
		return 0, fmt.Errorf("order log: database: %w", err)
	}
	defer rs.Close()
	n := 0
	var rows string
	for rs.Next() {
		if err := rs.Scan(&rows); err != nil {
			return n, fmt.Errorf("order log: database: %w", err)
		}
		if _, err := io.WriteString(w, rows); err != nil {
			return n, err
		}
		n++
	}
	if err := rs.Err(); err != nil {
		return n, fmt.Errorf("order log: database: %w", err)
	}
	return n, nil
}

// DBReader follows the order_log table: what a replica's planner reads to
// learn from the orders every replica routed.
type DBReader struct {
	pool *pgxpool.Pool
	own  bool
}

// NewDBReader reads through pool, which stays the caller's.
func NewDBReader(pool *pgxpool.Pool) *DBReader { return &DBReader{pool: pool} }

// OpenDBReader opens a pool of one connection on the database at url,
// which Close closes.
func OpenDBReader(ctx context.Context, url string) (*DBReader, error) {
	pool, err := openPool(ctx, url, 1)
	if err != nil {
		return nil, err
	}
	return &DBReader{pool: pool, own: true}, nil
}

// Close closes the pool OpenDBReader opened.
func (r *DBReader) Close() {
	if r.own {
		r.pool.Close()
	}
}

// Start is the position of the latest order written so far (0 for an
// empty table): reading from it gives the orders written after now.
func (r *DBReader) Start(ctx context.Context) (int64, error) {
	var last int64
	if err := r.pool.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM order_log`).Scan(&last); err != nil {
		return 0, fmt.Errorf("order log: database: %w", err)
	}
	return last, nil
}

// Since returns up to limit orders written after position after, in the
// order they were written, and the position of the last one (after when
// there is none).
func (r *DBReader) Since(ctx context.Context, after int64, limit int) ([]network.Order, int64, error) {
	rs, err := r.pool.Query(ctx, `SELECT seq, rows FROM order_log WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
	if err != nil {
		return nil, after, fmt.Errorf("order log: database: %w", err)
	}
	text := []byte(simulate.OrderHeader)
	last := after
	for rs.Next() {
		var rows string
		if err := rs.Scan(&last, &rows); err != nil {
			rs.Close()
			return nil, after, fmt.Errorf("order log: database: %w", err)
		}
		text = append(text, rows...)
	}
	rs.Close()
	if err := rs.Err(); err != nil {
		return nil, after, fmt.Errorf("order log: database: %w", err)
	}
	rd, err := simulate.NewOrderReader(bytes.NewReader(text), "order_log", true)
	if err != nil {
		return nil, after, err
	}
	var out []network.Order
	for {
		o, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, after, err
		}
		c := *o
		c.Lines = slices.Clone(o.Lines)
		out = append(out, c)
	}
	return out, last, nil
}

// FallsStart is the position of the latest receipt written so far (0 for
// an empty table): reading falls from it gives those written after now.
func (r *DBReader) FallsStart(ctx context.Context) (int64, error) {
	var last int64
	if err := r.pool.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM receipt_log`).Scan(&last); err != nil {
		return 0, fmt.Errorf("order log: database: %w", err)
	}
	return last, nil
}

// FallsSince calls fn with each fall of stock (a receipt of negative
// units: the units that left, as a positive number; adjustment when it is
// marked one) among up to limit
// receipts written after position after, in the order they were
// written, and returns the position of the last receipt read (after when
// there is none). On an error fn may have seen some of them.
func (r *DBReader) FallsSince(ctx context.Context, after int64, limit int, fn func(at time.Time, node, sku string, units int32, adjustment bool)) (int64, error) {
	rs, err := r.pool.Query(ctx, `SELECT seq, at, node_id, sku, qty, adjustment FROM receipt_log WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
	if err != nil {
		return after, fmt.Errorf("order log: database: %w", err)
	}
	defer rs.Close()
	last := after
	for rs.Next() {
		var rc Receipt
		if err := rs.Scan(&last, &rc.At, &rc.Node, &rc.SKU, &rc.Units, &rc.Adjustment); err != nil {
			return after, fmt.Errorf("order log: database: %w", err)
		}
		if rc.Units < 0 {
			fn(rc.At, rc.Node, rc.SKU, -rc.Units, rc.Adjustment)
		}
	}
	if err := rs.Err(); err != nil {
		return after, fmt.Errorf("order log: database: %w", err)
	}
	return last, nil
}

// DBSource is the order_log table as an orders file (simulate.Source):
// the orders created in [From, To) (a zero end left open), read as
// ExportDB writes them, streamed, so that serve's look-ahead takes the
// orders its replicas recorded as its history. With Receipts, it is the
// receipt_log table as a replenishments file instead (ExportReceiptsDB):
// the receipts and falls of stock recorded in [From, To).
type DBSource struct {
	URL      string
	From, To time.Time
	Receipts bool
}

// Name names the source in messages.
func (s DBSource) Name() string {
	if s.Receipts {
		return "receipt_log"
	}
	return "order_log"
}

// Size is unknown: 0.
func (s DBSource) Size() int64 { return 0 }

// Open connects and streams the export; closing the reader stops it.
func (s DBSource) Open() (io.ReadCloser, error) {
	ctx, cancel := context.WithCancel(context.Background())
	pool, err := openPool(ctx, s.URL, 1)
	if err != nil {
		cancel()
		return nil, err
	}
	pr, pw := io.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		export := ExportDB
		if s.Receipts {
			export = ExportReceiptsDB
		}
		_, err := export(ctx, pool, pw, s.From, s.To)
		pw.CloseWithError(err)
	}()
	return &dbStream{PipeReader: pr, stop: func() {
		cancel()
		pr.Close()
		<-done
		pool.Close()
	}}, nil
}

// dbStream is DBSource's reader.
type dbStream struct {
	*io.PipeReader
	stop func()
}

func (d *dbStream) Close() error {
	d.stop()
	return nil
}
