//go:build readme

package readmecheck

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestREADME runs the ```sh blocks of the repository's README.md and then
// of every docs/*.md (see Documents), in order, as one script, in a fresh
// copy of the repository (the files git tracks or would track, as they are
// in the work tree): `make readme-check`. The copy's `make install` puts
// omniroute in a directory of its own, first on the PATH, so that the
// commands run the binary built from this tree. README_CHECK_KEEP=1 keeps
// the copy and prints where it is.
func TestREADME(t *testing.T) {
	root := repoRoot(t)
	docs, err := Documents(os.DirFS(root))
	require.NoError(t, err)
	var blocks []Block
	for _, name := range docs {
		doc, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(name)))
		require.NoError(t, err)
		b, err := ParseFile(name, string(doc))
		require.NoError(t, err)
		if name == "README.md" {
			require.NotEmpty(t, b, "README.md has no ```sh block")
		}
		blocks = append(blocks, b...)
	}

	work, err := os.MkdirTemp("", "omniroute-readme-")
	require.NoError(t, err)
	if os.Getenv("README_CHECK_KEEP") != "" {
		t.Logf("the copy is kept in %s", work)
	} else {
		t.Cleanup(func() { os.RemoveAll(work) })
	}
	repo := filepath.Join(work, "omniroute")
	copyTree(t, root, repo)
	gobin := filepath.Join(work, "bin")
	require.NoError(t, os.MkdirAll(gobin, 0o755))

	err = RunScript(t.Context(), blocks, work, repo, Options{
		Env: []string{
			"GOBIN=" + gobin,
			"PATH=" + gobin + string(os.PathListSeparator) + os.Getenv("PATH"),
		},
		Stdout: os.Stdout,
		Stderr: os.Stderr,
	})
	require.NoError(t, err)
}

// copyTree copies the files git lists in root (tracked, and untracked but
// not ignored) to dst.
func copyTree(t *testing.T, root, dst string) {
	t.Helper()
	cmd := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	cmd.Dir = root
	out, err := cmd.Output()
	require.NoError(t, err)
	for _, name := range bytes.Split(bytes.TrimRight(out, "\x00"), []byte{0}) {
		rel := string(name)
		src := filepath.Join(root, rel)
		info, err := os.Lstat(src)
		if os.IsNotExist(err) {
			continue // deleted in the work tree
		}
		require.NoError(t, err)
		if !info.Mode().IsRegular() {
			continue
		}
		target := filepath.Join(dst, rel)
		require.NoError(t, os.MkdirAll(filepath.Dir(target), 0o755))
		in, err := os.Open(src)
		require.NoError(t, err)
		f, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, info.Mode().Perm())
		require.NoError(t, err)
		_, err = io.Copy(f, in)
		in.Close()
		require.NoError(t, err)
		require.NoError(t, f.Close())
	}
}
