package simulate

import (
	"bytes"
	"fmt"
	"io"
	"os"
)

// Source is an input file that can be opened once per replay, so that
// every replay streams it from the start without holding it in memory.
type Source interface {
	// Name is used in messages, e.g. "orders.csv".
	Name() string
	// Size is the length in bytes, for progress; 0 when unknown.
	Size() int64
	// Open returns a fresh reader positioned at the start.
	Open() (io.ReadCloser, error)
}

// FileSource is a Source over a file path.
type FileSource string

// Name returns the path.
func (f FileSource) Name() string { return string(f) }

// Size returns the file's size, or 0 when it cannot be read.
func (f FileSource) Size() int64 {
	st, err := os.Stat(string(f))
	if err != nil {
		return 0
	}
	return st.Size()
}

// Open opens the file.
func (f FileSource) Open() (io.ReadCloser, error) {
	r, err := os.Open(string(f))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", string(f), err)
	}
	return r, nil
}

// BytesSource is a Source over bytes in memory (tests, small inputs).
type BytesSource struct {
	FileName string
	Data     []byte
}

// Name returns FileName.
func (b BytesSource) Name() string { return b.FileName }

// Size returns len(Data).
func (b BytesSource) Size() int64 { return int64(len(b.Data)) }

// Open returns a reader over Data.
func (b BytesSource) Open() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(b.Data)), nil
}
