package stock

import (
	"fmt"
	"math"
)

// Limits on what a stock file or a live update may set. The stock file,
// UpdateStock and StreamStock check the same rules with the same messages.
const (
	// MaxLevel is the most units a (node, SKU) row may hold on hand or as
	// safety stock, and the largest change one delta may make. A million
	// units of one SKU at one place is beyond any store or warehouse shelf;
	// the bound keeps every sum of reserved units inside an int32.
	MaxLevel = 1_000_000
	// MaxSeq is the highest sequence number an update may carry (2^63-1).
	// A producer numbering its updates by nanosecond timestamps stays far
	// below it; a producer bug that sends 2^64-1 (a -1 cast to unsigned)
	// is refused instead of silencing the row's updates for good.
	MaxSeq = math.MaxInt64
)

// CheckLevel reports whether v may be a row's on hand or safety stock:
// 0 to MaxLevel. Its message is the one every input path gives:
// "2000000 is out of range 0..1000000".
func CheckLevel(v int64) error {
	if v < 0 || v > MaxLevel {
		return fmt.Errorf("%d is out of range 0..%d", v, MaxLevel)
	}
	return nil
}

// CheckSeq reports whether seq may number an update: 1 to MaxSeq.
func CheckSeq(seq uint64) error {
	if seq == 0 || seq > MaxSeq {
		return fmt.Errorf("%d is out of range 1..%d", seq, uint64(MaxSeq))
	}
	return nil
}
