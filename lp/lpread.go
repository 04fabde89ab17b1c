package lp

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// lpSection is the part of an LP file being read.
type lpSection int

const (
	sectionNone lpSection = iota
	sectionObjective
	sectionRows
	sectionBounds
	sectionEnd
)

// lpToken is one token of an LP file.
type lpToken struct {
	kind byte // 'n' name, '#' number, ':' colon, 'o' operator, 's' sign
	text string
	num  float64
	line int
}

// ReadLP reads a model in the CPLEX LP format as [Model.WriteLP] writes
// it, and what glpsol --wlp writes: a Minimize or Maximize objective (a
// maximisation is read as the minimisation of the negated objective),
// Subject To rows with <=, >= or = (named or not, over several lines),
// Bounds (lo <= x <= hi, x >= lo, x <= hi, x = v, x free, infinities as
// inf or infinity with a sign), and End. Columns are numbered in order of
// first appearance. A column named ~r_<k> that appears only in an equality
// row, with coefficient -1 and no cost, is folded back into that row's
// range. Integer sections and objective constants are errors. Errors wrap
// [ErrLPFormat] and name the line.
func ReadLP(r io.Reader) (*Model, error) {
	p := &lpParser{model: NewModel(""), col: map[string]int{}, rowIndex: map[string]bool{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 1<<30)
	section := sectionNone
	var tokens []lpToken
	flush := func() error {
		var err error
		switch section {
		case sectionObjective:
			err = p.objective(tokens)
		case sectionRows:
			err = p.rows(tokens)
		}
		tokens = tokens[:0]
		return err
	}
	lineNo := 0
	for sc.Scan() {
		lineNo++
		text := sc.Text()
		if lineNo == 1 {
			if rest, ok := strings.CutPrefix(text, "\\* Problem: "); ok {
				p.model.name = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "*\\"))
			}
		}
		if k := strings.IndexByte(text, '\\'); k >= 0 {
			text = text[:k]
		}
		trimmed := strings.TrimSpace(text)
		if trimmed == "" {
			continue
		}
		if next, ok := sectionHeader(trimmed); ok {
			if err := flush(); err != nil {
				return nil, err
			}
			switch next {
			case sectionObjective:
				p.maximize = strings.HasPrefix(strings.ToLower(trimmed), "max")
				p.sawObjective = true
			case -1:
				return nil, fmt.Errorf("lp: line %d: %w: section %q not supported (integer variables)", lineNo, ErrLPFormat, trimmed)
			default:
				if !p.sawObjective {
					return nil, fmt.Errorf("lp: line %d: %w: %q before the objective section", lineNo, ErrLPFormat, trimmed)
				}
			}
			section = next
			continue
		}
		switch section {
		case sectionNone:
			return nil, fmt.Errorf("lp: line %d: %w: %q before the objective section", lineNo, ErrLPFormat, trimmed)
		case sectionEnd:
			return nil, fmt.Errorf("lp: line %d: %w: %q after End", lineNo, ErrLPFormat, trimmed)
		case sectionBounds:
			toks, err := tokenizeLP(text, lineNo)
			if err != nil {
				return nil, err
			}
			if err := p.bound(toks, lineNo); err != nil {
				return nil, err
			}
		default:
			toks, err := tokenizeLP(text, lineNo)
			if err != nil {
				return nil, err
			}
			tokens = append(tokens, toks...)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("lp: read: %w", err)
	}
	if err := flush(); err != nil {
		return nil, err
	}
	if !p.sawObjective {
		return nil, fmt.Errorf("lp: line %d: %w: no objective section", lineNo, ErrLPFormat)
	}
	return p.finish(), nil
}

// sectionHeader recognises a section line; -1 is an unsupported section.
func sectionHeader(line string) (lpSection, bool) {
	switch strings.ToLower(strings.Join(strings.Fields(line), " ")) {
	case "minimize", "minimise", "minimum", "min", "maximize", "maximise", "maximum", "max":
		return sectionObjective, true
	case "subject to", "such that", "st", "s.t.", "st.":
		return sectionRows, true
	case "bounds", "bound":
		return sectionBounds, true
	case "general", "generals", "gen", "integer", "integers", "binary", "binaries", "bin", "semi-continuous", "semis", "semi", "sos":
		return -1, true
	case "end":
		return sectionEnd, true
	}
	return 0, false
}

// tokenizeLP splits one line (comments removed) into tokens.
func tokenizeLP(text string, line int) ([]lpToken, error) {
	var out []lpToken
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r':
			i++
		case c == ':':
			out = append(out, lpToken{kind: ':', text: ":", line: line})
			i++
		case c == '+' || c == '-':
			out = append(out, lpToken{kind: 's', text: text[i : i+1], line: line})
			i++
		case c == '<' || c == '>' || c == '=':
			j := i + 1
			if j < len(text) && (text[j] == '=' || text[j] == '<' || text[j] == '>') {
				j++
			}
			op := text[i:j]
			switch op {
			case "<", "<=", "=<":
				op = "<="
			case ">", ">=", "=>":
				op = ">="
			case "=":
			default:
				return nil, fmt.Errorf("lp: line %d: %w: operator %q", line, ErrLPFormat, op)
			}
			out = append(out, lpToken{kind: 'o', text: op, line: line})
			i = j
		case (c >= '0' && c <= '9') || c == '.':
			j := i
			for j < len(text) {
				d := text[j]
				if (d >= '0' && d <= '9') || d == '.' {
					j++
				} else if (d == 'e' || d == 'E') && j+1 < len(text) {
					j++
					if text[j] == '+' || text[j] == '-' {
						j++
					}
				} else {
					break
				}
			}
			v, err := strconv.ParseFloat(text[i:j], 64)
			if err != nil {
				return nil, fmt.Errorf("lp: line %d: %w: number %q", line, ErrLPFormat, text[i:j])
			}
			out = append(out, lpToken{kind: '#', text: text[i:j], num: v, line: line})
			i = j
		default:
			j := i
			for j < len(text) && !strings.ContainsRune(" \t\r:+-<>=", rune(text[j])) {
				j++
			}
			word := text[i:j]
			if l := strings.ToLower(word); l == "inf" || l == "infinity" {
				out = append(out, lpToken{kind: '#', text: word, num: math.Inf(1), line: line})
			} else {
				out = append(out, lpToken{kind: 'n', text: word, line: line})
			}
			i = j
		}
	}
	return out, nil
}

// lpParser accumulates the model while reading.
type lpParser struct {
	model        *Model
	col          map[string]int
	rowIndex     map[string]bool
	maximize     bool
	sawObjective bool
	// Per row: the columns and values as read, before the fold.
	cols [][]int
	vals [][]float64
}

// column returns the index of the named column, adding it (bounds [0, Inf),
// cost 0) on first sight.
func (p *lpParser) column(name string) int {
	if j, ok := p.col[name]; ok {
		return j
	}
	j := p.model.AddVar(name, 0, Inf, 0)
	p.col[name] = j
	return j
}

// expression reads "[sign] [number] name" terms from toks until a token
// that cannot continue it; it returns the terms and the tokens left.
func (p *lpParser) expression(toks []lpToken) (cols []int, vals []float64, rest []lpToken, err error) {
	for len(toks) > 0 {
		sign := 1.0
		k := 0
		for k < len(toks) && toks[k].kind == 's' {
			if toks[k].text == "-" {
				sign = -sign
			}
			k++
		}
		coef := 1.0
		if k < len(toks) && toks[k].kind == '#' {
			coef = toks[k].num
			k++
		}
		if k >= len(toks) || toks[k].kind != 'n' {
			if k == 0 {
				return cols, vals, toks, nil
			}
			line := toks[min(k, len(toks)-1)].line
			return nil, nil, nil, fmt.Errorf("lp: line %d: %w: a term without a variable (constants are not supported)", line, ErrLPFormat)
		}
		cols = append(cols, p.column(toks[k].text))
		vals = append(vals, sign*coef)
		toks = toks[k+1:]
	}
	return cols, vals, nil, nil
}

// objective reads "[name:] expression".
func (p *lpParser) objective(toks []lpToken) error {
	if len(toks) >= 2 && toks[0].kind == 'n' && toks[1].kind == ':' {
		toks = toks[2:]
	}
	cols, vals, rest, err := p.expression(toks)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("lp: line %d: %w: unexpected %q in the objective", rest[0].line, ErrLPFormat, rest[0].text)
	}
	for k, j := range cols {
		c := vals[k]
		if p.maximize {
			c = -c
		}
		p.model.cost[j] += c
	}
	return nil
}

// rows reads "[name:] expression op [sign] number" constraints.
func (p *lpParser) rows(toks []lpToken) error {
	for len(toks) > 0 {
		name := ""
		if len(toks) >= 2 && toks[0].kind == 'n' && toks[1].kind == ':' {
			name = toks[0].text
			toks = toks[2:]
		}
		line := 0
		if len(toks) > 0 {
			line = toks[0].line
		}
		cols, vals, rest, err := p.expression(toks)
		if err != nil {
			return err
		}
		if len(rest) == 0 || rest[0].kind != 'o' {
			if len(rest) > 0 {
				line = rest[0].line
			}
			return fmt.Errorf("lp: line %d: %w: row %q needs <=, >= or = and a right-hand side", line, ErrLPFormat, name)
		}
		op := rest[0].text
		rhs, rest, ok := signedNumber(rest[1:])
		if !ok {
			return fmt.Errorf("lp: line %d: %w: row %q needs a number after %s", rest0Line(rest, line), ErrLPFormat, name, op)
		}
		lo, hi := rhs, rhs
		switch op {
		case "<=":
			lo = math.Inf(-1)
		case ">=":
			hi = math.Inf(1)
		}
		if name == "" {
			name = fmt.Sprintf("r_%d", len(p.cols)+1)
		}
		if p.rowIndex[name] {
			return fmt.Errorf("lp: line %d: %w: row %q defined twice", line, ErrLPFormat, name)
		}
		p.rowIndex[name] = true
		p.model.rowName = append(p.model.rowName, name)
		p.model.rowLo = append(p.model.rowLo, lo)
		p.model.rowHi = append(p.model.rowHi, hi)
		p.cols = append(p.cols, cols)
		p.vals = append(p.vals, vals)
		toks = rest
	}
	return nil
}

func rest0Line(rest []lpToken, line int) int {
	if len(rest) > 0 {
		return rest[0].line
	}
	return line
}

// signedNumber reads "[sign] number" (number may be inf).
func signedNumber(toks []lpToken) (float64, []lpToken, bool) {
	sign := 1.0
	k := 0
	for k < len(toks) && toks[k].kind == 's' {
		if toks[k].text == "-" {
			sign = -sign
		}
		k++
	}
	if k >= len(toks) || toks[k].kind != '#' {
		return 0, toks, false
	}
	return sign * toks[k].num, toks[k+1:], true
}

// bound reads one line of the bounds section.
func (p *lpParser) bound(toks []lpToken, line int) error {
	bad := func(why string) error {
		return fmt.Errorf("lp: line %d: %w: bound: %s", line, ErrLPFormat, why)
	}
	// name free
	if len(toks) == 2 && toks[0].kind == 'n' && toks[1].kind == 'n' && strings.EqualFold(toks[1].text, "free") {
		j := p.column(toks[0].text)
		p.model.colLo[j], p.model.colHi[j] = math.Inf(-1), math.Inf(1)
		return nil
	}
	// [number op] name [op number]
	var leftOp string
	left, rest, hasLeft := signedNumber(toks)
	if hasLeft {
		if len(rest) == 0 || rest[0].kind != 'o' {
			return bad("a number must be followed by <=, >= or =")
		}
		leftOp = rest[0].text
		rest = rest[1:]
	} else {
		rest = toks
	}
	if len(rest) == 0 || rest[0].kind != 'n' {
		return bad("no variable")
	}
	j := p.column(rest[0].text)
	lo, hi := p.model.colLo[j], p.model.colHi[j]
	switch leftOp {
	case "<=":
		lo = left
	case ">=":
		hi = left
	case "=":
		lo, hi = left, left
	}
	rest = rest[1:]
	if len(rest) > 0 {
		if rest[0].kind != 'o' {
			return bad(fmt.Sprintf("unexpected %q", rest[0].text))
		}
		op := rest[0].text
		v, tail, ok := signedNumber(rest[1:])
		if !ok || len(tail) > 0 {
			return bad("expected a number after " + op)
		}
		switch op {
		case "<=":
			hi = v
		case ">=":
			lo = v
		case "=":
			lo, hi = v, v
		}
	} else if !hasLeft {
		return bad("no bound")
	}
	// A negative upper bound alone on a default column makes it (-Inf, hi]
	// in CPLEX's reading; glpsol keeps the lower bound 0. Keep what is
	// written: only the sides given change.
	p.model.colLo[j], p.model.colHi[j] = lo, hi
	return nil
}

// finish folds range columns into their rows and builds the rows.
func (p *lpParser) finish() *Model {
	m := p.model
	n := m.NumVars()
	// Count the appearances of every column in rows.
	count := make([]int, n)
	where := make([]int, n)
	for i, cols := range p.cols {
		for _, j := range cols {
			count[j]++
			where[j] = i
		}
	}
	fold := make([]bool, n)
	for j := 0; j < n; j++ {
		if !strings.HasPrefix(m.colName[j], rangePrefix) || count[j] != 1 || m.cost[j] != 0 {
			continue
		}
		i := where[j]
		if m.rowLo[i] != m.rowHi[i] {
			continue
		}
		var coef float64
		for k, c := range p.cols[i] {
			if c == j {
				coef += p.vals[i][k]
			}
		}
		if coef != -1 {
			continue
		}
		// expr - aux = b with aux in [l, u]: b + l ≤ expr ≤ b + u.
		b := m.rowLo[i]
		m.rowLo[i], m.rowHi[i] = b+m.colLo[j], b+m.colHi[j]
		fold[j] = true
	}
	// Renumber the kept columns.
	newIndex := make([]int, n)
	out := NewModel(m.name)
	for j := 0; j < n; j++ {
		if fold[j] {
			newIndex[j] = -1
			continue
		}
		newIndex[j] = out.AddVar(m.colName[j], m.colLo[j], m.colHi[j], m.cost[j])
	}
	for i := range p.cols {
		var cols []int
		var vals []float64
		for k, j := range p.cols[i] {
			if newIndex[j] >= 0 {
				cols = append(cols, newIndex[j])
				vals = append(vals, p.vals[i][k])
			}
		}
		out.AddRow(m.rowName[i], m.rowLo[i], m.rowHi[i], cols, vals)
	}
	return out
}
