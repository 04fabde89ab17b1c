package simulate

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ErrBadRow is wrapped by every ParseError, so that callers can test for a
// malformed input row with errors.Is.
var ErrBadRow = errors.New("malformed row")

// ParseError is a malformed row in an input file, located by file and line,
// e.g. `orders.csv:17: qty: "x" is not an integer`.
type ParseError struct {
	File  string
	Line  int
	Field string // empty when the row as a whole is wrong
	Msg   string
}

// Error formats the error as file:line: field: message.
func (e *ParseError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s: %s", e.File, e.Line, e.Field, e.Msg)
}

// Unwrap makes errors.Is(err, ErrBadRow) true.
func (e *ParseError) Unwrap() error { return ErrBadRow }

// csvFile reads a comma-separated file with a header row, one record at a
// time, reusing its buffers. A record is one line: quoted fields (with
// commas and doubled quotes) are supported, a line break inside quotes is
// reported as bad quoting at its line. Lines without a quote take a fast
// path that does not allocate.
type csvFile struct {
	sc     *bufio.Scanner
	name   string
	line   int   // line number of the record last returned
	read   int64 // bytes consumed so far
	fields [][]byte
	cols   map[string]int
	// lastTime is the time parseTime last read from the text lastTimeText:
	// rows of a file often repeat a time (replenishments arrive in batches).
	lastTimeText []byte
	lastTime     time.Time
}

func newCSVFile(r io.Reader, name string, required, optional []string) (*csvFile, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	f := &csvFile{sc: sc, name: name, cols: make(map[string]int)}
	rec, err := f.next()
	if err == io.EOF {
		return nil, &ParseError{File: name, Line: 1, Msg: "empty file: want a header row"}
	}
	if err != nil {
		return nil, err
	}
	for i, h := range rec {
		k := strings.ToLower(strings.TrimSpace(string(h)))
		if i == 0 {
			k = strings.TrimPrefix(k, "\ufeff")
		}
		if _, dup := f.cols[k]; dup {
			return nil, &ParseError{File: name, Line: f.line, Msg: fmt.Sprintf("duplicate column %q", k)}
		}
		f.cols[k] = i
	}
	for _, c := range required {
		if _, ok := f.cols[c]; !ok {
			return nil, &ParseError{File: name, Line: f.line, Msg: fmt.Sprintf("missing column %q (want %s)", c, strings.Join(required, ","))}
		}
	}
	known := make(map[string]bool, len(required)+len(optional))
	for _, c := range required {
		known[c] = true
	}
	for _, c := range optional {
		known[c] = true
	}
	for c := range f.cols {
		if !known[c] {
			delete(f.cols, c) // unknown columns are ignored
		}
	}
	return f, nil
}

// col returns the index of a column, or -1 when the file does not have it.
func (f *csvFile) col(name string) int {
	if i, ok := f.cols[name]; ok {
		return i
	}
	return -1
}

// next returns the next non-blank record; the slices are valid until the
// next call. It returns io.EOF at the end.
func (f *csvFile) next() ([][]byte, error) {
	for f.sc.Scan() {
		f.line++
		b := f.sc.Bytes()
		f.read += int64(len(b)) + 1
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
		if len(b) == 0 || (!plainByte(b[0]) && len(bytes.TrimSpace(b)) == 0) {
			continue
		}
		if bytes.IndexByte(b, '"') >= 0 {
			return f.splitQuoted(b)
		}
		f.fields = f.fields[:0]
		for {
			i := bytes.IndexByte(b, ',')
			if i < 0 {
				f.fields = append(f.fields, b)
				break
			}
			f.fields = append(f.fields, b[:i])
			b = b[i+1:]
		}
		return f.fields, nil
	}
	if err := f.sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", f.name, f.line+1, err)
	}
	return nil, io.EOF
}

func (f *csvFile) splitQuoted(b []byte) ([][]byte, error) {
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	rec, err := r.Read()
	if err != nil {
		return nil, &ParseError{File: f.name, Line: f.line, Msg: fmt.Sprintf("bad quoting: %v", err)}
	}
	f.fields = f.fields[:0]
	for _, s := range rec {
		f.fields = append(f.fields, []byte(s))
	}
	return f.fields, nil
}

// field returns the trimmed value of column i of rec, or nil when the
// column is absent (i < 0) or the record is short.
func field(rec [][]byte, i int) []byte {
	if i < 0 || i >= len(rec) {
		return nil
	}
	v := rec[i]
	if len(v) > 0 && plainByte(v[0]) && plainByte(v[len(v)-1]) {
		return v // nothing to trim
	}
	return bytes.TrimSpace(v)
}

// plainByte reports whether c is a printable ASCII byte other than a space:
// a field that starts and ends with one has no space to trim.
func plainByte(c byte) bool { return c > ' ' && c < utf8.RuneSelf }

func (f *csvFile) errorf(field, format string, args ...any) *ParseError {
	return &ParseError{File: f.name, Line: f.line, Field: field, Msg: fmt.Sprintf(format, args...)}
}

func (f *csvFile) required(rec [][]byte, i int, name string) ([]byte, error) {
	v := field(rec, i)
	if len(v) == 0 {
		return nil, f.errorf(name, "is empty")
	}
	return v, nil
}

func (f *csvFile) parseInt(v []byte, name string) (int64, error) {
	if len(v) > 0 && len(v) <= 18 {
		// Plain decimal digits (the common case) cannot overflow here.
		var n int64
		for _, c := range v {
			if c < '0' || c > '9' {
				goto general
			}
			n = n*10 + int64(c-'0')
		}
		return n, nil
	}
general:
	n, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil {
		return 0, f.errorf(name, "%q is not an integer", v)
	}
	return n, nil
}

func (f *csvFile) parseFloat(v []byte, name string) (float64, error) {
	x, err := strconv.ParseFloat(string(v), 64)
	if err != nil {
		return 0, f.errorf(name, "%q is not a number", v)
	}
	return x, nil
}

func (f *csvFile) parseTime(v []byte, name string) (time.Time, error) {
	if len(v) > 0 && bytes.Equal(v, f.lastTimeText) {
		return f.lastTime, nil
	}
	t, err := time.Parse(time.RFC3339, string(v))
	if err != nil {
		return time.Time{}, f.errorf(name, "%q is not an RFC 3339 time (e.g. 2026-03-02T09:30:00Z)", v)
	}
	f.lastTimeText = append(f.lastTimeText[:0], v...)
	f.lastTime = t
	return t, nil
}

func (f *csvFile) parseBool(v []byte, name string) (bool, error) {
	switch strings.ToLower(string(v)) {
	case "1", "true", "yes", "y", "t":
		return true, nil
	case "0", "false", "no", "n", "f":
		return false, nil
	}
	return false, f.errorf(name, "%q is not a boolean (true or false)", v)
}

// interner returns one shared string per distinct byte sequence, so that
// SKU and node ids read from millions of rows do not allocate each time.
type interner map[string]string

func (in interner) get(b []byte) string {
	if s, ok := in[string(b)]; ok {
		return s
	}
	s := string(b)
	in[s] = s
	return s
}
