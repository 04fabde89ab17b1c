package readmecheck

import (
	"errors"
	"fmt"
	"html"
	"io/fs"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// Documents returns the documents of the repository fsys (its root) whose
// examples run and whose links are checked, in the order the examples
// run: README.md, then every docs/*.md (not those of docs' folders) in
// lexical order of their names. Names are relative to the root, with '/'
// separators; a repository without a docs folder has README.md only.
func Documents(fsys fs.FS) ([]string, error) {
	docs := []string{"README.md"}
	entries, err := fs.ReadDir(fsys, "docs")
	if errors.Is(err, fs.ErrNotExist) {
		return docs, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list the documents: %w", err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".md") && !e.IsDir() {
			names = append(names, "docs/"+e.Name())
		}
	}
	sort.Strings(names) // fs.ReadDir sorts, but not every fs.FS's ReadDir does
	return append(docs, names...), nil
}

// Slug returns the anchor GitHub gives a heading whose text (as rendered:
// no link targets, no HTML tags) is text: lower-cased, every character but
// a letter, a digit, a space, '-' and '_' removed, each space turned into
// '-'. "`simulate --bound`: how far" is "simulate---bound-how-far". A
// document's second heading with the same slug gets "-1" (see Anchors).
func Slug(text string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(text) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

var (
	// atxRE is an ATX heading, its text in group 1.
	atxRE = regexp.MustCompile(`^ {0,3}#{1,6}(?:[ \t]+(.*))?$`)
	// closingRE is an ATX heading's optional closing sequence of '#'.
	closingRE = regexp.MustCompile(`(?:^|[ \t])#+[ \t]*$`)
	// tagRE is an HTML tag.
	tagRE = regexp.MustCompile(`</?[A-Za-z][^<>]*>`)
)

// Anchors returns the anchors of a Markdown document's headings (ATX ones,
// "#" to "######", outside fenced blocks), in order, as GitHub makes them:
// the Slug of the heading's text, followed by "-1", "-2", ... when an
// earlier heading has the same anchor.
func Anchors(doc string) []string {
	var anchors []string
	seen := map[string]int{} // anchor → how many times its base was taken again
	for _, c := range chunks(doc) {
		if !c.heading {
			continue
		}
		base := Slug(headingText(c.text))
		anchor := base
		for {
			if _, dup := seen[anchor]; !dup {
				break
			}
			seen[base]++
			anchor = base + "-" + strconv.Itoa(seen[base])
		}
		seen[anchor] = 0
		anchors = append(anchors, anchor)
	}
	return anchors
}

// headingText is the text of an ATX heading line as GitHub renders it:
// without its '#'s, link targets and HTML tags, entities decoded; code
// spans keep their content as written.
func headingText(line string) string {
	m := atxRE.FindStringSubmatch(line)
	if m == nil {
		return ""
	}
	raw := strings.TrimSpace(closingRE.ReplaceAllString(m[1], ""))
	spans := codeSpans(raw)
	masked := maskCode(raw, spans)
	var drop []span // what the rendered text does not show
	for _, l := range findLinks(masked) {
		drop = append(drop, span{l.start, l.textStart}, span{l.textEnd, l.end})
	}
	for _, loc := range tagRE.FindAllStringIndex(masked, -1) {
		drop = append(drop, span{loc[0], loc[1]})
	}
	var b strings.Builder
	text := func(from, to int) { // text outside code spans
		var t strings.Builder
		for i := from; i < to; i++ {
			if !inSpans(drop, i) {
				t.WriteByte(raw[i])
			}
		}
		b.WriteString(html.UnescapeString(t.String()))
	}
	at := 0
	for _, sp := range spans {
		text(at, sp.start)
		b.WriteString(raw[sp.start:sp.end]) // its backticks go with the punctuation
		at = sp.end
	}
	text(at, len(raw))
	return b.String()
}

// inSpans reports whether i is in one of spans.
func inSpans(spans []span, i int) bool {
	for _, s := range spans {
		if i >= s.start && i < s.end {
			return true
		}
	}
	return false
}

// Link is an inline Markdown link, [text](target), or image,
// ![text](target), of a document.
type Link struct {
	// Line is the line of the target, from 1.
	Line int
	// Target is the link's destination as written, without its title:
	// "docs/lookahead.md#the-plans".
	Target string
}

// InlineLinks returns the inline links and images of a Markdown document
// in order, but those in fenced blocks and code spans. Link text may hold
// markup and brackets, and span lines; reference links ([text][ref]) are
// not returned.
func InlineLinks(doc string) []Link {
	var links []Link
	for _, c := range chunks(doc) {
		masked := maskCode(c.text, codeSpans(c.text))
		for _, l := range findLinks(masked) {
			links = append(links, Link{
				Line:   c.line + strings.Count(c.text[:l.destStart], "\n"),
				Target: c.text[l.destStart:l.destEnd],
			})
		}
	}
	return links
}

// BrokenLink is a link whose target is not in the repository.
type BrokenLink struct {
	// Pos is the document and line of the link's target.
	Pos Pos
	// Target is the link's destination as written.
	Target string
	// Problem says what is wrong: "no such file", "no heading #x in
	// docs/lookahead.md".
	Problem string
}

// String returns "FILE:LINE: link (TARGET): PROBLEM".
func (b BrokenLink) String() string {
	return fmt.Sprintf("%s: link (%s): %s", b.Pos, b.Target, b.Problem)
}

// CheckLinks checks the inline links (see InlineLinks) of the Markdown
// documents files of the repository fsys (its root), names relative to
// it with '/' separators, and returns every broken one, in order. Targets
// starting with http://, https:// or mailto: are not checked; "#anchor"
// must be an anchor (see Anchors) of the same document; "path" or
// "path#anchor", relative to the document's folder ("/path": to the
// root), must name a file or folder of the repository, and the anchor, if
// the file is Markdown, one of the file's. The error is about reading a
// document.
func CheckLinks(fsys fs.FS, files []string) ([]BrokenLink, error) {
	anchors := map[string]map[string]bool{} // by file, as read
	anchorsOf := func(name string) (map[string]bool, error) {
		if a, ok := anchors[name]; ok {
			return a, nil
		}
		doc, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("check links: %w", err)
		}
		a := map[string]bool{}
		for _, anchor := range Anchors(string(doc)) {
			a[anchor] = true
		}
		anchors[name] = a
		return a, nil
	}
	var broken []BrokenLink
	for _, name := range files {
		doc, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("check links: %w", err)
		}
		for _, l := range InlineLinks(string(doc)) {
			problem, err := checkLink(fsys, name, l.Target, anchorsOf)
			if err != nil {
				return nil, fmt.Errorf("check links: %s:%d: %w", name, l.Line, err)
			}
			if problem != "" {
				broken = append(broken, BrokenLink{Pos: Pos{File: name, Line: l.Line}, Target: l.Target, Problem: problem})
			}
		}
	}
	return broken, nil
}

// checkLink returns what is wrong with the target of a link of the
// document name, "" if nothing is.
func checkLink(fsys fs.FS, name, target string, anchorsOf func(string) (map[string]bool, error)) (string, error) {
	lower := strings.ToLower(target)
	for _, scheme := range []string{"http://", "https://", "mailto:"} {
		if strings.HasPrefix(lower, scheme) {
			return "", nil
		}
	}
	if target == "" {
		return "empty target", nil
	}
	p, anchor, _ := strings.Cut(target, "#")
	p, _, _ = strings.Cut(p, "?")
	p, err := url.PathUnescape(p)
	if err != nil {
		return fmt.Sprintf("bad path: %v", err), nil
	}
	if a, err := url.PathUnescape(anchor); err == nil {
		anchor = a
	}
	file := name
	if p != "" {
		if strings.HasPrefix(p, "/") {
			file = path.Clean(strings.TrimLeft(p, "/"))
		} else {
			file = path.Join(path.Dir(name), p)
		}
		if !fs.ValidPath(file) {
			return "outside the repository", nil
		}
		info, err := fs.Stat(fsys, file)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return "no such file", nil
			}
			return err.Error(), nil
		}
		if !info.Mode().IsRegular() || !strings.HasSuffix(strings.ToLower(file), ".md") {
			return "", nil // an anchor of a folder or of a file not Markdown is not checked
		}
	}
	if anchor == "" {
		return "", nil
	}
	a, err := anchorsOf(file)
	if err != nil {
		return "", err
	}
	if !a[anchor] {
		return fmt.Sprintf("no heading #%s in %s", anchor, file), nil
	}
	return "", nil
}

// chunk is a run of lines of a document outside fenced blocks inside
// which inline markup may span lines: a paragraph (lines up to a blank
// one, a fence or a heading) or a heading.
type chunk struct {
	line    int // its first line, from 1
	text    string
	heading bool
}

// chunks returns a document's chunks. A block left open runs to the end.
func chunks(doc string) []chunk {
	var out []chunk
	var para []string
	start := 0
	flush := func() {
		if len(para) > 0 {
			out = append(out, chunk{line: start, text: strings.Join(para, "\n")})
			para = nil
		}
	}
	var indent, fence string // of the open fenced block, if any
	for i, line := range strings.Split(doc, "\n") {
		line = strings.TrimSuffix(line, "\r")
		n := i + 1
		if fence != "" {
			if closesFence(line, indent, fence) {
				fence = ""
			}
			continue
		}
		if in, f, _, ok := openFence(line); ok {
			flush()
			indent, fence = in, f
			continue
		}
		switch {
		case strings.TrimSpace(line) == "":
			flush()
		case atxRE.MatchString(line):
			flush()
			out = append(out, chunk{line: n, text: line, heading: true})
		default:
			if len(para) == 0 {
				start = n
			}
			para = append(para, line)
		}
	}
	flush()
	return out
}

// span is the bytes [start, end) of a text.
type span struct{ start, end int }

// codeSpans returns the code spans of text, their backticks included: a
// run of backticks (not escaped) up to the next run of as many.
func codeSpans(text string) []span {
	var spans []span
	run := func(i int) int { // the length of the run of backticks at i
		j := i
		for j < len(text) && text[j] == '`' {
			j++
		}
		return j - i
	}
	for i := 0; i < len(text); {
		switch text[i] {
		case '\\':
			i += 2
		case '`':
			n := run(i)
			end := -1
			for j := i + n; j < len(text); {
				if text[j] != '`' {
					j++
					continue
				}
				m := run(j)
				if m == n {
					end = j + m
					break
				}
				j += m
			}
			if end < 0 {
				i += n // no closing run: the backticks are text
				continue
			}
			spans = append(spans, span{i, end})
			i = end
		default:
			i++
		}
	}
	return spans
}

// maskCode returns text with every byte of spans but newlines replaced by
// 'x', so that no markup is seen inside code; offsets stay.
func maskCode(text string, spans []span) string {
	b := []byte(text)
	for _, s := range spans {
		for i := s.start; i < s.end; i++ {
			if b[i] != '\n' {
				b[i] = 'x'
			}
		}
	}
	return string(b)
}

// inlineLink is where a link is in a text: [start, end) the whole of it,
// [textStart, textEnd) its text, [destStart, destEnd) its destination.
type inlineLink struct {
	start, textStart, textEnd, destStart, destEnd, end int
}

// findLinks returns the inline links of text (code already masked), an
// image inside a link's text (a badge) included.
func findLinks(text string) []inlineLink {
	var links []inlineLink
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case '\\':
			i++
			continue
		case '[':
		default:
			continue
		}
		closeAt := matchingBracket(text, i)
		if closeAt < 0 || closeAt+1 >= len(text) || text[closeAt+1] != '(' {
			continue
		}
		destStart, destEnd, end, ok := destination(text, closeAt+2)
		if !ok {
			continue
		}
		start := i
		if i > 0 && text[i-1] == '!' {
			start = i - 1
		}
		links = append(links, inlineLink{start: start, textStart: i + 1, textEnd: closeAt, destStart: destStart, destEnd: destEnd, end: end})
	}
	return links
}

// matchingBracket returns the offset of the ']' that closes the '[' at
// open, -1 if none does.
func matchingBracket(text string, open int) int {
	depth := 0
	for j := open; j < len(text); j++ {
		switch text[j] {
		case '\\':
			j++
		case '[':
			depth++
		case ']':
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return -1
}

// destination parses a link's destination and optional title from i, just
// after "](", up to the closing ')': the destination is [destStart,
// destEnd), and end is just after the ')'.
func destination(text string, i int) (destStart, destEnd, end int, ok bool) {
	skipSpace := func(i int) int {
		for i < len(text) && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n') {
			i++
		}
		return i
	}
	i = skipSpace(i)
	if i < len(text) && text[i] == '<' {
		j := i + 1
		for j < len(text) && text[j] != '>' && text[j] != '<' && text[j] != '\n' {
			if text[j] == '\\' {
				j++
			}
			j++
		}
		if j >= len(text) || text[j] != '>' {
			return 0, 0, 0, false
		}
		destStart, destEnd, i = i+1, j, j+1
	} else {
		destStart = i
		depth := 0
	dest:
		for ; i < len(text); i++ {
			switch c := text[i]; {
			case c == '\\':
				i++
			case c == '(':
				depth++
			case c == ')':
				if depth == 0 {
					break dest
				}
				depth--
			case c <= ' ':
				break dest
			}
		}
		destEnd = min(i, len(text))
		i = destEnd
	}
	if j := skipSpace(i); j < len(text) && j > i && (text[j] == '"' || text[j] == '\'' || text[j] == '(') {
		closer := text[j]
		if closer == '(' {
			closer = ')'
		}
		k := j + 1
		for k < len(text) && text[k] != closer {
			if text[k] == '\\' {
				k++
			}
			k++
		}
		if k >= len(text) {
			return 0, 0, 0, false
		}
		i = k + 1
	}
	i = skipSpace(i)
	if i >= len(text) || text[i] != ')' {
		return 0, 0, 0, false
	}
	return destStart, destEnd, i + 1, true
}
