package readmecheck

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// repoRoot is the root of the git work tree the test runs in.
func repoRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	require.NoError(t, err, "the check runs in a git work tree")
	return strings.TrimSpace(string(out))
}

// TestLinks checks the links of the repository's README.md and docs/*.md.
func TestLinks(t *testing.T) {
	fsys := os.DirFS(repoRoot(t))
	docs, err := Documents(fsys)
	require.NoError(t, err)
	broken, err := CheckLinks(fsys, docs)
	require.NoError(t, err)
	for _, b := range broken {
		t.Error(b)
	}
}

func TestSlug(t *testing.T) {
	for _, tc := range []struct{ heading, want string }{
		{"`simulate --bound`: how far from the best possible", "simulate---bound-how-far-from-the-best-possible"},
		{"A Jasin–Sinha-style network", "a-jasinsinha-style-network"},
		{"Replay (`simulate/`, generated 300-node network, 20,000 orders)", "replay-simulate-generated-300-node-network-20000-orders"},
		{"Route against an empty call: stream workers, vtprotobuf, a cheaper explained build (2026-11-26)", "route-against-an-empty-call-stream-workers-vtprotobuf-a-cheaper-explained-build-2026-11-26"},
		{"Inventory allocation (`omniroute allocate`)", "inventory-allocation-omniroute-allocate"},
		{"Metrics (`localhost:9090/metrics`)", "metrics-localhost9090metrics"},
		{"snake_case and ≤ 3 shipments", "snake_case-and--3-shipments"},
		{"Überblick: Größe", "überblick-größe"},
		{"", ""},
	} {
		assert.Equal(t, tc.want, Slug(tc.heading), "%q", tc.heading)
	}
}

func TestAnchors(t *testing.T) {
	for _, tc := range []struct {
		what string
		doc  string
		want []string
	}{
		{
			what: "duplicates get -1, -2",
			doc:  "# Results\n## Results\ntext\n### Results\n",
			want: []string{"results", "results-1", "results-2"},
		},
		{
			what: "a heading named like a duplicate's anchor",
			doc:  "# A\n# A-1\n# A\n",
			want: []string{"a", "a-1", "a-2"},
		},
		{
			what: "headings in fenced blocks are not",
			doc:  "# One\n```sh\n# a comment\n```\n~~~\n## Not either\n~~~\n## Two\n",
			want: []string{"one", "two"},
		},
		{
			what: "closing #s, links, tags and entities as rendered",
			doc:  "## Closed ##\n### See [the plans](docs/plans.md#x) <em>now</em>\n#### Tom &amp; Jerry\n##### `a <b>` &amp; `&amp;`\n",
			want: []string{"closed", "see-the-plans-now", "tom--jerry", "a-b--amp"},
		},
		{
			what: "not headings",
			doc:  "#hashtag\n    # indented code\n####### seven\n",
			want: nil,
		},
		{
			what: "Setext headings, one with a link",
			doc:  "Title\n=====\n\nSee [the plans](docs/plans.md#x)\n---\n\n---\n",
			want: []string{"title", "see-the-plans"},
		},
		{
			what: "an image's alt text, escapes, an HTML block",
			doc:  "## Build ![ci](ci.svg) status\n# a \\&amp; b &eacute;\n<div>\n# not a heading\n</div>\n",
			want: []string{"build--status", "a-amp-b-é"},
		},
	} {
		assert.Equal(t, tc.want, Anchors(tc.doc), tc.what)
	}
}

func TestInlineLinks(t *testing.T) {
	for _, tc := range []struct {
		what string
		doc  string
		want []Link
	}{
		{
			what: "several on a line, markup in the text",
			doc:  "See [`simulate --bound`](#simulate---bound) and [**the plans**](docs/plans.md#the-plans \"Plans\").\n",
			want: []Link{{1, "#simulate---bound"}, {1, "docs/plans.md#the-plans"}},
		},
		{
			what: "text over two lines, the target's line",
			doc:  "intro\n\nas [where the gap\nlies](#where-the-gap-lies) says\n",
			want: []Link{{4, "#where-the-gap-lies"}},
		},
		{
			what: "brackets in and around the text; images, a badge",
			doc:  "in [0.5, 2) per unit, [a [nested] one](a.md), [![ci](ci.svg)](https://ci)\n",
			want: []Link{{1, "a.md"}, {1, "https://ci"}, {1, "ci.svg"}},
		},
		{
			what: "angle brackets, parentheses in the target",
			doc:  "[a](<my file.md>) [b](wiki/Foo_(bar)) [c]( spaced.md )\n",
			want: []Link{{1, "my file.md"}, {1, "wiki/Foo_(bar)"}, {1, "spaced.md"}},
		},
		{
			what: "not links: code spans, fences, references, escapes",
			doc: "`[a](code.md)` and ``[b](`x`)``, [ref][r], \\[c](escaped.md)\n" +
				"```sh\necho [d](fence.md)\n```\n" +
				"~~~~\n[e](tilde.md)\n~~~~\n" +
				"[f](after.md)\n\n[r]: reference.md\n",
			want: []Link{{8, "after.md"}},
		},
		{
			what: "not links: raw HTML, an HTML comment",
			doc: "<!-- see [a](gone.md) -->\n\ntext <!-- [b](inline.md) --> and [c](c.md)\n\n" +
				"<details>\n[d](html-block.md)\n\n[e](e.md)\n</details>\n",
			want: []Link{{3, "c.md"}, {8, "e.md"}},
		},
		{
			what: "empty link text, a quote, a list, a table",
			doc:  "[](empty.md) ![](img.png)\n\n> see [q](q.md)\n\n- item\n  [i](i.md)\n\n| a | [t](t.md) |\n|---|---|\n",
			want: []Link{{1, "empty.md"}, {1, "img.png"}, {3, "q.md"}, {6, "i.md"}, {8, "t.md"}},
		},
		{
			what: "a code span over two lines",
			doc:  "a `code [x](y.md)\nspan` and [z](z.md)\n",
			want: []Link{{2, "z.md"}},
		},
	} {
		assert.Equal(t, tc.want, InlineLinks(tc.doc), tc.what)
	}
}

func TestCheckLinks(t *testing.T) {
	repo := fstest.MapFS{
		"README.md": {Data: []byte("# Top\n## Section (one)\n## Section (one)\n")},
		"docs/lookahead.md": {Data: []byte("# Look-ahead\n## `simulate --bound`: how far\n" +
			"```sh\n# not a heading\n```\n")},
		"docs/img/plot.svg":   {Data: []byte("<svg/>")},
		"examples/order.json": {Data: []byte("{}")},
	}
	for _, tc := range []struct {
		what string
		file string
		doc  string
		want []string
	}{
		{
			what: "good links",
			file: "docs/guide.md",
			doc: "# Guide\n\n[top](../README.md#section-one-1), [same](#guide), [bound](lookahead.md#simulate---bound-how-far)\n" +
				"![plot](img/plot.svg) [order](../examples/order.json#L1) [folder](img/) [root](/examples/order.json)\n" +
				"[web](https://example.com/x.md#nowhere) [HTTP](HTTP://example.com) [mail](mailto:a@b.c) [escaped](lookahead%2Emd)\n",
		},
		{
			what: "a missing anchor, here and there",
			file: "README.md",
			doc:  "# Top\n\n[a](#nowhere) and\n[b](docs/lookahead.md#not-a-heading)\n",
			want: []string{
				"README.md:3: link (#nowhere): no heading #nowhere in README.md",
				"README.md:4: link (docs/lookahead.md#not-a-heading): no heading #not-a-heading in docs/lookahead.md",
			},
		},
		{
			what: "a missing file, every broken link reported",
			file: "docs/guide.md",
			doc:  "[a](missing.md) [b](README.md)\n\n[c](../../outside.md) [d]()\n",
			want: []string{
				"docs/guide.md:1: link (missing.md): no such file",
				"docs/guide.md:1: link (README.md): no such file",
				"docs/guide.md:3: link (../../outside.md): outside the repository",
				"docs/guide.md:3: link (): empty target",
			},
		},
		{
			what: "links in fences and code spans are not checked",
			file: "docs/guide.md",
			doc:  "```text\n[a](missing.md)\n```\n`[b](#nowhere)`\n",
		},
	} {
		t.Run(tc.what, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for name, f := range repo {
				fsys[name] = f
			}
			fsys[tc.file] = &fstest.MapFile{Data: []byte(tc.doc)}
			broken, err := CheckLinks(fsys, []string{tc.file})
			require.NoError(t, err)
			var got []string
			for _, b := range broken {
				got = append(got, b.String())
			}
			assert.Equal(t, tc.want, got)
		})
	}

	_, err := CheckLinks(repo, []string{"docs/absent.md"})
	assert.ErrorContains(t, err, "docs/absent.md")
}

func TestDocuments(t *testing.T) {
	for _, tc := range []struct {
		what string
		fsys fstest.MapFS
		want []string
	}{
		{
			what: "no docs folder",
			fsys: fstest.MapFS{"README.md": {}},
			want: []string{"README.md"},
		},
		{
			what: "README.md first, then docs/*.md in lexical order",
			fsys: fstest.MapFS{
				"README.md":          {},
				"docs/lookahead.md":  {},
				"docs/benchmarks.md": {},
				"docs/Zeta.md":       {},
				"docs/notes.txt":     {},
				"docs/deep/more.md":  {},
			},
			want: []string{"README.md", "docs/Zeta.md", "docs/benchmarks.md", "docs/lookahead.md"},
		},
	} {
		got, err := Documents(tc.fsys)
		require.NoError(t, err, tc.what)
		assert.Equal(t, tc.want, got, tc.what)
	}
}
