package pgschema_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/internal/pgtest"
	"github.com/omniroute/omniroute/router/pgschema"
)

func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func TestMigrationsAreNumberedFromOne(t *testing.T) {
	ms, err := pgschema.Migrations()
	require.NoError(t, err)
	require.NotEmpty(t, ms)
	for i, m := range ms {
		assert.Equal(t, i+1, m.Version)
		assert.NotEmpty(t, m.Name)
		assert.NotEmpty(t, m.SQL)
	}
	assert.Equal(t, len(ms), pgschema.Latest())
}

// TestMigrateFreshThenAgain: a fresh database gets every migration; a
// second run changes nothing.
func TestMigrateFreshThenAgain(t *testing.T) {
	conn := connect(t, pgtest.New(t))
	ctx := t.Context()
	res, err := pgschema.Migrate(ctx, conn)
	require.NoError(t, err)
	assert.Equal(t, 0, res.From)
	assert.Equal(t, pgschema.Latest(), res.To)
	assert.Len(t, res.Applied, pgschema.Latest())
	for _, table := range []string{"stock", "capacity", "reservations", "meta", "order_log", "stock_log", "receipt_log"} {
		var n int
		require.NoError(t, conn.QueryRow(ctx, `SELECT count(*) FROM `+table).Scan(&n), table)
	}

	again, err := pgschema.Migrate(ctx, conn)
	require.NoError(t, err)
	assert.Equal(t, pgschema.Latest(), again.From)
	assert.Empty(t, again.Applied)
	var rows int
	require.NoError(t, conn.QueryRow(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&rows))
	assert.Equal(t, pgschema.Latest(), rows)
}

// TestMigrateConcurrentStart: replicas starting together on an empty
// database apply each migration once; none fails or sees half a schema.
func TestMigrateConcurrentStart(t *testing.T) {
	url := pgtest.New(t)
	const replicas = 6
	conns := make([]*pgx.Conn, replicas)
	for i := range conns {
		conns[i] = connect(t, url)
	}
	results := make([]pgschema.Result, replicas)
	errs := make([]error, replicas)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range conns {
		wg.Go(func() {
			<-start
			results[i], errs[i] = pgschema.Migrate(t.Context(), conns[i])
		})
	}
	close(start)
	wg.Wait()
	applied := 0
	for i := range results {
		require.NoError(t, errs[i], "replica %d", i)
		assert.Equal(t, pgschema.Latest(), results[i].To, "replica %d", i)
		applied += len(results[i].Applied)
	}
	assert.Equal(t, pgschema.Latest(), applied, "each migration applied exactly once")
}

// TestMigrateRefusesNewerSchema: a database migrated by a newer binary is
// refused with a clear error and left as it is.
func TestMigrateRefusesNewerSchema(t *testing.T) {
	conn := connect(t, pgtest.New(t))
	ctx := t.Context()
	_, err := pgschema.Migrate(ctx, conn)
	require.NoError(t, err)
	future := pgschema.Latest() + 1
	_, err = conn.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, 'from_the_future')`, future)
	require.NoError(t, err)
	_, err = pgschema.Migrate(ctx, conn)
	require.ErrorIs(t, err, pgschema.ErrTooNew)
	assert.ErrorContains(t, err, "this binary knows up to")
	var top int
	require.NoError(t, conn.QueryRow(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&top))
	assert.Equal(t, future, top)
}
