package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBadFlagSaysItOnce: a bad flag or argument prints one line naming it
// and a hint where the usage is, and exits 2; -h prints the usage and
// exits 0.
func TestBadFlagSaysItOnce(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"route", "--bogus"}, "omniroute route: flag provided but not defined: -bogus"},
		{"bad value", []string{"route", "--sku", "MILK"}, `omniroute route: invalid value "MILK" for flag -sku`},
		{"extra argument", []string{"serve", "extra"}, `omniroute serve: unexpected argument "extra"`},
		{"missing flag", []string{"gen"}, "omniroute gen: --out is required"},
		{"bad duration", []string{"bench", "--duration", "soon"}, `omniroute bench: invalid value "soon" for flag -duration`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), c.args, &stdout, &stderr)
			assert.Equal(t, 2, code)
			assert.Empty(t, stdout.String())
			lines := strings.Split(strings.TrimRight(stderr.String(), "\n"), "\n")
			require.Len(t, lines, 2, "stderr:\n%s", stderr.String())
			assert.True(t, strings.HasPrefix(lines[0], c.want), "first line %q, want it to start with %q", lines[0], c.want)
			assert.Equal(t, "Run 'omniroute "+c.args[0]+" -h' for usage.", lines[1])
		})
	}
}

func TestHelpPrintsUsage(t *testing.T) {
	for _, cmd := range []string{"serve", "route", "solve", "gen-problem", "gen", "simulate", "bench"} {
		t.Run(cmd, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), []string{cmd, "-h"}, &stdout, &stderr)
			assert.Equal(t, 0, code)
			assert.Contains(t, stderr.String(), "usage: omniroute "+cmd)
			assert.Contains(t, stderr.String(), "-", "the flags are listed")
		})
	}
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run(context.Background(), []string{"gen", "-h"}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "--start YYYY-MM-DD", "gen's usage line names --start")
}
