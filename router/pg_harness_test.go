package router

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/internal/pgtest"
)

// pgReplica starts a replica on the database at url: its own service,
// pool and gRPC server, on the demo network with the demo stock as seed.
func pgReplica(t testing.TB, url string, edit func(*Config)) *env {
	t.Helper()
	return newEnv(t, func(c *Config) {
		c.Database = DatabaseConfig{URL: url, PollInterval: 100 * time.Millisecond}
		if edit != nil {
			edit(c)
		}
	})
}

// ledgers runs fn once per ledger: memory, a data directory and (when a
// PostgreSQL server is reachable) a fresh database.
func ledgers(t *testing.T, fn func(t *testing.T, start func(edit func(*Config)) *env)) {
	t.Run("memory", func(t *testing.T) {
		fn(t, func(edit func(*Config)) *env { return newEnv(t, edit) })
	})
	t.Run("bbolt", func(t *testing.T) {
		dir := t.TempDir()
		fn(t, func(edit func(*Config)) *env {
			return newEnv(t, func(c *Config) {
				c.DataDir = dir
				if edit != nil {
					edit(c)
				}
			})
		})
	})
	t.Run("postgres", func(t *testing.T) {
		url := pgtest.New(t)
		fn(t, func(edit func(*Config)) *env { return pgReplica(t, url, edit) })
	})
}

// pgAdmin is a pool on the test database for checks behind the
// replicas' backs.
func pgAdmin(t testing.TB, url string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), url)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return pool
}

// ledgerState is the database's stock and the units its ACTIVE
// reservations hold, per (node, SKU).
type ledgerState struct {
	onHand, reserved, held map[stockKey]int64
	states                 map[string]string // reservation id -> state
	orders                 map[string]int    // order id -> live reservations
}

func readLedger(t testing.TB, pool *pgxpool.Pool) ledgerState {
	t.Helper()
	ctx := context.Background()
	st := ledgerState{onHand: map[stockKey]int64{}, reserved: map[stockKey]int64{}, held: map[stockKey]int64{},
		states: map[string]string{}, orders: map[string]int{}}
	rows, err := pool.Query(ctx, `SELECT node_id, sku, on_hand, reserved FROM stock`)
	require.NoError(t, err)
	for rows.Next() {
		var k stockKey
		var on, res int64
		require.NoError(t, rows.Scan(&k.node, &k.sku, &on, &res))
		st.onHand[k], st.reserved[k] = on, res
	}
	require.NoError(t, rows.Err())
	rows, err = pool.Query(ctx, `SELECT id, order_id, state, items FROM reservations`)
	require.NoError(t, err)
	for rows.Next() {
		var id, order, state string
		var items []reservedItem
		require.NoError(t, rows.Scan(&id, &order, &state, &items))
		st.states[id] = state
		if state == "ACTIVE" || state == "COMMITTED" {
			st.orders[order]++
		}
		if state == "ACTIVE" {
			for _, it := range items {
				st.held[stockKey{node: it.NodeID, sku: it.SKU}] += int64(it.Quantity)
			}
		}
	}
	require.NoError(t, rows.Err())
	return st
}

// requireConsistent checks the ledger's invariants: every row's reserved
// units are exactly what its ACTIVE reservations hold, never more than
// on hand, and no order id has two live reservations.
func requireConsistent(t testing.TB, st ledgerState) {
	t.Helper()
	for k, r := range st.reserved {
		require.Equal(t, st.held[k], r, "%s/%s: reserved %d, ACTIVE reservations hold %d", k.node, k.sku, r, st.held[k])
		require.LessOrEqual(t, r, st.onHand[k], "%s/%s oversold", k.node, k.sku)
	}
	for k, h := range st.held {
		_, ok := st.reserved[k]
		require.True(t, ok || h == 0, "%s/%s: reservations hold %d units of a row that does not exist", k.node, k.sku, h)
	}
	for order, n := range st.orders {
		require.Equal(t, 1, n, "order %s has %d live reservations", order, n)
	}
}
