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

// validMethod reports whether an option may carry m: a known method, or
// MethodUnspecified.
func validMethod(m Method) bool { return int(m) < len(methodNames) && (m == 0 || methodNames[m] != "") }

// validExcluded reports whether an option may carry r as Excluded: a known
// reason, or ReasonNone.
func validExcluded(r Reason) bool {
	return int(r) < len(reasonNames) && (r == 0 || reasonNames[r] != "")
}
