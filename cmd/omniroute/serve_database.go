package main

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"time"

	"github.com/omniroute/omniroute/router"
)

// envDatabaseURL names the environment variable serve reads the database
// URL from when --database-url is not given (it keeps a password out of
// the process list).
const envDatabaseURL = "OMNIROUTE_DATABASE_URL"

// dbFlags are serve's flags for the shared PostgreSQL ledger.
type dbFlags struct {
	url     *string
	poll    *time.Duration
	timeout *time.Duration
}

func databaseFlags(fs *flag.FlagSet) *dbFlags {
	return &dbFlags{
		url: fs.String("database-url", "", "PostgreSQL `URL` of a ledger shared by every replica (stock, sequence numbers, reservations); "+
			"default $"+envDatabaseURL+"; excludes --data-dir"),
		poll: fs.Duration("database-poll", router.DefaultDatabasePoll,
			"how often the replica reads stock changed by others when no notification came, and notices that the database is back"),
		timeout: fs.Duration("database-timeout", router.DefaultDatabaseTimeout,
			"longest a call waits for the database before it fails with Unavailable"),
	}
}

// config is the router's database configuration; the URL comes from the
// flag or the environment.
func (f *dbFlags) config(dataDir string) (router.DatabaseConfig, error) {
	if *f.url == "" {
		*f.url = os.Getenv(envDatabaseURL)
	}
	if *f.url != "" && dataDir != "" {
		return router.DatabaseConfig{}, fmt.Errorf("%w: --data-dir and --database-url (or $%s) exclude each other", errUsage, envDatabaseURL)
	}
	if *f.poll <= 0 || *f.timeout <= 0 {
		return router.DatabaseConfig{}, fmt.Errorf("%w: --database-poll and --database-timeout must be positive", errUsage)
	}
	return router.DatabaseConfig{URL: *f.url, PollInterval: *f.poll, Timeout: *f.timeout}, nil
}

// redacted names the database for logs without its password ("" when
// there is none).
func (f *dbFlags) redacted() string {
	if *f.url == "" {
		return ""
	}
	if u, err := url.Parse(*f.url); err == nil && u.Scheme != "" {
		return u.Redacted()
	}
	return "(key=value DSN)"
}
