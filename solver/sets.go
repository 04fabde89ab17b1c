package solver

// Methods and reasons are open sets: each is the list of values that have a
// name in methodNames or reasonNames. Code that needs one entry per method
// or reason ranges over Methods or Reasons (or indexes a table sized by
// them) instead of comparing with the last value, so a new method or
// reason is one constant and one name.

// Methods returns every known method, ascending, without
// MethodUnspecified. The slice is fresh: the caller may keep it.
func Methods() []Method {
	out := make([]Method, 0, len(methodNames))
	for m := range methodNames {
		if Method(m).Known() {
			out = append(out, Method(m))
		}
	}
	return out
}

// Known reports whether m is a method of the set (not MethodUnspecified).
func (m Method) Known() bool {
	return m != MethodUnspecified && int(m) < len(methodNames) && methodNames[m] != ""
}

// FileName is the method's spelling in files and offer ids, its contract
// name in lower case: "ship_from_store".
func (m Method) FileName() string { return lowerSnake(m.String()) }

// MethodSlots is one more than the largest known method value: the length
// of a table indexed by method.
func MethodSlots() int { return len(methodNames) }

// Reasons returns every known reason, ascending, without ReasonNone. The
// slice is fresh: the caller may keep it.
func Reasons() []Reason {
	out := make([]Reason, 0, len(reasonNames))
	for r := range reasonNames {
		if Reason(r).Known() {
			out = append(out, Reason(r))
		}
	}
	return out
}

// Known reports whether r is a reason of the set (not ReasonNone).
func (r Reason) Known() bool {
	return r != ReasonNone && int(r) < len(reasonNames) && reasonNames[r] != ""
}

// FileName is the reason's spelling in files, its contract name in lower
// case: "no_stock".
func (r Reason) FileName() string { return lowerSnake(r.String()) }

func lowerSnake(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// validMethod reports whether an option may carry m: a known method, or
// MethodUnspecified.
func validMethod(m Method) bool { return int(m) < len(methodNames) && (m == 0 || methodNames[m] != "") }

// validExcluded reports whether an option may carry r as Excluded: a known
// reason, or ReasonNone.
func validExcluded(r Reason) bool {
	return int(r) < len(reasonNames) && (r == 0 || reasonNames[r] != "")
}

// MethodChoices lists the methods' file spellings for messages:
// "ship_from_store, pickup, warehouse_ship or courier".
func MethodChoices() string {
	ms := Methods()
	s := ""
	for i, m := range ms {
		switch {
		case i == 0:
		case i == len(ms)-1:
			s += " or "
		default:
			s += ", "
		}
		s += m.FileName()
	}
	return s
}
