package lp

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// ErrLPFormat is wrapped by every error of [ReadLP] about the file's content.
var ErrLPFormat = errors.New("CPLEX LP format")

// rangePrefix starts the name of the auxiliary column that carries the
// range of a row with two different finite bounds, or frees a free row: the
// CPLEX LP format has no ranged rows, so (as glpsol --wlp does) row i is
// written as "expr - ~r_<i+1> = lo" with lo ≤ lo + ~r ≤ hi expressed on the
// auxiliary column. ReadLP folds such columns back into row bounds.
const rangePrefix = "~r_"

// lpLineWidth is where WriteLP breaks long expressions.
const lpLineWidth = 200

// lpKeywords are the words a name must not be (in any case): section
// headers and bound words.
var lpKeywords = map[string]bool{
	"minimize": true, "minimise": true, "minimum": true, "min": true,
	"maximize": true, "maximise": true, "maximum": true, "max": true,
	"subject": true, "such": true, "st": true, "s.t.": true, "st.": true,
	"bounds": true, "bound": true, "free": true, "inf": true, "infinity": true,
	"general": true, "generals": true, "gen": true, "integer": true, "integers": true,
	"binary": true, "binaries": true, "bin": true, "end": true,
}

// WriteLP writes the model in CPLEX LP format: the objective lists every
// column in index order (so a reader numbers them the same way), each row
// is one constraint, and the bounds section states every bound that is not
// the default [0, Inf). Names are sanitised to the format's alphabet and
// made unique (unnamed or clashing ones become x<j+1> and r<i+1>); the
// output depends only on the model.
func (m *Model) WriteLP(w io.Writer) error {
	bw := bufio.NewWriter(w)
	cols := uniqueNames(m.colName, "x")
	rows := uniqueNames(m.rowName, "r")
	name := strings.NewReplacer("*\\", "", "\n", " ", "\r", " ").Replace(m.name)
	fmt.Fprintf(bw, "\\* Problem: %s *\\\n\nMinimize\n obj:", name)
	line := &lpLine{w: bw, width: 5}
	for j, c := range m.cost {
		line.term(c, cols[j], true)
	}
	if len(m.cost) == 0 {
		line.word("0")
	}
	bw.WriteString("\n\nSubject To\n")
	var aux []int // rows written with an auxiliary range column
	for i := range m.rowLo {
		lo, hi := m.rowLo[i], m.rowHi[i]
		bw.WriteString(" " + rows[i] + ":")
		line = &lpLine{w: bw, width: len(rows[i]) + 2}
		for k, j := range m.rowCols[i] {
			line.term(m.rowVals[i][k], cols[j], false)
		}
		if len(m.rowCols[i]) == 0 && len(cols) > 0 {
			line.term(0, cols[0], true)
		}
		switch {
		case lo == hi:
			line.word("= " + formatLPNumber(lo))
		case math.IsInf(lo, -1) && !math.IsInf(hi, 1):
			line.word("<= " + formatLPNumber(hi))
		case math.IsInf(hi, 1) && !math.IsInf(lo, -1):
			line.word(">= " + formatLPNumber(lo))
		default:
			aux = append(aux, i)
			line.word(fmt.Sprintf("- %s%d", rangePrefix, i+1))
			rhs := 0.0
			if !math.IsInf(lo, -1) {
				rhs = lo
			}
			line.word("= " + formatLPNumber(rhs))
		}
		bw.WriteString("\n")
	}
	bw.WriteString("\nBounds\n")
	for _, i := range aux {
		lo, hi := m.rowLo[i], m.rowHi[i]
		auxName := fmt.Sprintf("%s%d", rangePrefix, i+1)
		if math.IsInf(lo, -1) {
			fmt.Fprintf(bw, " %s free\n", auxName)
		} else {
			fmt.Fprintf(bw, " 0 <= %s <= %s\n", auxName, formatLPNumber(hi-lo))
		}
	}
	for j := range m.cost {
		lo, hi := m.colLo[j], m.colHi[j]
		switch {
		case lo == 0 && math.IsInf(hi, 1):
		case lo == hi:
			fmt.Fprintf(bw, " %s = %s\n", cols[j], formatLPNumber(lo))
		case math.IsInf(lo, -1) && math.IsInf(hi, 1):
			fmt.Fprintf(bw, " %s free\n", cols[j])
		case math.IsInf(hi, 1):
			fmt.Fprintf(bw, " %s >= %s\n", cols[j], formatLPNumber(lo))
		case lo == 0:
			fmt.Fprintf(bw, " %s <= %s\n", cols[j], formatLPNumber(hi))
		default:
			fmt.Fprintf(bw, " %s <= %s <= %s\n", formatLPNumber(lo), cols[j], formatLPNumber(hi))
		}
	}
	bw.WriteString("\nEnd\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("lp: write %q: %w", m.name, err)
	}
	return nil
}

// lpLine writes the terms of an expression, breaking lines at lpLineWidth.
type lpLine struct {
	w     *bufio.Writer
	width int
}

func (l *lpLine) word(s string) {
	if l.width+1+len(s) > lpLineWidth {
		l.w.WriteString("\n ")
		l.width = 1
	}
	l.w.WriteString(" " + s)
	l.width += 1 + len(s)
}

// term writes "+ c name" (omitting a coefficient of 1); zero terms are
// skipped unless keepZero.
func (l *lpLine) term(c float64, name string, keepZero bool) {
	if c == 0 && !keepZero {
		return
	}
	sign := "+"
	if c < 0 || (c == 0 && math.Signbit(c)) {
		sign, c = "-", -c
	}
	if c == 1 {
		l.word(sign + " " + name)
		return
	}
	l.word(sign + " " + formatLPNumber(c) + " " + name)
}

// formatLPNumber writes v exactly (shortest round-trip form), infinities as
// +Inf and -Inf.
func formatLPNumber(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// uniqueNames sanitises names to the CPLEX LP alphabet and makes them
// unique; an empty or clashing name becomes prefix<index+1> (with a suffix
// if even that is taken).
func uniqueNames(names []string, prefix string) []string {
	out := make([]string, len(names))
	taken := make(map[string]bool, len(names))
	for k, raw := range names {
		s := sanitizeName(raw)
		if s == "" || taken[s] {
			s = fmt.Sprintf("%s%d", prefix, k+1)
			for n := 2; taken[s]; n++ {
				s = fmt.Sprintf("%s%d_%d", prefix, k+1, n)
			}
		}
		taken[s] = true
		out[k] = s
	}
	return out
}

// sanitizeName maps name to the characters the format allows in names
// (letters, digits and !"#$%&()/,.;?@_`'{}|~), replacing others by '_'. A
// name that starts with a digit, '.' or '~' (kept for range columns), or is
// a keyword, gets a leading '_'; names are cut at 255 bytes.
func sanitizeName(name string) string {
	if name == "" {
		return ""
	}
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case strings.ContainsRune("!\"#$%&()/,.;?@_`'{}|~", r):
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	s := b.String()
	if c := s[0]; (c >= '0' && c <= '9') || c == '.' || c == '~' || lpKeywords[strings.ToLower(s)] {
		s = "_" + s
	}
	if len(s) > 255 {
		s = s[:255]
	}
	return s
}
