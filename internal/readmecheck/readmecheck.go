// Package readmecheck runs the shell examples of a Markdown file, in order,
// as a reader would: it finds the ```sh blocks of README.md, turns them into
// one bash script and runs it in a fresh copy of the repository, failing on
// the first command that fails and naming its README line. `make
// readme-check` runs it (the test behind the build tag "readme").
//
// # Conventions
//
// Only fenced blocks whose info string is exactly "sh" run; usage synopses
// with [optional] parts, output and file formats go in other blocks
// (```text, ```json, ```yaml). Blocks run one after another in one bash
// process with "set -euo pipefail", each starting in the repository's root,
// so that a variable set in one block is there in the next. An HTML comment
// on the line just before a block's opening fence changes how it runs:
//
//	<!-- readme-check: background wait=localhost:50051,localhost:8080 -->
//	    The block is a server. It runs in the background in a process group
//	    of its own; the next block starts once every HOST:PORT accepts TCP
//	    connections (the check fails if one already does before the block
//	    starts: something else holds the port). A block that ends saying
//	    "address already in use" before its ports open is started again,
//	    up to five times a second apart: another program's outgoing
//	    connection may hold a port of the ephemeral range for a moment. It
//	    is stopped with SIGTERM when the run ends.
//	<!-- readme-check: needs grpcurl -->
//	    The block runs when the tool (or each of a comma-separated list) is
//	    on the PATH; without it, it is skipped with a note, unless the
//	    environment variable CI is set, and then the run fails.
//	<!-- readme-check: skip REASON -->
//	    The block does not run.
//
// and a comment on a line of its own inside a section,
//
//	<!-- readme-check: skip-section REASON -->
//
// skips every block from there to the next heading of the same or a higher
// level than the section's. Keep markers rare: a README example that does
// not run as written is a bug in the README.
package readmecheck

import (
	"bufio"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Mode is how a block runs.
type Mode int

// The ways a block runs.
const (
	// Run runs the block in the foreground.
	Run Mode = iota
	// Background starts the block and waits for its ports.
	Background
	// Skip does not run the block.
	Skip
)

// Block is one ```sh block of the document.
type Block struct {
	// Line is the line of the opening fence, from 1.
	Line int
	// Code is the block's text, without the fences.
	Code string
	Mode Mode
	// Waits are the HOST:PORT addresses a Background block must open.
	Waits []string
	// Needs are tools that must be on the PATH.
	Needs []string
	// Reason says why a block is skipped.
	Reason string
}

// ErrMarker is wrapped by every error about a malformed marker.
var ErrMarker = errors.New("readme-check marker")

var (
	markerRE  = regexp.MustCompile(`^\s*<!--\s*readme-check:\s*(.*?)\s*-->\s*$`)
	fenceRE   = regexp.MustCompile("^(\\s*)(```+|~~~+)\\s*([^\\s`]*)")
	headingRE = regexp.MustCompile(`^(#{1,6})\s`)
	addrRE    = regexp.MustCompile(`^[A-Za-z0-9.\-\[\]:]+:\d+$`)
)

// marker is a parsed readme-check comment.
type marker struct {
	line   int
	kind   string // background, needs, skip, skip-section
	waits  []string
	needs  []string
	reason string
}

func parseMarker(line int, body string) (marker, error) {
	kind, rest, _ := strings.Cut(body, " ")
	rest = strings.TrimSpace(rest)
	m := marker{line: line, kind: kind}
	switch kind {
	case "background":
		w, ok := strings.CutPrefix(rest, "wait=")
		if !ok || w == "" {
			return m, fmt.Errorf("%w: line %d: background needs wait=HOST:PORT[,HOST:PORT...]", ErrMarker, line)
		}
		for _, a := range strings.Split(w, ",") {
			if !addrRE.MatchString(a) {
				return m, fmt.Errorf("%w: line %d: %q is not HOST:PORT", ErrMarker, line, a)
			}
			m.waits = append(m.waits, a)
		}
	case "needs":
		if rest == "" {
			return m, fmt.Errorf("%w: line %d: needs names no tool", ErrMarker, line)
		}
		m.needs = strings.Split(rest, ",")
	case "skip", "skip-section":
		if rest == "" {
			return m, fmt.Errorf("%w: line %d: %s needs a reason", ErrMarker, line, kind)
		}
		m.reason = rest
	default:
		return m, fmt.Errorf("%w: line %d: unknown marker %q (want background, needs, skip or skip-section)", ErrMarker, line, kind)
	}
	return m, nil
}

// Parse returns the ```sh blocks of a Markdown document with the way each
// runs.
func Parse(doc string) ([]Block, error) {
	var blocks []Block
	var pending *marker // a marker on the line just before a fence
	skipLevel := 0      // > 0: skipping until a heading of this level or higher
	skipReason := ""
	section := 0 // level of the current heading
	sc := bufio.NewScanner(strings.NewReader(doc))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		text := sc.Text()
		if m := fenceRE.FindStringSubmatch(text); m != nil && !(m[2][0] == '`' && strings.Contains(text[len(m[1])+len(m[2]):], "`")) {
			// (A backtick fence's info string has no backtick: "```` ```sh ````"
			// starting a line is inline code, not a fence.)
			indent, fence, lang := m[1], m[2], m[3]
			start := n
			var code strings.Builder
			closed := false
			for sc.Scan() {
				n++
				t := sc.Text()
				if strings.HasPrefix(strings.TrimPrefix(t, indent), fence) && strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(t), fence[:1])) == "" {
					closed = true
					break
				}
				code.WriteString(strings.TrimPrefix(t, indent))
				code.WriteByte('\n')
			}
			if !closed {
				return nil, fmt.Errorf("line %d: the block is not closed", start)
			}
			if lang == "sh" {
				b := Block{Line: start, Code: code.String()}
				switch {
				case skipLevel > 0:
					b.Mode, b.Reason = Skip, skipReason
				case pending != nil && pending.line == start-1:
					switch pending.kind {
					case "background":
						b.Mode, b.Waits = Background, pending.waits
					case "needs":
						b.Needs = pending.needs
					case "skip":
						b.Mode, b.Reason = Skip, pending.reason
					}
				}
				blocks = append(blocks, b)
			}
			if pending != nil && pending.line == start-1 && lang != "sh" {
				return nil, fmt.Errorf("%w: line %d: the block it marks is not a ```sh block", ErrMarker, pending.line)
			}
			pending = nil
			continue
		}
		if h := headingRE.FindStringSubmatch(text); h != nil {
			level := len(h[1])
			if skipLevel > 0 && level <= skipLevel {
				skipLevel = 0
			}
			section = level
			continue
		}
		if m := markerRE.FindStringSubmatch(text); m != nil {
			mk, err := parseMarker(n, m[1])
			if err != nil {
				return nil, err
			}
			if mk.kind == "skip-section" {
				skipLevel, skipReason = max(section, 1), mk.reason
				continue
			}
			pending = &mk
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if pending != nil {
		return nil, fmt.Errorf("%w: line %d: no block follows", ErrMarker, pending.line)
	}
	return blocks, nil
}

// Script is the bash program that runs the blocks: its text, the README
// line of each of its lines (0 for the script's own), and the files the
// background blocks are run from, by name.
type Script struct {
	Text       string
	Lines      []int
	Background map[string]string
}

// FailurePrefix starts the line the script prints on stderr when a command
// fails: "readme-check: failed at script line 42 in the block at README
// line 40 (exit 1)".
const FailurePrefix = "readme-check: failed at script line "

// bgTries is how many times a background block is started when it ends
// saying "address already in use" before its ports open. The README's
// ports (50051, 8444, ...) lie in Linux's ephemeral range, so an outgoing
// connection of another program may hold one for a moment; a port that
// already accepts connections is refused before the first start instead.
const bgTries = "5"

// scriptHeader defines the helpers of the generated script. __bg starts a
// background block in its own process group and waits for its ports;
// __stop ends them on exit, waiting for every process of each group (the
// block's shell dies at once; the server it runs may still be shutting
// down).
const scriptHeader = `set -euo pipefail
__root=$(pwd)
__bg_pids=()
__stop() {
  local pid
  for pid in "${__bg_pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  for pid in "${__bg_pids[@]}"; do
    for _ in $(seq 1 100); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
}
trap __stop EXIT
__block=0
trap 'echo "` + FailurePrefix + `$LINENO in the block at README line $__block (exit $?)" >&2' ERR
__begin() { __block=$1; printf '\n== README.md:%s %s\n' "$1" "$2" >&2; cd "$__root"; }
__open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
__bg() {
  local line=$1 file=$2; shift 2
  local a
  for a in "$@"; do
    if __open "${a%:*}" "${a##*:}"; then
      echo "readme-check: README.md:$line: $a already accepts connections: stop what listens there first" >&2
      return 1
    fi
  done
  local pid i try=1
  while :; do
    setsid bash "$file" >"$file.log" 2>&1 &
    pid=$!
    __bg_pids+=("$pid")
    for a in "$@"; do
      i=0
      until __open "${a%:*}" "${a##*:}"; do
        if ! kill -0 "$pid" 2>/dev/null; then
          if [ "$try" -lt ` + bgTries + ` ] && grep -qi 'address already in use' "$file.log"; then
            echo "   a port was in use for a moment (address already in use); starting the block again" >&2
            try=$((try + 1))
            sleep 1
            continue 3
          fi
          echo "readme-check: README.md:$line: the background block ended before $a opened; its output:" >&2
          cat "$file.log" >&2
          return 1
        fi
        i=$((i + 1))
        if [ "$i" -gt 1200 ]; then
          echo "readme-check: README.md:$line: $a did not open within 120s; the block's output:" >&2
          cat "$file.log" >&2
          return 1
        fi
        sleep 0.1
      done
    done
    break
  done
  echo "   started in the background (pid $pid, output in $file.log)" >&2
}
__needs() {
  local line=$1 t; shift
  for t in "$@"; do
    if ! command -v "$t" >/dev/null 2>&1; then
      if [ -n "${CI:-}" ]; then
        echo "readme-check: README.md:$line needs $t, which is not installed (CI must install it)" >&2
        return 2
      fi
      echo "   skipped: needs $t, which is not installed" >&2
      return 1
    fi
  done
}
`

// BuildScript makes the bash program that runs blocks in order. dir is
// where the background blocks' files will be (the script refers to them
// by absolute path); each background block runs from the directory the
// script is in when it reaches it, the repository's root.
func BuildScript(blocks []Block, dir string) Script {
	s := Script{Background: map[string]string{}}
	var b strings.Builder
	emit := func(readmeLine int, text string) {
		for l := range strings.SplitSeq(strings.TrimSuffix(text, "\n"), "\n") {
			b.WriteString(l)
			b.WriteByte('\n')
			s.Lines = append(s.Lines, readmeLine)
		}
	}
	emit(0, scriptHeader)
	for _, bl := range blocks {
		first := strings.TrimSpace(strings.SplitN(strings.TrimSpace(bl.Code), "\n", 2)[0])
		emit(0, fmt.Sprintf("__begin %d %s", bl.Line, shellQuote(first)))
		switch bl.Mode {
		case Skip:
			emit(0, fmt.Sprintf("echo %s >&2", shellQuote("   skipped: "+bl.Reason)))
			continue
		case Background:
			name := fmt.Sprintf("background-%d.sh", bl.Line)
			s.Background[name] = "set -euo pipefail\n" + bl.Code
			waits := make([]string, len(bl.Waits))
			for i, w := range bl.Waits {
				waits[i] = shellQuote(w)
			}
			emit(bl.Line, fmt.Sprintf("__bg %d %s %s", bl.Line, shellQuote(dir+"/"+name), strings.Join(waits, " ")))
			continue
		}
		if len(bl.Needs) > 0 {
			needs := make([]string, len(bl.Needs))
			for i, t := range bl.Needs {
				needs[i] = shellQuote(t)
			}
			// __needs fails with 2 (CI) or 1 (skip): run the block only on 0.
			emit(0, fmt.Sprintf("__rc=0; __needs %d %s || __rc=$?; if [ \"$__rc\" = 2 ]; then (exit 2); fi", bl.Line, strings.Join(needs, " ")))
			emit(0, `if [ "$__rc" = 0 ]; then`)
			emitCode(emit, bl)
			emit(0, "fi")
			continue
		}
		emitCode(emit, bl)
	}
	s.Text = b.String()
	return s
}

// emitCode writes a block's lines, each mapped to its README line (the
// fence's line + 1 + its index).
func emitCode(emit func(int, string), bl Block) {
	for i, l := range strings.Split(strings.TrimSuffix(bl.Code, "\n"), "\n") {
		emit(bl.Line+1+i, l)
	}
}

// shellQuote quotes s for bash, in single quotes.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

var failureRE = regexp.MustCompile(regexp.QuoteMeta(FailurePrefix) + `(\d+) in the block at README line (\d+)`)

// FailedLine finds, in the script's stderr, the command that failed and
// returns its README line: the line of the command, or of its block when
// the failure was in the script's own code (a background block that did
// not start, a tool CI lacks).
func (s Script) FailedLine(stderr string) (readmeLine int, ok bool) {
	all := failureRE.FindAllStringSubmatch(stderr, -1)
	if len(all) == 0 {
		return 0, false
	}
	m := all[len(all)-1]
	n, _ := strconv.Atoi(m[1])
	block, _ := strconv.Atoi(m[2])
	if n >= 1 && n <= len(s.Lines) && s.Lines[n-1] > 0 {
		return s.Lines[n-1], true
	}
	return block, block > 0
}
