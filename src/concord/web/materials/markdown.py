"""Clinic-authored Markdown to safe HTML, and the plain text the readability check reads.

Allowed: headings, paragraphs, line breaks, lists, emphasis, block quotes, rules, tables and
links to ``http``, ``https``, ``mailto`` and ``tel`` addresses. Not allowed: raw HTML (tags
typed into the text are removed, and the contents of ``script``, ``style`` and similar
elements with them), images (Markdown images are dropped, so no picture is ever loaded from
elsewhere), relative or ``javascript:`` links (the address is removed, the text stays),
inline styles. Headings are renumbered so that the text's top level is ``<h2>`` (``#`` or,
if the text starts at ``##``, ``##``), keeping their order, because the page's own title is
the ``<h1>``.

Two layers: Python-Markdown with raw HTML switched off, then ``nh3`` (the ammonia sanitiser)
with an allow-list, so a mistake in one layer is caught by the other.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from html.parser import HTMLParser

import markdown
import nh3
from markdown.extensions import Extension
from markdown.inlinepatterns import HTML_RE, InlineProcessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

ALLOWED_TAGS = frozenset(
    {
        *(f"h{n}" for n in range(2, 7)),
        "p",
        "br",
        "hr",
        "ul",
        "ol",
        "li",
        "strong",
        "em",
        "blockquote",
        "a",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
    }
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
SAFE_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
LINK_REL = "noopener noreferrer nofollow"
# Elements whose content is never text for the reader: removed with what is inside them.
DROPPED_WITH_CONTENT = ("script", "style", "iframe", "object", "embed", "template", "noscript")
_DANGEROUS_BLOCKS = re.compile(
    r"<(" + "|".join(DROPPED_WITH_CONTENT) + r")\b.*?(?:</\1\s*>|\Z)",
    re.IGNORECASE | re.DOTALL,
)
_COMMENTS = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_SAFE_HREF = re.compile(r"^(?:https?|mailto|tel):", re.IGNORECASE)
BLOCK_TAGS = frozenset(
    {*(f"h{n}" for n in range(1, 7)), "p", "li", "tr", "th", "td", "blockquote", "br", "hr"}
)


class _DropDangerousBlocks(Preprocessor):
    """Removes ``<script>…</script>`` and the like, contents included, and HTML comments."""

    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        text = _COMMENTS.sub("", _DANGEROUS_BLOCKS.sub("", text))
        return text.split("\n")


class _DropTag(InlineProcessor):
    """Any HTML tag typed into the text disappears; the text around and inside it stays."""

    def handleMatch(self, m: re.Match[str], data: str) -> tuple[str, int, int]:  # type: ignore[override]
        return "", m.start(0), m.end(0)


HEADINGS = frozenset(f"h{n}" for n in range(1, 7))


class _ShiftHeadingsAndDropImages(Treeprocessor):
    """Images go; the text's top heading level becomes ``<h2>`` (the page's title is h1)."""

    def run(self, root: etree.Element) -> None:
        for parent in root.iter():
            for child in list(parent):
                if child.tag == "img":
                    _remove_keeping_tail(parent, child)
        headings = [e for e in root.iter() if e.tag in HEADINGS]
        if not headings:
            return
        shift = 2 - min(int(e.tag[1]) for e in headings)
        for element in headings:
            element.tag = f"h{min(6, int(element.tag[1]) + shift)}"


def _remove_keeping_tail(parent: etree.Element, child: etree.Element) -> None:
    tail = child.tail or ""
    index = list(parent).index(child)
    if tail:
        if index == 0:
            parent.text = (parent.text or "") + tail
        else:
            previous = parent[index - 1]
            previous.tail = (previous.tail or "") + tail
    parent.remove(child)


class SafeMarkdown(Extension):
    """Raw HTML off, images off, headings under the page title."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.preprocessors.deregister("html_block")
        md.preprocessors.register(_DropDangerousBlocks(md), "drop_dangerous_blocks", 25)
        md.inlinePatterns.deregister("html")
        md.inlinePatterns.register(_DropTag(HTML_RE, md), "drop_html", 90)
        md.treeprocessors.register(_ShiftHeadingsAndDropImages(md), "shift_headings", 5)


def _keep_safe_attribute(element: str, attribute: str, value: str) -> str | None:
    if element == "a" and attribute == "href" and not _SAFE_HREF.match(value.strip()):
        return None  # relative, javascript:, data: … addresses are removed
    return value


def sanitise(html: str) -> str:
    """The allow-list pass: anything not listed goes (tags stripped, text kept)."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_keep_safe_attribute,
        url_schemes=set(SAFE_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    )


def render_markdown(text: str) -> str:
    """Markdown written by the clinic as safe HTML for patients' pages and PDFs."""
    html = markdown.markdown(
        text, extensions=[SafeMarkdown(), "tables", "sane_lists"], output_format="html"
    )
    return sanitise(html)


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(html: str) -> str:
    """The text a reader reads, each heading, paragraph, list item and cell its own block
    (separated by a blank line, which the readability check counts as a sentence end)."""
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    text = "".join(collector.parts)
    return re.sub(r"\n\s*\n\s*", "\n\n", text).strip()
