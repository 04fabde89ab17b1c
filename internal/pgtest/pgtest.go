// Package pgtest gives tests a PostgreSQL database of their own and a TCP
// proxy that can cut them off from it.
//
// The server comes from OMNIROUTE_TEST_DATABASE_URL (by default
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable). Each call of
// New creates a fresh database (omniroute_t_<random>) and drops it when
// the test ends, so test packages running in parallel never share state.
// When the server cannot be reached the test is skipped with the reason,
// unless CI is set in the environment: then it fails, so that CI can never
// pass by skipping the PostgreSQL tests.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the environment variable with the server's URL.
const EnvURL = "OMNIROUTE_TEST_DATABASE_URL"

// DefaultURL is the server tests use when EnvURL is not set.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// ServerURL is the URL of the server tests run against.
func ServerURL() string {
	if u := os.Getenv(EnvURL); u != "" {
		return u
	}
	return DefaultURL
}

// New creates an empty database for the test and returns its URL; the
// database is dropped (with any connection still open to it) when the
// test ends.
func New(tb testing.TB) string {
	tb.Helper()
	server := ServerURL()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, server)
	if err != nil {
		msg := fmt.Sprintf("PostgreSQL is not reachable at %s (%v); start it or set %s", redact(server), err, EnvURL)
		if os.Getenv("CI") != "" {
			tb.Fatalf("%s (CI is set: the PostgreSQL tests must run)", msg)
		}
		tb.Skip(msg)
	}
	defer admin.Close(context.Background())
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "omniroute_t_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("pgtest: create database %s: %v", name, err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		admin, err := pgx.Connect(ctx, server)
		if err != nil {
			tb.Errorf("pgtest: drop database %s: %v", name, err)
			return
		}
		defer admin.Close(context.Background())
		if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(server)
	if err != nil {
		tb.Fatalf("pgtest: %s is not a URL: %v", redact(server), err)
	}
	u.Path = "/" + name
	return u.String()
}

// WithHost returns dbURL with its host:port replaced by hostport (to go
// through a Proxy).
func WithHost(tb testing.TB, dbURL, hostport string) string {
	tb.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	u.Host = hostport
	return u.String()
}

// redact hides a password in a URL.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
