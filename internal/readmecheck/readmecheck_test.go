package readmecheck

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	doc := strings.Join([]string{
		"# Title", // 1
		"",
		"```sh", // 3
		"echo one",
		"```",
		"```text", // 6
		"omniroute serve [--addr A]",
		"```",
		"<!-- readme-check: background wait=localhost:50051,127.0.0.1:8080 -->", // 9
		"```sh", // 10
		"omniroute serve",
		"```",
		"<!-- readme-check: needs grpcurl,jq -->",
		"```sh", // 14
		"grpcurl list",
		"```",
		"## Benchmarks", // 17
		"<!-- readme-check: skip-section they take minutes -->",
		"```sh", // 19
		"go test -bench=.",
		"```",
		"### Sub", // 22
		"```sh",   // 23
		"go test -bench=Solve",
		"```",
		"## Next", // 26
		"<!-- readme-check: skip needs a GPU -->",
		"```sh", // 28
		"gpu-burn",
		"```",
		"  ```sh", // 31 (indented, in a list)
		"  echo indented",
		"  ```",
		"```` ```sh ```` blocks run: inline code, not a fence", // 34
	}, "\n")
	blocks, err := Parse(doc)
	require.NoError(t, err)
	require.Len(t, blocks, 7)
	assert.Equal(t, Block{Line: 3, Code: "echo one\n"}, blocks[0])
	assert.Equal(t, Block{Line: 10, Code: "omniroute serve\n", Mode: Background, Waits: []string{"localhost:50051", "127.0.0.1:8080"}}, blocks[1])
	assert.Equal(t, Block{Line: 14, Code: "grpcurl list\n", Needs: []string{"grpcurl", "jq"}}, blocks[2])
	assert.Equal(t, Block{Line: 19, Code: "go test -bench=.\n", Mode: Skip, Reason: "they take minutes"}, blocks[3])
	assert.Equal(t, Skip, blocks[4].Mode, "a subsection is part of the skipped section")
	assert.Equal(t, Block{Line: 28, Code: "gpu-burn\n", Mode: Skip, Reason: "needs a GPU"}, blocks[5])
	assert.Equal(t, Block{Line: 31, Code: "echo indented\n"}, blocks[6])
}

func TestParseRefusesBadMarkers(t *testing.T) {
	for _, doc := range []string{
		"<!-- readme-check: background -->\n```sh\nx\n```\n",
		"<!-- readme-check: background wait=nowhere -->\n```sh\nx\n```\n",
		"<!-- readme-check: sometimes -->\n```sh\nx\n```\n",
		"<!-- readme-check: skip -->\n```sh\nx\n```\n",
		"<!-- readme-check: needs jq -->\n```json\n{}\n```\n",
		"<!-- readme-check: needs jq -->\n",
	} {
		_, err := Parse(doc)
		assert.ErrorIs(t, err, ErrMarker, "%q", doc)
	}
	_, err := Parse("```sh\necho open\n")
	assert.ErrorContains(t, err, "line 1: the block is not closed")
}

func TestParseFile(t *testing.T) {
	blocks, err := ParseFile("docs/lookahead.md", "# Look-ahead\n```sh\necho one\n```\n<!-- readme-check: skip later -->\n```sh\necho two\n```\n")
	require.NoError(t, err)
	assert.Equal(t, []Block{
		{File: "docs/lookahead.md", Line: 2, Code: "echo one\n"},
		{File: "docs/lookahead.md", Line: 6, Code: "echo two\n", Mode: Skip, Reason: "later"},
	}, blocks)

	for _, tc := range []struct {
		name, doc, want string
		marker          bool
	}{
		{"docs/x.md", "```sh\necho open\n", "docs/x.md: line 1: the block is not closed", false},
		{"docs/x.md", "text\n<!-- readme-check: sometimes -->\n```sh\nx\n```\n", "docs/x.md: readme-check marker: line 2: unknown marker", true},
		{"docs/sub_dir/a-b.md", "<!-- readme-check: needs jq -->\n", "docs/sub_dir/a-b.md: readme-check marker: line 1: no block follows", true},
		{"", "```sh\necho open\n", "README.md: line 1: the block is not closed", false},
	} {
		_, err := ParseFile(tc.name, tc.doc)
		require.Error(t, err, "%q", tc.doc)
		assert.ErrorContains(t, err, tc.want)
		if tc.marker {
			assert.ErrorIs(t, err, ErrMarker)
		}
	}
}

// TestScriptPositions: every line of a block's code maps to its document
// and line, the script's own lines to the zero Pos, and an empty File to
// README.md.
func TestScriptPositions(t *testing.T) {
	blocks := []Block{
		{Line: 3, Code: "echo a\n"},
		{File: "docs/b.md", Line: 10, Code: "echo b\necho c\n"},
	}
	s := BuildScript(blocks, "/tmp/x")
	lines := strings.Split(strings.TrimSuffix(s.Text, "\n"), "\n")
	require.Len(t, s.Lines, len(lines))
	at := map[string]Pos{}
	for i, l := range lines {
		if s.Lines[i] != (Pos{}) {
			at[l] = s.Lines[i]
		}
	}
	assert.Equal(t, map[string]Pos{
		"echo a": {File: "README.md", Line: 4},
		"echo b": {File: "docs/b.md", Line: 11},
		"echo c": {File: "docs/b.md", Line: 12},
	}, at)
	assert.Contains(t, s.Text, "__begin 'README.md' 3 'echo a'\n")
	assert.Contains(t, s.Text, "__begin 'docs/b.md' 10 'echo b'\n")
	assert.Equal(t, "docs/b.md:10", Pos{File: "docs/b.md", Line: 10}.String())
	assert.Equal(t, "README.md:7", Pos{Line: 7}.String())
}

func TestFailedLine(t *testing.T) {
	s := BuildScript([]Block{{File: "docs/a_b-c.d/e.md", Line: 5, Code: "true\nfalse\n"}}, "/tmp/x")
	// The script line of "false".
	n := strings.Count(s.Text[:strings.Index(s.Text, "\nfalse\n")+1], "\n") + 1
	for _, tc := range []struct {
		what, stderr string
		want         Pos
		ok           bool
	}{
		{"a command of a block", fmt.Sprintf("%s%d in the block at docs/a_b-c.d/e.md line 5 (exit 1)\n", FailurePrefix, n), Pos{File: "docs/a_b-c.d/e.md", Line: 7}, true},
		{"the script's own code: the block's line", FailurePrefix + "3 in the block at docs/a_b-c.d/e.md line 5 (exit 2)\n", Pos{File: "docs/a_b-c.d/e.md", Line: 5}, true},
		{"the last failure counts", FailurePrefix + "3 in the block at README.md line 1 (exit 1)\n" + FailurePrefix + "3 in the block at docs/x.md line 9 (exit 1)\n", Pos{File: "docs/x.md", Line: 9}, true},
		{"before any block", FailurePrefix + "3 in the block at - line 0 (exit 1)\n", Pos{}, false},
		{"no failure", "all well\n", Pos{}, false},
	} {
		got, ok := s.FailedLine(tc.stderr)
		assert.Equal(t, tc.ok, ok, tc.what)
		assert.Equal(t, tc.want, got, tc.what)
	}
}

// TestBackgroundNamesAreUnique: two documents' background blocks at the
// same line run from different files.
func TestBackgroundNamesAreUnique(t *testing.T) {
	for _, tc := range []struct {
		first, second string
	}{
		{"", "docs/lookahead.md"},
		{"README.md", "docs/README.md"},
		{"docs/a-b.md", "docs/a/b.md"}, // both "docs-a-b.md" once sanitised
		{"docs/a b.md", "docs/a-b.md"},
	} {
		bg := func(file string) Block {
			return Block{File: file, Line: 12, Code: "serve " + file + "\n", Mode: Background, Waits: []string{"localhost:1"}}
		}
		s := BuildScript([]Block{bg(tc.first), bg(tc.second)}, "/tmp/x")
		require.Len(t, s.Background, 2, "%s and %s", tc.first, tc.second)
		codes := map[string]bool{}
		for name, code := range s.Background {
			assert.Regexp(t, `^background-[A-Za-z0-9._-]+\.sh$`, name)
			assert.Contains(t, s.Text, "'/tmp/x/"+name+"'", "the script runs %s", name)
			codes[code] = true
		}
		assert.Len(t, codes, 2, "each file holds its own block")
	}
	s := BuildScript([]Block{{File: "docs/lookahead.md", Line: 120, Mode: Background, Waits: []string{"localhost:1"}, Code: "x\n"}}, "/d")
	assert.Contains(t, s.Background, "background-docs-lookahead.md-120.sh")
	assert.Contains(t, s.Text, "__bg 'docs/lookahead.md:120' '/d/background-docs-lookahead.md-120.sh' 'localhost:1'\n")
}

// lockedBuffer is a buffer two goroutines (stdout, stderr) may write.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// run parses doc and runs its blocks in a temporary directory.
func run(t *testing.T, doc string, env ...string) (string, error) {
	t.Helper()
	blocks, err := Parse(doc)
	require.NoError(t, err)
	return runBlocks(t, blocks, env...)
}

// document is a Markdown document's name and text.
type document struct{ name, text string }

// runDocs parses docs and runs their blocks, in order, as one script in a
// temporary directory.
func runDocs(t *testing.T, docs []document, env ...string) (string, error) {
	t.Helper()
	var blocks []Block
	for _, d := range docs {
		b, err := ParseFile(d.name, d.text)
		require.NoError(t, err)
		blocks = append(blocks, b...)
	}
	return runBlocks(t, blocks, env...)
}

// runBlocks runs blocks in a temporary directory.
func runBlocks(t *testing.T, blocks []Block, env ...string) (string, error) {
	t.Helper()
	var out lockedBuffer
	err := RunScript(t.Context(), blocks, t.TempDir(), t.TempDir(), Options{Env: env, Stdout: &out, Stderr: &out})
	return out.String(), err
}

// TestRunKeepsStateAndNamesTheFailingLine: blocks share variables, start
// in the root directory, and a failing command stops the run naming its
// README line; the blocks after it do not run.
func TestRunKeepsStateAndNamesTheFailingLine(t *testing.T) {
	doc := "Intro\n" + // 1
		"```sh\n" + // 2
		"greeting=hello\n" + // 3
		"mkdir sub && cd sub\n" + // 4
		"```\n" + // 5
		"```sh\n" + // 6
		"echo \"$greeting from $(basename \"$PWD\")\"\n" + // 7
		"test -d sub\n" + // 8
		"false\n" + // 9
		"echo unreachable\n" + // 10
		"```\n" +
		"```sh\n" +
		"echo never\n" +
		"```\n"
	out, err := run(t, doc)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "README.md:9: command failed")
	assert.Contains(t, out, "hello from ")
	assert.NotContains(t, out, "unreachable")
	assert.NotContains(t, out, "never")

	out, err = run(t, "```sh\necho a | grep -q b\n```\n")
	require.Error(t, err, "pipefail: the pipe fails with grep")
	assert.Contains(t, err.Error(), "README.md:2: command failed", out)

	_, err = run(t, "```sh\necho $undefined_variable\n```\n")
	assert.Error(t, err, "set -u: an unset variable is an error")
}

// TestRunNamesTheDocument: the blocks of several documents run as one
// script, a later document's blocks seeing what the earlier ones made, and
// a failure names the document and line it is in.
func TestRunNamesTheDocument(t *testing.T) {
	readme := document{"README.md", "# Demo\n```sh\necho made > made.txt\nshared=yes\n```\n"}
	for _, tc := range []struct {
		what   string
		docs   []document
		env    []string
		err    string // in the error
		out    []string
		absent []string
	}{
		{
			what:   "a command of the second document",
			docs:   []document{readme, {"docs/lookahead.md", "# Look-ahead\n\n```sh\ncat made.txt\necho \"shared=$shared\"\nfalse\necho unreachable\n```\n"}},
			err:    "docs/lookahead.md:6: command failed",
			out:    []string{"== README.md:2 echo made > made.txt", "== docs/lookahead.md:3 cat made.txt", "made\n", "shared=yes", "in the block at docs/lookahead.md line 3 (exit 1)"},
			absent: []string{"unreachable"},
		},
		{
			what:   "the third document stops the run; the first two ran",
			docs:   []document{readme, {"docs/a.md", "```sh\necho a-ran\n```\n"}, {"docs/b_c-d.md", "```sh\ntest -e made.txt\ntest -e missing.txt\n```\n```sh\necho never\n```\n"}},
			err:    "docs/b_c-d.md:3: command failed",
			out:    []string{"a-ran"},
			absent: []string{"never"},
		},
		{
			what: "a tool CI lacks in the second document: the block's line",
			docs: []document{readme, {"docs/tools.md", "text\n<!-- readme-check: needs no-such-tool-anywhere -->\n```sh\necho x\n```\n"}},
			env:  []string{"CI=true"},
			err:  "docs/tools.md:3: command failed",
			out:  []string{"readme-check: docs/tools.md:3 needs no-such-tool-anywhere"},
		},
		{
			what:   "a failure in the first document names README.md",
			docs:   []document{{"README.md", "```sh\nfalse\n```\n"}, {"docs/a.md", "```sh\necho never\n```\n"}},
			err:    "README.md:2: command failed",
			absent: []string{"never"},
		},
		{
			what: "a background block of the second document that ends",
			docs: []document{readme, {"docs/server.md", "<!-- readme-check: background wait=" + freeAddr(t) + " -->\n```sh\necho bye; exit 1\n```\n"}},
			err:  "docs/server.md:2: command failed",
			out:  []string{"readme-check: docs/server.md:2: the background block ended before"},
		},
	} {
		t.Run(tc.what, func(t *testing.T) {
			out, err := runDocs(t, tc.docs, tc.env...)
			require.Error(t, err, out)
			assert.Contains(t, err.Error(), tc.err, out)
			for _, s := range tc.out {
				assert.Contains(t, out, s)
			}
			for _, s := range tc.absent {
				assert.NotContains(t, out, s)
			}
		})
	}
}

func TestRunSkipsAndNeeds(t *testing.T) {
	doc := "<!-- readme-check: skip not here -->\n```sh\nfalse\n```\n" +
		"<!-- readme-check: needs no-such-tool-anywhere -->\n```sh\nfalse\n```\n" +
		"<!-- readme-check: needs bash -->\n```sh\necho with bash\n```\n"
	out, err := run(t, doc, "CI=")
	require.NoError(t, err, out)
	assert.Contains(t, out, "skipped: not here")
	assert.Contains(t, out, "skipped: needs no-such-tool-anywhere")
	assert.Contains(t, out, "with bash")

	out, err = run(t, doc, "CI=true")
	require.Error(t, err)
	assert.Contains(t, out, "README.md:6 needs no-such-tool-anywhere, which is not installed (CI must install it)")
	assert.Contains(t, err.Error(), "README.md:6: command failed")
}

// TestHelperListen is not a test: the background test runs the test
// binary with READMECHECK_LISTEN=addr as a server that listens until
// SIGTERM.
func TestHelperListen(t *testing.T) {
	addr := os.Getenv("READMECHECK_LISTEN")
	if addr == "" {
		t.Skip("helper process only")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	go func() {
		for {
			c, err := lis.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	<-ctx.Done()
	lis.Close()
	if f := os.Getenv("READMECHECK_STOPPED"); f != "" {
		_ = os.WriteFile(f, []byte("stopped"), 0o644)
	}
	os.Exit(0)
}

// freeAddr is a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := lis.Addr().String()
	require.NoError(t, lis.Close())
	return addr
}

// TestRunBackground: a background block runs while the next blocks do,
// they start once its port is open, and it is stopped (SIGTERM) when the
// run ends, also when a later block fails.
func TestRunBackground(t *testing.T) {
	addr := freeAddr(t)
	for _, fail := range []bool{false, true} {
		t.Run(fmt.Sprintf("fail=%v", fail), func(t *testing.T) {
			stopped := t.TempDir() + "/stopped"
			last := "echo done"
			if fail {
				last = "false"
			}
			doc := "<!-- readme-check: background wait=" + addr + " -->\n" +
				"```sh\n\"$READMECHECK_BIN\" -test.run='^TestHelperListen$'\n```\n" +
				"```sh\n(exec 3<>/dev/tcp/" + strings.Replace(addr, ":", "/", 1) + ") && echo connected\n" + last + "\n```\n"
			out, err := run(t, doc, "READMECHECK_BIN="+os.Args[0], "READMECHECK_LISTEN="+addr, "READMECHECK_STOPPED="+stopped)
			if fail {
				require.Error(t, err)
				assert.Contains(t, err.Error(), "README.md:7: command failed")
			} else {
				require.NoError(t, err, out)
			}
			assert.Contains(t, out, "connected")
			b, rerr := os.ReadFile(stopped)
			require.NoError(t, rerr, "the server was not stopped with SIGTERM:\n%s", out)
			assert.Equal(t, "stopped", string(b))
		})
	}
}

// TestRunBackgroundRefusesABusyPort: a port that is open before the
// background block starts belongs to something else: the run fails.
func TestRunBackgroundRefusesABusyPort(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer lis.Close()
	go func() {
		for {
			c, err := lis.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	doc := "<!-- readme-check: background wait=" + lis.Addr().String() + " -->\n```sh\nsleep 60\n```\n"
	out, err := run(t, doc)
	require.Error(t, err)
	assert.Contains(t, out, "README.md:2: "+lis.Addr().String()+" already accepts connections")
	assert.Contains(t, err.Error(), "README.md:2: command failed")

	// A background block that ends before its port opens fails the run.
	doc = "<!-- readme-check: background wait=" + freeAddr(t) + " -->\n```sh\necho bye; exit 1\n```\n"
	out, err = run(t, doc)
	require.Error(t, err)
	assert.Contains(t, out, "the background block ended before")
	assert.Contains(t, out, "bye", "its output is shown")
}

// TestRunBackgroundStartsAgainWhenAPortIsTaken: a background block that
// ends with "address already in use" before its port opens (a port of the
// ephemeral range held for a moment) is started again, and the run goes
// on once it listens; one that keeps failing so fails the run.
func TestRunBackgroundStartsAgainWhenAPortIsTaken(t *testing.T) {
	addr := freeAddr(t)
	tried := t.TempDir() + "/tried"
	// The first start fails as a listen on a taken port does; the second
	// listens.
	doc := "<!-- readme-check: background wait=" + addr + " -->\n" +
		"```sh\nif [ ! -e \"$READMECHECK_TRIED\" ]; then touch \"$READMECHECK_TRIED\"; echo \"listen tcp " + addr + ": bind: address already in use\"; exit 1; fi\n" +
		"\"$READMECHECK_BIN\" -test.run='^TestHelperListen$'\n```\n" +
		"```sh\n(exec 3<>/dev/tcp/" + strings.Replace(addr, ":", "/", 1) + ") && echo connected\n```\n"
	out, err := run(t, doc, "READMECHECK_BIN="+os.Args[0], "READMECHECK_LISTEN="+addr, "READMECHECK_TRIED="+tried)
	require.NoError(t, err, out)
	assert.Contains(t, out, "starting the block again")
	assert.Contains(t, out, "connected")

	doc = "<!-- readme-check: background wait=" + freeAddr(t) + " -->\n```sh\necho \"bind: address already in use\"; exit 1\n```\n"
	out, err = run(t, doc)
	require.Error(t, err)
	assert.Equal(t, 4, strings.Count(out, "starting the block again"), out)
	assert.Contains(t, out, "the background block ended before")
}
