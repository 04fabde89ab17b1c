// This file checks the links of the documents (see CheckLinks). goldmark
// (github.com/yuin/goldmark) parses them, as CommonMark: it finds their
// headings (see Anchors) and their links (see InlineLinks), and knows
// what is code, raw HTML or an escape, so that no link or heading there
// is taken for one.

package readmecheck

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"html"
	"io/fs"
	"iter"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	gmhtml "github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
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

// Anchors returns the anchors of a Markdown document's headings, ATX
// ("#" to "######") and Setext (a line underlined with "=" or "-"), in
// order, as GitHub makes them: the Slug of the heading's rendered text
// (see headingText), followed by "-1", "-2", ... when an earlier heading
// has the same anchor. goldmark parses the document (CommonMark), so that
// a "#" line in a fenced or indented code block or an HTML block is not a
// heading.
func Anchors(doc string) []string {
	source := []byte(doc)
	var anchors []string
	seen := map[string]int{} // anchor → how many times its base was taken again
	for n := range walk(parseMarkdown(source)) {
		if n.Kind() != ast.KindHeading {
			continue
		}
		base := Slug(headingText(n, source))
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

// headingText is the text of a heading as GitHub renders it: the text of
// its inline nodes, backslash escapes and entities resolved, code spans'
// content as written, links' text without their targets, and neither raw
// HTML nor images (an image's alt text is not text of the page).
func headingText(heading ast.Node, source []byte) string {
	var out bytes.Buffer
	w := bufio.NewWriter(&out) // goldmark's HTML writer escapes '<', '>', '&' and '"'
	_ = ast.Walk(heading, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.RawHTML, *ast.Image:
			return ast.WalkSkipChildren, nil
		case *ast.CodeSpan:
			for c := n.FirstChild(); c != nil; c = c.NextSibling() {
				if t, ok := c.(*ast.Text); ok { // a line ending in a code span is a space
					gmhtml.DefaultWriter.RawWrite(w, bytes.ReplaceAll(t.Value(source), []byte("\n"), []byte(" ")))
				}
			}
			return ast.WalkSkipChildren, nil
		case *ast.Text:
			if n.IsRaw() {
				gmhtml.DefaultWriter.RawWrite(w, n.Value(source))
			} else {
				gmhtml.DefaultWriter.Write(w, n.Value(source))
			}
			if n.SoftLineBreak() || n.HardLineBreak() {
				_ = w.WriteByte('\n')
			}
		case *ast.String:
			if n.IsCode() || n.IsRaw() {
				gmhtml.DefaultWriter.RawWrite(w, n.Value)
			} else {
				gmhtml.DefaultWriter.Write(w, n.Value)
			}
		case *ast.AutoLink:
			gmhtml.DefaultWriter.RawWrite(w, n.Label(source))
		}
		return ast.WalkContinue, nil
	})
	_ = w.Flush()
	return html.UnescapeString(out.String())
}

// Link is an inline Markdown link, [text](target), or image,
// ![text](target), of a document.
type Link struct {
	// Line is the line of the end of the link's text, from 1: the line of
	// the target unless a line break comes between "](" and the target.
	Line int
	// Target is the link's destination as written, without its title:
	// "docs/lookahead.md#the-plans".
	Target string
}

// InlineLinks returns the inline links and images of a Markdown document
// in order, an image inside a link's text (a badge) after the link.
// goldmark parses the document (CommonMark), so that what is in a code
// block, a code span or raw HTML (a comment) is not a link; reference
// links ([text][ref]) and autolinks (<https://...>) are not returned.
func InlineLinks(doc string) []Link {
	source := []byte(doc)
	var links []Link
	for n := range walk(parseMarkdown(source)) {
		var target []byte
		switch n := n.(type) {
		case *ast.Link:
			if n.Reference != nil {
				continue
			}
			target = n.Destination
		case *ast.Image:
			if n.Reference != nil {
				continue
			}
			target = n.Destination
		default:
			continue
		}
		line := 1 + bytes.Count(source[:linkEnd(n, source)], []byte("\n"))
		links = append(links, Link{Line: line, Target: string(target)})
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

// parseMarkdown parses a Markdown document with goldmark's CommonMark parser.
func parseMarkdown(source []byte) ast.Node {
	return goldmark.DefaultParser().Parse(text.NewReader(source))
}

// walk yields the nodes of the tree under root, root first, in document
// order, a node before its children.
func walk(root ast.Node) iter.Seq[ast.Node] {
	return func(yield func(ast.Node) bool) {
		_ = ast.Walk(root, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
			if !entering {
				return ast.WalkContinue, nil
			}
			if !yield(n) {
				return ast.WalkStop, nil
			}
			return ast.WalkContinue, nil
		})
	}
}

// linkEnd returns the offset in source of the end of a link's (or an
// image's) text: the end of the last text segment under it, or, when its
// text is empty, where the link starts.
func linkEnd(link ast.Node, source []byte) int {
	end := -1
	for n := range walk(link) {
		if t, ok := n.(*ast.Text); ok && t.Segment.Stop > end {
			end = t.Segment.Stop
		}
	}
	if end < 0 {
		end = max(link.Pos(), 0)
	}
	return min(end, len(source))
}
