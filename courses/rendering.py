"""Course content from Markdown to HTML that can never run script.

Authors write Markdown (raw HTML allowed, as Markdown allows it); the HTML is then cleaned
with nh3 against an allowlist of tags, attributes and URL schemes. Anything not listed —
<script>, event handlers, javascript: and data: URLs, <svg>, <iframe>, style — is dropped.
"""

from __future__ import annotations

import markdown
import nh3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s", "strong", "sub", "sup",
    "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
MARKDOWN_EXTENSIONS = ["extra", "sane_lists", "toc"]
# The page's <h1> is the lesson title: an author's "# Heading" becomes an <h2>.
MARKDOWN_EXTENSION_CONFIGS = {"toc": {"baselevel": 2}}


def render_markdown(text: str) -> str:
    """Sanitised HTML for ``text`` (Markdown). Safe to mark safe in a template."""
    html = markdown.markdown(
        text or "",
        extensions=MARKDOWN_EXTENSIONS,
        extension_configs=MARKDOWN_EXTENSION_CONFIGS,
        output_format="html",
    )
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
