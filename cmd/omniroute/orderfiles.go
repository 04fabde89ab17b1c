package main

import (
	"fmt"
	"os"

	"github.com/omniroute/omniroute/simulate"
)

// orderFiles is the orders Source a flag names (simulate.OrderFiles: a
// path, or several and glob patterns separated by commas, merged by
// created_at), each file checked to exist; errors start with what.
func orderFiles(what, spec string) (simulate.Source, error) {
	src, err := simulate.OrderFiles(spec)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	paths := []string{src.Name()}
	if set, ok := src.(simulate.FileSet); ok {
		paths = set
	}
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
	}
	return src, nil
}
