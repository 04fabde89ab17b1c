package simulate

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/simulate/dataset"
)

// writeFiles writes each text into dir under its name and returns the
// paths in the order given.
func writeFiles(t *testing.T, dir string, files ...[2]string) []string {
	t.Helper()
	var paths []string
	for _, f := range files {
		p := filepath.Join(dir, f[0])
		require.NoError(t, os.WriteFile(p, []byte(f[1]), 0o644))
		paths = append(paths, p)
	}
	return paths
}

type streamed struct {
	id, file string
	line     int
}

func readStream(t *testing.T, s OrderStream) []streamed {
	t.Helper()
	var out []streamed
	for {
		o, err := s.Next()
		if err == io.EOF {
			return out
		}
		require.NoError(t, err)
		out = append(out, streamed{o.ID, filepath.Base(s.Name()), s.Line()})
	}
}

// TestFileSetMergesByCreatedAt: two replicas' files are read as one
// stream in time order, an order of the same time taking the files'
// order, each order naming its own file and line.
func TestFileSetMergesByCreatedAt(t *testing.T) {
	dir := t.TempDir()
	paths := writeFiles(t, dir,
		[2]string{"a.csv", "order_id,created_at,lat,lon,sku,qty\n" +
			"a1,2026-03-02T10:00:00Z,0,0,X,1\na1,2026-03-02T10:00:00Z,0,0,Y,1\n" +
			"a2,2026-03-02T10:05:00Z,0,0,X,1\na3,2026-03-02T10:09:00Z,0,0,X,1\n"},
		// Other columns, in another order.
		[2]string{"b.csv", "sku,qty,order_id,created_at,lat,lon,requested_method\n" +
			"X,1,b1,2026-03-02T10:01:00Z,0,0,pickup\nX,2,b2,2026-03-02T10:05:00Z,0,0,\n"})
	s, err := OpenOrders(FileSet(paths), false)
	require.NoError(t, err)
	defer s.Close()
	assert.Equal(t, []streamed{{"a1", "a.csv", 2}, {"b1", "b.csv", 2}, {"a2", "a.csv", 4}, {"b2", "b.csv", 3}, {"a3", "a.csv", 5}}, readStream(t, s))
	st := s.Stats()
	assert.EqualValues(t, 5, st.Orders)
	assert.EqualValues(t, 6, st.Rows)
	assert.Zero(t, st.OutOfOrder)
	total := int64(0)
	for _, p := range paths {
		fi, err := os.Stat(p)
		require.NoError(t, err)
		total += fi.Size()
	}
	assert.Equal(t, total, FileSet(paths).Size())
	assert.Equal(t, total, s.BytesRead())
	_, err = FileSet(paths).Open()
	assert.ErrorContains(t, err, "OpenOrders")
}

// TestFileSetErrorsNameTheirFile: a bad row stops the stream at its file
// and line; with skip-bad the counts of every file add up.
func TestFileSetErrorsNameTheirFile(t *testing.T) {
	dir := t.TempDir()
	paths := writeFiles(t, dir,
		[2]string{"a.csv", "order_id,created_at,lat,lon,sku,qty\na1,2026-03-02T10:00:00Z,0,0,X,1\na2,2026-03-02T10:04:00Z,0,0,X,1\na3,2026-03-02T10:05:00Z,0,0,X,x\n"},
		[2]string{"b.csv", "order_id,created_at,lat,lon,sku,qty\nb1,2026-03-02T10:01:00Z,0,0,X,1\nb2,2026-03-02T10:02:00Z,0,0,X,-1\nb3,2026-03-02T10:03:00Z,0,0,X,1\n"})
	s, err := OpenOrders(FileSet{paths[0]}, false)
	require.NoError(t, err)
	var ids []string
	for {
		o, err := s.Next()
		if err != nil {
			require.NotEqual(t, io.EOF, err)
			assert.Contains(t, err.Error(), "a.csv:4: qty")
			break
		}
		ids = append(ids, o.ID)
	}
	assert.Equal(t, []string{"a1"}, ids, "a2 is complete only at the row after it")
	require.NoError(t, s.Close())

	s, err = OpenOrders(FileSet(paths), true)
	require.NoError(t, err)
	defer s.Close()
	got := readStream(t, s)
	assert.Equal(t, []streamed{{"a1", "a.csv", 2}, {"b1", "b.csv", 2}, {"b3", "b.csv", 4}, {"a2", "a.csv", 3}}, got)
	st := s.Stats()
	assert.EqualValues(t, 2, st.BadRows)
	assert.EqualValues(t, 2, st.SkippedOrders)
	assert.Len(t, st.Bad, 2)

	_, err = OpenOrders(FileSet{paths[0], filepath.Join(dir, "missing.csv")}, false)
	assert.ErrorContains(t, err, "missing.csv")
}

func TestOrderFiles(t *testing.T) {
	dir := t.TempDir()
	header := "order_id,created_at,lat,lon,sku,qty\n"
	paths := writeFiles(t, dir, [2]string{"orders-2026-11-28.csv", header}, [2]string{"orders-2026-11-27.csv", header}, [2]string{"other.csv", header})
	src, err := OrderFiles(paths[2])
	require.NoError(t, err)
	assert.Equal(t, FileSource(paths[2]), src, "one file is a file")
	src, err = OrderFiles(filepath.Join(dir, "orders-*.csv") + " , " + paths[2])
	require.NoError(t, err)
	assert.Equal(t, FileSet{filepath.Join(dir, "orders-2026-11-27.csv"), paths[0], paths[2]}, src, "a pattern's matches sorted, then the path")
	assert.Equal(t, filepath.Join(dir, "orders-2026-11-27.csv")+" and 2 more", src.Name())
	_, err = OrderFiles(filepath.Join(dir, "nothing-*.csv"))
	assert.ErrorContains(t, err, "no file matches")
	_, err = OrderFiles(" , ")
	assert.Error(t, err)
	_, err = OrderFiles(filepath.Join(dir, "[bad"))
	assert.Error(t, err)
}

// TestReplayOfAFileSet: a replay of the orders split over two files is the
// replay of the one file they came from.
func TestReplayOfAFileSet(t *testing.T) {
	lines := strings.Split(strings.TrimSpace(tinyOrders), "\n")
	header := lines[0] + "\n"
	var odd, even strings.Builder
	odd.WriteString(header)
	even.WriteString(header)
	for _, l := range lines[1:] {
		// Rows of an order stay together: o4 has two.
		if strings.HasPrefix(l, "o1,") || strings.HasPrefix(l, "o3,") || strings.HasPrefix(l, "o5,") {
			odd.WriteString(l + "\n")
		} else {
			even.WriteString(l + "\n")
		}
	}
	paths := writeFiles(t, t.TempDir(), [2]string{"odd.csv", odd.String()}, [2]string{"even.csv", even.String()})
	one, err := Run(context.Background(), tinyConfig(t, tinyOrders))
	require.NoError(t, err)
	cfg := tinyConfig(t, tinyOrders)
	cfg.Orders = FileSet(paths)
	two, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	require.Equal(t, len(one.Results), len(two.Results))
	for i := range one.Results {
		a, b := one.Results[i], two.Results[i]
		assert.Equal(t, a.Policy, b.Policy)
		assert.Equal(t, a.TotalCost, b.TotalCost, a.Policy)
		assert.Equal(t, a.Orders, b.Orders, a.Policy)
		assert.Equal(t, a.FillRate, b.FillRate, a.Policy)
	}
	assert.Equal(t, one.Input.Orders, two.Input.Orders)
	assert.Equal(t, one.Input.Rows, two.Input.Rows)
}

// BenchmarkReadOrders reads 20,000 generated orders from one file, and
// the same orders split over four files as four replicas' logs would
// hold them (every fourth order in each), merged by created_at: what
// the merge adds to reading.
func BenchmarkReadOrders(b *testing.B) {
	_, _, src, _ := benchData(b, 20_000)
	data := src.(BytesSource).Data
	dir := b.TempDir()
	one := filepath.Join(dir, "orders.csv")
	if err := os.WriteFile(one, data, 0o644); err != nil {
		b.Fatal(err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	parts := make([]strings.Builder, 4)
	for i := range parts {
		parts[i].WriteString(lines[0])
	}
	part, last := -1, ""
	for _, l := range lines[1:] {
		if l == "" {
			continue
		}
		if id, _, _ := strings.Cut(l, ","); id != last {
			part, last = (part+1)%len(parts), id
		}
		parts[part].WriteString(l)
	}
	var set FileSet
	for i := range parts {
		p := filepath.Join(dir, fmt.Sprintf("replica-%d.csv", i))
		if err := os.WriteFile(p, []byte(parts[i].String()), 0o644); err != nil {
			b.Fatal(err)
		}
		set = append(set, p)
	}
	for _, c := range []struct {
		name string
		src  Source
	}{{"files=1", FileSource(one)}, {"files=4", set}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			var n int64
			for b.Loop() {
				s, err := OpenOrders(c.src, false)
				if err != nil {
					b.Fatal(err)
				}
				for {
					if _, err := s.Next(); err != nil {
						if err != io.EOF {
							b.Fatal(err)
						}
						break
					}
				}
				n = s.Stats().Orders
				s.Close()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(int64(b.N)*n), "ns/order")
		})
	}
}

// TestReplenishmentsFromSeveralFiles: the replenishments of a replay
// (and of its look-ahead's plans and its bound) may come from several
// files, merged by time: a replay of the generated file split in two, by
// node as two servers' receipts would be, equals the replay of the
// whole; arrivals of one time keep the files' order, and a bad row is
// named by its file and line.
func TestReplenishmentsFromSeveralFiles(t *testing.T) {
	cfg := genReplay(t, dataset.Config{Seed: 3, Stores: 8, Warehouses: 2, DarkStores: 2, SKUs: 30, Orders: 200, Days: 3})
	cfg.Policies = []string{PolicyOptimal, "lookahead"}
	whole, err := Run(context.Background(), cfg)
	require.NoError(t, err)

	raw, err := os.ReadFile(string(cfg.Replenishments.(FileSource)))
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	var parts [2]strings.Builder
	for _, l := range lines[1:] {
		node := strings.Split(l, ",")[1]
		parts[len(node)%2].WriteString(l + "\n")
	}
	require.NotZero(t, parts[0].Len())
	require.NotZero(t, parts[1].Len())
	dir := t.TempDir()
	var paths []string
	for i := range parts {
		p := filepath.Join(dir, fmt.Sprintf("receipts-%d.csv", i))
		require.NoError(t, os.WriteFile(p, []byte(lines[0]+"\n"+parts[i].String()), 0o644))
		paths = append(paths, p)
	}
	// Read whole (ReadReplenishments), the two files give the file's
	// arrivals, in its order.
	all, err := ReadReplenishments(cfg.Replenishments, cfg.Network)
	require.NoError(t, err)
	merged, err := ReadReplenishments(FileSet(paths), cfg.Network)
	require.NoError(t, err)
	require.Len(t, all, len(lines)-1)
	assert.ElementsMatch(t, all, merged)
	assert.True(t, slices.IsSortedFunc(merged, func(a, b Replenishment) int { return a.At.Compare(b.At) }))

	cfg.Replenishments = FileSet(paths)
	split, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	require.Len(t, split.Results, len(whole.Results))
	for i := range whole.Results {
		assert.Equal(t, whole.Results[i].TotalWithLost, split.Results[i].TotalWithLost, whole.Results[i].Policy)
		assert.Equal(t, *whole.Results[i].Bound, *split.Results[i].Bound, whole.Results[i].Policy)
	}

	// Ties keep the files' order; a bad row names its file and line.
	a := filepath.Join(dir, "a.csv")
	b := filepath.Join(dir, "b.csv")
	require.NoError(t, os.WriteFile(a, []byte("at,node,sku,qty\n2026-03-02T10:00:00Z,"+cfg.Network.Nodes[0].ID+",X,1\n2026-03-02T12:00:00Z,"+cfg.Network.Nodes[0].ID+",Y,1\n"), 0o644))
	require.NoError(t, os.WriteFile(b, []byte("at,node,sku,qty\n2026-03-02T10:00:00Z,"+cfg.Network.Nodes[1].ID+",X,2\n2026-03-02T11:00:00Z,"+cfg.Network.Nodes[1].ID+",Z,0\n"), 0o644))
	rs, err := OpenReplenishments(FileSet{a, b}, cfg.Network, false)
	require.NoError(t, err)
	defer rs.Close()
	first, err := rs.Next()
	require.NoError(t, err)
	second, err := rs.Next()
	require.NoError(t, err)
	assert.Equal(t, []int32{1, 2}, []int32{first.Qty, second.Qty}, "the same time: a's first")
	_, err = rs.Next()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "b.csv:3")
	_, err = ReadReplenishments(FileSet{a, b}, cfg.Network)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "b.csv:3")
}
