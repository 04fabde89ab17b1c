package orderlog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/omniroute/omniroute/simulate"
)

// maxSuffix bounds the files of one day tried for a matching header.
const maxSuffix = 100

// Files is the Sink of a directory of day files: each batch is appended
// to orders-YYYY-MM-DD.csv of its UTC day (Batch.At), under the orders
// file's header, and its receipts to receipts-YYYY-MM-DD.csv, under the
// replenishments file's. Files are appended across restarts: a line a
// crash cut short is cut off when the file is opened again, and a file
// of another header is left as it is, the day going on in
// orders-DAY.1.csv (receipts-DAY.1.csv). One process writes a directory
// at a time: a lock file says so.
type Files struct {
	dir      string
	lock     *os.File
	orders   dayFile
	receipts dayFile
	scratch  []byte // the receipts' rows
	// Warn, when set, is told of a file left for its header.
	Warn func(path string)
}

// ReceiptHeader is the header of the receipts files: the columns of a
// replenishments file (simulate.NewReplenishmentReader), the reason
// simulate.ReasonAdjustment for a fall that is not demand, else empty.
const ReceiptHeader = "at,node,sku,qty,reason\n"

// dayFile is the open file of one kind of a day: its name's prefix and
// its header.
type dayFile struct {
	prefix, header string
	day            string // the day of f
	f              *os.File
}

// OpenFiles takes dir, which is created if need be, for writing day
// files; it fails when another process holds the directory's lock.
func OpenFiles(dir string) (*Files, error) {
	if dir == "" {
		return nil, errors.New("order log: no directory")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("order log: %w", err)
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, fmt.Errorf("order log %s: %w", dir, err)
	}
	// A day's stock a crash cut short under its temporary name: the
	// directory is this process's now.
	if tmps, err := filepath.Glob(filepath.Join(dir, ".stock-*.tmp")); err == nil {
		for _, t := range tmps {
			os.Remove(t)
		}
	}
	return &Files{dir: dir, lock: lock,
		orders:   dayFile{prefix: "orders-", header: simulate.OrderHeader},
		receipts: dayFile{prefix: "receipts-", header: ReceiptHeader}}, nil
}

// Dir is the directory written.
func (fs *Files) Dir() string { return fs.dir }

// Write implements Sink: it appends the batch's rows to its day's file,
// opening it when the day changed. It holds no order before.
func (fs *Files) Write(_ context.Context, b *Batch) (int, error) {
	return 0, fs.append(&fs.orders, b.At, b.Rows)
}

// WriteReceipts implements ReceiptSink: it appends their rows (a
// replenishments file's) to the receipts file of at's day.
func (fs *Files) WriteReceipts(_ context.Context, at time.Time, rs []Receipt) error {
	fs.scratch = fs.scratch[:0]
	for i := range rs {
		fs.scratch = appendReceipt(fs.scratch, &rs[i])
	}
	return fs.append(&fs.receipts, at, fs.scratch)
}

// append appends rows to df's file of at's UTC day, opening it when the
// day changed.
func (fs *Files) append(df *dayFile, at time.Time, rows []byte) error {
	if day := at.UTC().Format(time.DateOnly); day != df.day || df.f == nil {
		df.close()
		if err := fs.open(df, day); err != nil {
			return err
		}
	}
	if _, err := df.f.Write(rows); err != nil {
		err = fmt.Errorf("write %s: %w", df.f.Name(), err)
		df.drop()
		return err
	}
	return nil
}

// trimmed are the prefixes of the files Trim lets go of.
var trimmed = [...]string{"orders-", "receipts-", "stock-"}

// Trim implements Sink: it removes the files of the days that ended by
// before (orders-DAY.csv, orders-DAY.N.csv, receipts-DAY.csv and
// stock-DAY.csv), never the open day's.
func (fs *Files) Trim(_ context.Context, before time.Time) (int, error) {
	entries, err := os.ReadDir(fs.dir)
	if err != nil {
		return 0, fmt.Errorf("order log: %w", err)
	}
	n := 0
	for _, e := range entries {
		name := e.Name()
		i := slices.IndexFunc(trimmed[:], func(p string) bool { return strings.HasPrefix(name, p) })
		if e.IsDir() || i < 0 || !strings.HasSuffix(name, ".csv") || len(name) < len(trimmed[i]+"2006-01-02.csv") {
			continue
		}
		prefix := trimmed[i]
		day, err := time.Parse(time.DateOnly, name[len(prefix):len(prefix+"2006-01-02")])
		if err != nil || day.Add(24*time.Hour).After(before) || day.Format(time.DateOnly) == fs.orders.day {
			continue // a day not over by then, or the one being written
		}
		if err := os.Remove(filepath.Join(fs.dir, name)); err != nil {
			return n, fmt.Errorf("order log: %w", err)
		}
		n++
	}
	return n, nil
}

// Close implements Sink: it syncs and closes the day's files and
// releases the directory.
func (fs *Files) Close() error {
	return errors.Join(fs.orders.close(), fs.receipts.close(), fs.lock.Close())
}

// close syncs and closes the day's file.
func (df *dayFile) close() error {
	if df.f == nil {
		return nil
	}
	var err error
	if serr := df.f.Sync(); serr != nil {
		err = fmt.Errorf("sync %s: %w", df.f.Name(), serr)
	}
	df.drop()
	return err
}

// drop closes the file: after a failed write, the next write opens it
// again and cuts off what was half written.
func (df *dayFile) drop() {
	if df.f != nil {
		df.f.Close()
	}
	df.f, df.day = nil, ""
}

// open opens df's file of day for appending: the first of PREFIX-DAY.csv,
// PREFIX-DAY.1.csv, ... that is empty (it gets the header) or starts
// with the header, its last line completed by cutting off a partial one.
func (fs *Files) open(df *dayFile, day string) error {
	base := df.prefix + day
	for n := 0; n < maxSuffix; n++ {
		name := base + ".csv"
		if n > 0 {
			name = fmt.Sprintf("%s.%d.csv", base, n)
		}
		path := filepath.Join(fs.dir, name)
		f, ok, err := openAppend(path, df.header)
		if err != nil {
			return err
		}
		if !ok {
			if fs.Warn != nil {
				fs.Warn(path)
			}
			continue
		}
		df.f, df.day = f, day
		return nil
	}
	return fmt.Errorf("order log: %d files of %s have another header", maxSuffix, base)
}

// openAppend opens path positioned at its end, writing header into an
// empty file. ok is false (and the file closed) when the file starts
// with another header. A last line without its line break, which a crash
// leaves, is cut off.
func openAppend(path, header string) (f *os.File, ok bool, err error) {
	f, err = os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, false, fmt.Errorf("order log: %w", err)
	}
	defer func() {
		if err != nil || !ok {
			f.Close()
		}
	}()
	st, err := f.Stat()
	if err != nil {
		return nil, false, fmt.Errorf("order log: %w", err)
	}
	size := st.Size()
	if size == 0 {
		if _, err := io.WriteString(f, header); err != nil {
			return nil, false, fmt.Errorf("order log: %w", err)
		}
		return f, true, nil
	}
	head := make([]byte, len(header))
	n, err := f.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		return nil, false, fmt.Errorf("order log: %w", err)
	}
	if !bytes.Equal(head[:n], []byte(header)) {
		if int64(n) == size && bytes.HasPrefix([]byte(header), head[:n]) {
			// A header cut short: the file holds nothing else.
			if err := f.Truncate(0); err != nil {
				return nil, false, fmt.Errorf("order log: %w", err)
			}
			if _, err := f.WriteAt([]byte(header), 0); err != nil {
				return nil, false, fmt.Errorf("order log: %w", err)
			}
			_, err = f.Seek(0, io.SeekEnd)
			return f, err == nil, err
		}
		return nil, false, nil
	}
	end, err := completeLines(f, size)
	if err != nil {
		return nil, false, fmt.Errorf("order log %s: %w", path, err)
	}
	if _, err := f.Seek(end, io.SeekStart); err != nil {
		return nil, false, fmt.Errorf("order log: %w", err)
	}
	return f, true, nil
}

// completeLines returns where the file's last complete line ends,
// cutting off what follows it.
func completeLines(f *os.File, size int64) (int64, error) {
	var last [1]byte
	if _, err := f.ReadAt(last[:], size-1); err != nil {
		return 0, err
	}
	if last[0] == '\n' {
		return size, nil
	}
	chunk := make([]byte, 64<<10)
	for end := size; end > 0; {
		start := max(end-int64(len(chunk)), 0)
		b := chunk[:end-start]
		if _, err := f.ReadAt(b, start); err != nil {
			return 0, err
		}
		if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
			cut := start + int64(i) + 1
			return cut, f.Truncate(cut)
		}
		end = start
	}
	return 0, errors.New("no complete line")
}
