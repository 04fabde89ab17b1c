// Package pgschema is the PostgreSQL schema of omniroute's shared ledger
// (stock, daily pick capacity, reservations) and the migrations that build
// it.
//
// Migrations are SQL files embedded in the binary (migrations/NNNN_name.sql,
// numbered from 1 without gaps) and recorded in the schema_migrations
// table. Migrate applies the missing ones in order, each in its own
// transaction, under a PostgreSQL advisory lock, so that replicas starting
// together apply each migration exactly once and none of them runs on a
// half-built schema. A database whose schema is newer than the binary
// knows is refused (ErrTooNew): an older binary must not write to it.
package pgschema

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

//go:embed migrations/*.sql
var files embed.FS

// lockKey is the advisory lock held while migrating (and seeding): the
// first eight bytes of "omniroute" as a number.
const lockKey int64 = 0x6f6d6e69726f7574

// ErrTooNew: the database's schema is newer than this binary knows.
var ErrTooNew = errors.New("database schema is newer than this binary knows")

// Migration is one embedded schema change.
type Migration struct {
	Version int
	Name    string // the file name without its number and extension
	SQL     string
}

// Migrations returns the embedded migrations in version order.
func Migrations() ([]Migration, error) {
	entries, err := fs.ReadDir(files, "migrations")
	if err != nil {
		return nil, fmt.Errorf("pgschema: %w", err)
	}
	var out []Migration
	for _, e := range entries {
		num, name, ok := strings.Cut(strings.TrimSuffix(e.Name(), ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v != len(out)+1 {
			return nil, fmt.Errorf("pgschema: migration %s: want %04d_name.sql", e.Name(), len(out)+1)
		}
		b, err := files.ReadFile(path.Join("migrations", e.Name()))
		if err != nil {
			return nil, fmt.Errorf("pgschema: %w", err)
		}
		out = append(out, Migration{Version: v, Name: name, SQL: string(b)})
	}
	return out, nil
}

// Latest is the schema version this binary builds.
func Latest() int {
	m, err := Migrations()
	if err != nil {
		return 0
	}
	return len(m)
}

// Result says what Migrate did.
type Result struct {
	// From is the version the database had, To the version it has now.
	From, To int
	// Applied lists the versions applied by this call.
	Applied []int
}

// Migrate brings the database behind conn to the latest schema, under the
// advisory lock (it waits for another replica that is migrating). It
// returns ErrTooNew, changing nothing, when the database is ahead. conn
// must not be inside a transaction.
func Migrate(ctx context.Context, conn *pgx.Conn) (Result, error) {
	ms, err := Migrations()
	if err != nil {
		return Result{}, err
	}
	var res Result
	err = WithLock(ctx, conn, func() error {
		if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    integer     PRIMARY KEY,
			name       text        NOT NULL,
			applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		if err := conn.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&res.From); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		res.To = res.From
		if res.From > len(ms) {
			return fmt.Errorf("%w: the database is at version %d, this binary knows up to %d; run a newer omniroute", ErrTooNew, res.From, len(ms))
		}
		for _, m := range ms[res.From:] {
			err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
				if _, err := tx.Exec(ctx, m.SQL); err != nil {
					return err
				}
				_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name)
				return err
			})
			if err != nil {
				return fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err)
			}
			res.To = m.Version
			res.Applied = append(res.Applied, m.Version)
		}
		return nil
	})
	return res, err
}

// WithLock runs fn holding the schema's advisory lock on conn: replicas
// that migrate or seed the same database take turns.
func WithLock(ctx context.Context, conn *pgx.Conn, fn func() error) (err error) {
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, lockKey); err != nil {
		return fmt.Errorf("take the schema lock: %w", err)
	}
	defer func() {
		// A dropped connection lets go of the lock by itself.
		if _, uerr := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, lockKey); uerr != nil && err == nil && !conn.IsClosed() {
			err = fmt.Errorf("release the schema lock: %w", uerr)
		}
	}()
	return fn()
}
