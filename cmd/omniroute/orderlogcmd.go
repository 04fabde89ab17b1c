package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/omniroute/omniroute/orderlog"
)

// runOrderLog writes the orders the replicas recorded in the database
// (serve --order-log-db) as an orders file, or with --stock the stock a
// day started with as a stock file, or with --receipts the units stock
// updates brought in and took away as a replenishments file.
func runOrderLog(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("order-log", stderr)
	dbURL := fs.String("database-url", "", "PostgreSQL `URL` of the replicas' ledger; default $"+envDatabaseURL)
	from := fs.String("from", "", "the first created_at (with --receipts, time) exported (RFC 3339; empty: the first)")
	to := fs.String("to", "", "the created_at (with --receipts, time) the export stops before (RFC 3339; empty: none)")
	out := fs.String("out", "", "write the orders file (or the stock file) here instead of standard output")
	stockDay := fs.String("stock", "", "write the stock the `DAY` (YYYY-MM-DD, UTC) started with, as a stock file, instead of orders")
	receipts := fs.Bool("receipts", false, "write the receipts of [--from, --to) (the units stock updates brought in, and as negative rows the units they took away: the falls), as a replenishments file, instead of orders")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *dbURL == "" {
		*dbURL = os.Getenv(envDatabaseURL)
	}
	if *dbURL == "" {
		return fmt.Errorf("%w: --database-url (or $%s) is required", errUsage, envDatabaseURL)
	}
	var day time.Time
	if *stockDay != "" && *receipts {
		return fmt.Errorf("%w: --stock and --receipts write different files: one at a time", errUsage)
	}
	if *stockDay != "" {
		if *from != "" || *to != "" {
			return fmt.Errorf("%w: --stock writes a day's stock; --from and --to choose orders", errUsage)
		}
		v, err := time.Parse(time.DateOnly, *stockDay)
		if err != nil {
			return fmt.Errorf("%w: --stock %q is not a day (YYYY-MM-DD)", errUsage, *stockDay)
		}
		day = v
	}
	var lo, hi time.Time
	for _, t := range []struct {
		name string
		text string
		dst  *time.Time
	}{{"--from", *from, &lo}, {"--to", *to, &hi}} {
		if t.text == "" {
			continue
		}
		v, err := time.Parse(time.RFC3339, t.text)
		if err != nil {
			return fmt.Errorf("%w: %s %q is not an RFC 3339 time", errUsage, t.name, t.text)
		}
		*t.dst = v
	}
	pool, err := pgxpool.New(ctx, *dbURL)
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	defer pool.Close()
	w := stdout
	var f *os.File
	if *out != "" {
		if f, err = os.Create(*out); err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	var what string
	if !day.IsZero() {
		at, err := orderlog.ExportStockDB(ctx, pool, bw, day)
		if err != nil {
			return err
		}
		what = fmt.Sprintf("the stock of %s, taken at %s", *stockDay, at.UTC().Format(time.RFC3339))
	} else if *receipts {
		n, err := orderlog.ExportReceiptsDB(ctx, pool, bw, lo, hi)
		if err != nil {
			return err
		}
		what = fmt.Sprintf("%d receipts", n)
	} else {
		n, err := orderlog.ExportDB(ctx, pool, bw, lo, hi)
		if err != nil {
			return err
		}
		what = fmt.Sprintf("%d orders", n)
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if f != nil {
		if err := f.Close(); err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "omniroute order-log: %s\n", what)
	return nil
}
