//go:build !unix

package orderlog

import (
	"os"
	"path/filepath"
)

// lockDir opens the directory's lock file; without flock, nothing stops
// a second writer.
func lockDir(dir string) (*os.File, error) {
	return os.OpenFile(filepath.Join(dir, ".lock"), os.O_RDWR|os.O_CREATE, 0o644)
}
