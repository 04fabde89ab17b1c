package readmecheck

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
)

// Options tune RunScript.
type Options struct {
	// Env is added to the script's environment.
	Env []string
	// Stdout and Stderr receive the script's output as it comes (nil
	// discards it); stderr is also kept to find the failed line.
	Stdout, Stderr io.Writer
}

// RunScript writes the script of blocks (of one document or several, see
// BuildScript) into dir and runs it with bash, from the directory root. A
// failure names the document and line of the command that failed:
// "docs/lookahead.md:120: command failed: exit status 1".
func RunScript(ctx context.Context, blocks []Block, dir, root string, o Options) error {
	s := BuildScript(blocks, dir)
	main := filepath.Join(dir, "readme.sh")
	if err := os.WriteFile(main, []byte(s.Text), 0o644); err != nil {
		return fmt.Errorf("readme-check: %w", err)
	}
	for name, text := range s.Background {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			return fmt.Errorf("readme-check: %w", err)
		}
	}
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "bash", main)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), o.Env...)
	cmd.Stdout = o.Stdout
	if cmd.Stdout == nil {
		cmd.Stdout = io.Discard
	}
	cmd.Stderr = &stderr
	if o.Stderr != nil {
		cmd.Stderr = io.MultiWriter(&stderr, o.Stderr)
	}
	err := cmd.Run()
	if err == nil {
		return nil
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		return fmt.Errorf("readme-check: run bash: %w", err)
	}
	if at, ok := s.FailedLine(stderr.String()); ok {
		return fmt.Errorf("%s: command failed: %w", at, err)
	}
	return fmt.Errorf("readme-check: %w (see the output above)", err)
}
