package simulate

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/omniroute/omniroute/network"
)

// OrderStream is what a replay reads orders from: the OrderReader of one
// orders file, or the merge of several (FileSet). Close closes the files.
type OrderStream interface {
	// Next returns the next order, valid until the following call, or
	// io.EOF.
	Next() (*network.Order, error)
	// Name and Line are the file and the line of the first row of the
	// order Next last returned.
	Name() string
	Line() int
	// BytesRead is how much of the files has been read.
	BytesRead() int64
	// Stats is what the stream has seen so far.
	Stats() ReadStats
	Close() error
}

// OpenOrders opens the orders of src: its OrderReader, or for a FileSet
// the files merged by created_at.
func OpenOrders(src Source, skipBad bool) (OrderStream, error) {
	if set, ok := src.(FileSet); ok {
		return openMerged(set, skipBad)
	}
	f, err := src.Open()
	if err != nil {
		return nil, err
	}
	r, err := NewOrderReader(f, src.Name(), skipBad)
	if err != nil {
		f.Close()
		return nil, err
	}
	return &fileOrders{OrderReader: r, c: f}, nil
}

// fileOrders is one file's OrderReader with the file it closes.
type fileOrders struct {
	*OrderReader
	c io.Closer
}

func (f *fileOrders) Close() error { return f.c.Close() }

// FileSet is several orders files read as one, their orders merged by
// created_at: the day files of an order log, or those of several
// replicas. Each file should be in time order, as the order log writes
// them; orders of the same time keep the order of the files in the set.
// Read it with OpenOrders (Open refuses: the files have a header each).
type FileSet []string

// Name names the files: the first and how many more.
func (s FileSet) Name() string {
	switch len(s) {
	case 0:
		return "no files"
	case 1:
		return s[0]
	}
	return fmt.Sprintf("%s and %d more", s[0], len(s)-1)
}

// Size is the files' bytes together, for progress; 0 when one cannot be
// read.
func (s FileSet) Size() int64 {
	var n int64
	for _, p := range s {
		st, err := os.Stat(p)
		if err != nil {
			return 0
		}
		n += st.Size()
	}
	return n
}

// Open refuses: a set is read with OpenOrders.
func (s FileSet) Open() (io.ReadCloser, error) {
	return nil, fmt.Errorf("%s: several orders files are read with OpenOrders", s.Name())
}

// ErrNoMatch is wrapped by OrderFiles' error for a pattern that matches
// no file.
var ErrNoMatch = errors.New("no file matches")

// OrderFiles is the Source a command line names for orders: a path, or
// several, or glob patterns (filepath.Match's), separated by commas.
// One file is a FileSource; more are a FileSet, in the order given, each
// pattern's matches sorted by name. A pattern that matches nothing is an
// error; a plain path is left for its opening to report.
func OrderFiles(spec string) (Source, error) {
	var paths []string
	for part := range strings.SplitSeq(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !strings.ContainsAny(part, "*?[") {
			paths = append(paths, part)
			continue
		}
		m, err := filepath.Glob(part)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", part, err)
		}
		if len(m) == 0 {
			return nil, fmt.Errorf("%q: %w", part, ErrNoMatch)
		}
		slices.Sort(m)
		paths = append(paths, m...)
	}
	switch len(paths) {
	case 0:
		return nil, errors.New("no orders file named")
	case 1:
		return FileSource(paths[0]), nil
	}
	return FileSet(paths), nil
}

// mergedOrders merges the orders of several readers by created_at.
type mergedOrders struct {
	files []*fileOrders
	h     mergeHeap
	last  int // the file whose order Next returned last; -1 before
	stats ReadStats
	at    time.Time // the latest created_at returned
	begun bool
}

// openMerged opens every file of the set and reads the first order of
// each.
func openMerged(set FileSet, skipBad bool) (*mergedOrders, error) {
	m := &mergedOrders{last: -1}
	for _, p := range set {
		s, err := OpenOrders(FileSource(p), skipBad)
		if err != nil {
			m.Close()
			return nil, err
		}
		m.files = append(m.files, s.(*fileOrders))
	}
	for i := range m.files {
		if err := m.advance(i); err != nil {
			m.Close()
			return nil, err
		}
	}
	return m, nil
}

// advance reads file i's next order onto the heap, unless it has none.
func (m *mergedOrders) advance(i int) error {
	o, err := m.files[i].Next()
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return err
	}
	m.h.push(mergeHead{o: o, file: i})
	return nil
}

func (m *mergedOrders) Next() (*network.Order, error) {
	if m.last >= 0 {
		// Its order has been used: the file may go on.
		if err := m.advance(m.last); err != nil {
			return nil, err
		}
		m.last = -1
	}
	if m.h.Len() == 0 {
		return nil, io.EOF
	}
	top := m.h.pop()
	m.last = top.file
	m.stats.Orders++
	if m.begun && top.o.CreatedAt.Before(m.at) {
		m.stats.OutOfOrder++
		if m.stats.FirstOutOfOrderLine == 0 {
			m.stats.FirstOutOfOrderLine = m.files[top.file].Line()
		}
	}
	if !m.begun || top.o.CreatedAt.After(m.at) {
		m.at = top.o.CreatedAt
	}
	m.begun = true
	return top.o, nil
}

// Name is the file of the order Next last returned (the first file's
// before any).
func (m *mergedOrders) Name() string { return m.files[max(m.last, 0)].Name() }

// Line is the line of the order Next last returned in its file.
func (m *mergedOrders) Line() int {
	if m.last < 0 {
		return 0
	}
	return m.files[m.last].Line()
}

func (m *mergedOrders) BytesRead() int64 {
	var n int64
	for _, f := range m.files {
		n += f.BytesRead()
	}
	return n
}

// Stats adds up the files' counts; the orders out of time order are
// those of the merged stream.
func (m *mergedOrders) Stats() ReadStats {
	s := ReadStats{Orders: m.stats.Orders, OutOfOrder: m.stats.OutOfOrder, FirstOutOfOrderLine: m.stats.FirstOutOfOrderLine}
	for _, f := range m.files {
		fs := f.Stats()
		s.Rows += fs.Rows
		s.BadRows += fs.BadRows
		s.SkippedOrders += fs.SkippedOrders
		if s.FirstBad == "" {
			s.FirstBad = fs.FirstBad
		}
		for _, b := range fs.Bad {
			if len(s.Bad) < MaxSkipNotes {
				s.Bad = append(s.Bad, b)
			}
		}
	}
	return s
}

func (m *mergedOrders) Close() error {
	var errs []error
	for _, f := range m.files {
		errs = append(errs, f.Close())
	}
	return errors.Join(errs...)
}

// mergeHead is a file's next order.
type mergeHead struct {
	o    *network.Order
	file int
}

// before orders the heads by created_at, then by file.
func (a mergeHead) before(b mergeHead) bool {
	if c := a.o.CreatedAt.Compare(b.o.CreatedAt); c != 0 {
		return c < 0
	}
	return a.file < b.file
}

// mergeHeap is a binary heap of the files' next orders, the earliest
// first (written out rather than through container/heap, whose
// interface boxes every head).
type mergeHeap []mergeHead

func (h mergeHeap) Len() int { return len(h) }

func (h *mergeHeap) push(x mergeHead) {
	*h = append(*h, x)
	a := *h
	for i := len(a) - 1; i > 0; {
		up := (i - 1) / 2
		if !a[i].before(a[up]) {
			break
		}
		a[i], a[up] = a[up], a[i]
		i = up
	}
}

func (h *mergeHeap) pop() mergeHead {
	a := *h
	top := a[0]
	n := len(a) - 1
	a[0] = a[n]
	a = a[:n]
	for i := 0; ; {
		least := i
		for _, c := range []int{2*i + 1, 2*i + 2} {
			if c < n && a[c].before(a[least]) {
				least = c
			}
		}
		if least == i {
			break
		}
		a[i], a[least] = a[least], a[i]
		i = least
	}
	*h = a
	return top
}
