// Package readmecheck runs the shell examples of the repository's Markdown
// documents, in order, as a reader would, and checks their links.
//
// It finds the ```sh blocks of README.md first, then those of every
// docs/*.md in lexical order of the names (see Documents), so that a
// document under docs may use the files and variables the README's
// examples made; turns them all into one bash script and runs it in a
// fresh copy of the repository, failing on the first command that fails
// and naming its document and line ("docs/lookahead.md:120"). `make
// readme-check` runs it (the test behind the build tag "readme").
//
// The ordinary tests check the same documents' links (see CheckLinks): a
// link to a file of the repository names one that exists, and a link to a
// heading (#anchor) names one the target document has.
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
// level than the section's, in the same document. Keep markers rare: an
// example that does not run as written is a bug in its document.
package readmecheck

import (
	"bufio"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
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

// Block is one ```sh block of a document.
type Block struct {
	// File is the document's path relative to the repository's root, with
	// '/' separators: "README.md", "docs/lookahead.md". Empty (as Parse
	// leaves it) means README.md.
	File string
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

// Pos is a place in a document: its path relative to the repository's
// root (empty means README.md) and a line, from 1. The zero Pos is no
// place.
type Pos struct {
	// File is the document's path relative to the repository's root.
	File string
	// Line is a line of it, from 1; 0 in the zero Pos.
	Line int
}

// String returns "FILE:LINE", README.md for an empty File.
func (p Pos) String() string {
	return docName(p.File) + ":" + strconv.Itoa(p.Line)
}

// docName is the name printed for a document: README.md for an empty one.
func docName(file string) string {
	if file == "" {
		return "README.md"
	}
	return file
}

// openFence reports whether line opens a fenced block, with the fence's
// indentation, its backticks or tildes and the first word of its info
// string.
func openFence(line string) (indent, fence, lang string, ok bool) {
	m := fenceRE.FindStringSubmatch(line)
	// A backtick fence's info string has no backtick: "```` ```sh ````"
	// starting a line is inline code, not a fence.
	if m == nil || m[2][0] == '`' && strings.Contains(line[len(m[1])+len(m[2]):], "`") {
		return "", "", "", false
	}
	return m[1], m[2], m[3], true
}

// closesFence reports whether line closes the block that fence, indented
// by indent, opened.
func closesFence(line, indent, fence string) bool {
	return strings.HasPrefix(strings.TrimPrefix(line, indent), fence) &&
		strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(line), fence[:1])) == ""
}

// Parse returns the ```sh blocks of a Markdown document with the way each
// runs; their File is empty (README.md). Errors name a line: "line 12:
// the block is not closed".
func Parse(doc string) ([]Block, error) {
	return parse("", doc)
}

// ParseFile is Parse for the document at name, its path relative to the
// repository's root ("docs/lookahead.md"): every block's File is name,
// and errors start with it: "docs/lookahead.md: line 12: the block is not
// closed".
func ParseFile(name, doc string) ([]Block, error) {
	blocks, err := parse(name, doc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", docName(name), err)
	}
	return blocks, nil
}

// parse is Parse, setting every block's File to file.
func parse(file, doc string) ([]Block, error) {
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
		if indent, fence, lang, ok := openFence(text); ok {
			start := n
			var code strings.Builder
			closed := false
			for sc.Scan() {
				n++
				t := sc.Text()
				if closesFence(t, indent, fence) {
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
				b := Block{File: file, Line: start, Code: code.String()}
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

// Script is the bash program that runs the blocks: its text, the place in
// a document of each of its lines (the zero Pos for the script's own; File
// "README.md", not empty, for the README's), and the files the background
// blocks are run from, by name.
type Script struct {
	Text       string
	Lines      []Pos
	Background map[string]string
}

// FailurePrefix starts the line the script prints on stderr when a command
// fails: "readme-check: failed at script line 42 in the block at
// docs/lookahead.md line 40 (exit 1)", the block named by its document
// (a path relative to the repository's root: letters, digits, '/', '.',
// '-', '_') and the line of its opening fence.
const FailurePrefix = "readme-check: failed at script line "

// bgTries is how many times a background block is started when it ends
// saying "address already in use" before its ports open. The README's
// ports (50051, 8444, ...) lie in Linux's ephemeral range, so an outgoing
// connection of another program may hold one for a moment; a port that
// already accepts connections is refused before the first start instead.
const bgTries = "5"

// scriptHeader defines the helpers of the generated script. __begin FILE
// LINE COMMAND starts a block; __bg FILE:LINE SCRIPT HOST:PORT... starts a
// background block in its own process group and waits for its ports;
// __stop ends them on exit, waiting for every process of each group (the
// block's shell dies at once; the server it runs may still be shutting
// down); __needs FILE:LINE TOOL... checks a block's tools.
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
__file=-
__block=0
trap 'echo "` + FailurePrefix + `$LINENO in the block at $__file line $__block (exit $?)" >&2' ERR
__begin() { __file=$1 __block=$2; printf '\n== %s:%s %s\n' "$1" "$2" "$3" >&2; cd "$__root"; }
__open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
__bg() {
  local pos=$1 file=$2; shift 2
  local a
  for a in "$@"; do
    if __open "${a%:*}" "${a##*:}"; then
      echo "readme-check: $pos: $a already accepts connections: stop what listens there first" >&2
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
          echo "readme-check: $pos: the background block ended before $a opened; its output:" >&2
          cat "$file.log" >&2
          return 1
        fi
        i=$((i + 1))
        if [ "$i" -gt 1200 ]; then
          echo "readme-check: $pos: $a did not open within 120s; the block's output:" >&2
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
  local pos=$1 t; shift
  for t in "$@"; do
    if ! command -v "$t" >/dev/null 2>&1; then
      if [ -n "${CI:-}" ]; then
        echo "readme-check: $pos needs $t, which is not installed (CI must install it)" >&2
        return 2
      fi
      echo "   skipped: needs $t, which is not installed" >&2
      return 1
    fi
  done
}
`

// BuildScript makes the bash program that runs blocks in order, those of
// several documents one after another. dir is where the background
// blocks' files will be (the script refers to them by absolute path);
// each background block runs from the directory the script is in when it
// reaches it, the repository's root. A background block's file is named
// after its document and line: background-docs-lookahead.md-120.sh.
func BuildScript(blocks []Block, dir string) Script {
	s := Script{Background: map[string]string{}}
	var b strings.Builder
	emit := func(pos Pos, text string) {
		for l := range strings.SplitSeq(strings.TrimSuffix(text, "\n"), "\n") {
			b.WriteString(l)
			b.WriteByte('\n')
			s.Lines = append(s.Lines, pos)
		}
	}
	emit(Pos{}, scriptHeader)
	for i, bl := range blocks {
		file := docName(bl.File)
		at := Pos{File: file, Line: bl.Line}
		first := strings.TrimSpace(strings.SplitN(strings.TrimSpace(bl.Code), "\n", 2)[0])
		emit(Pos{}, fmt.Sprintf("__begin %s %d %s", shellQuote(file), bl.Line, shellQuote(first)))
		switch bl.Mode {
		case Skip:
			emit(Pos{}, fmt.Sprintf("echo %s >&2", shellQuote("   skipped: "+bl.Reason)))
			continue
		case Background:
			name := backgroundName(s.Background, at, i)
			s.Background[name] = "set -euo pipefail\n" + bl.Code
			waits := make([]string, len(bl.Waits))
			for j, w := range bl.Waits {
				waits[j] = shellQuote(w)
			}
			emit(at, fmt.Sprintf("__bg %s %s %s", shellQuote(at.String()), shellQuote(dir+"/"+name), strings.Join(waits, " ")))
			continue
		}
		if len(bl.Needs) > 0 {
			needs := make([]string, len(bl.Needs))
			for j, t := range bl.Needs {
				needs[j] = shellQuote(t)
			}
			// __needs fails with 2 (CI) or 1 (skip): run the block only on 0.
			emit(Pos{}, fmt.Sprintf("__rc=0; __needs %s %s || __rc=$?; if [ \"$__rc\" = 2 ]; then (exit 2); fi", shellQuote(at.String()), strings.Join(needs, " ")))
			emit(Pos{}, `if [ "$__rc" = 0 ]; then`)
			emitCode(emit, at, bl.Code)
			emit(Pos{}, "fi")
			continue
		}
		emitCode(emit, at, bl.Code)
	}
	s.Text = b.String()
	return s
}

// backgroundName names the file of the background block at, the index-th
// block: background-FILE-LINE.sh, FILE the document's path with every
// character but a letter, a digit, '.', '-' and '_' turned into '-', and
// the block's index added when two documents' names come out the same
// (docs/a-b.md, docs/a/b.md).
func backgroundName(taken map[string]string, at Pos, index int) string {
	file := strings.Map(func(r rune) rune {
		if r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '-' || r == '_') {
			return r
		}
		return '-'
	}, at.File)
	name := fmt.Sprintf("background-%s-%d.sh", file, at.Line)
	for n := 0; ; n++ {
		if _, dup := taken[name]; !dup {
			return name
		}
		if n == 0 {
			name = fmt.Sprintf("background-%s-%d-%d.sh", file, at.Line, index)
		} else {
			name = fmt.Sprintf("background-%s-%d-%d-%d.sh", file, at.Line, index, n)
		}
	}
}

// emitCode writes the lines of the block at, each mapped to its line in
// the document (the fence's line + 1 + its index).
func emitCode(emit func(Pos, string), at Pos, code string) {
	for i, l := range strings.Split(strings.TrimSuffix(code, "\n"), "\n") {
		emit(Pos{File: at.File, Line: at.Line + 1 + i}, l)
	}
}

// shellQuote quotes s for bash, in single quotes.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

var failureRE = regexp.MustCompile(regexp.QuoteMeta(FailurePrefix) + `(\d+) in the block at (.+?) line (\d+) \(exit`)

// FailedLine finds, in the script's stderr, the command that failed and
// returns its place: the document and line of the command, or of its
// block when the failure was in the script's own code (a background block
// that did not start, a tool CI lacks).
func (s Script) FailedLine(stderr string) (Pos, bool) {
	all := failureRE.FindAllStringSubmatch(stderr, -1)
	if len(all) == 0 {
		return Pos{}, false
	}
	m := all[len(all)-1]
	n, _ := strconv.Atoi(m[1])
	if n >= 1 && n <= len(s.Lines) && s.Lines[n-1].Line > 0 {
		return s.Lines[n-1], true
	}
	block, _ := strconv.Atoi(m[3])
	if block <= 0 {
		return Pos{}, false
	}
	return Pos{File: m[2], Line: block}, true
}
