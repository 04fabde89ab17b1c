package router

import "errors"

// DatabaseConfig configures the PostgreSQL ledger.
type DatabaseConfig struct {
	// URL is a PostgreSQL connection URL or DSN; empty means no database.
	URL string
}

func newPGLedger(*Service) (ledger, error) { return nil, errors.New("not built yet") }
