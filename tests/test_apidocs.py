"""The --docs-md page is CommonMark: rendered by a real CommonMark parser, its structure survives."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.token import Token

from docstring_hook.apidocs import api_markdown

MODULE = '''\
"""Tools for boxes."""

import functools


@functools.lru_cache(maxsize=None)
def grow(box, by=1):
    """Grow a box.

    # not a heading, *not emphasis*, <b>not HTML</b>, [not](a link) and a ``` fence.
    - not a list item
    1. not a numbered item

    Args:
        box: The box, `as is`.
        by: How much | how far.

    Returns:
        The grown box.

    Raises:
        ValueError: When `by` < 0.
    """
    return box


class Box:
    """A box."""

    def open(self):
        """Open it."""
'''


def list_items(tokens: list[Token]) -> list[str]:
    """The text of each list item of a parsed page."""
    return [tokens[i + 2].content for i, t in enumerate(tokens) if t.type == "list_item_open"]


def test_headings_signatures_and_sections_survive_a_commonmark_parser() -> None:
    page = api_markdown([("pkg/boxes.py", MODULE)])
    rendered = MarkdownIt("commonmark").render(page)
    parsed = MarkdownIt("commonmark").parse(page)
    headings = [parsed[i + 1].content for i, t in enumerate(parsed) if t.type == "heading_open"]
    assert headings == ["API", "`pkg/boxes.py`", "`grow`", "`Box`", "`Box.open`"]
    fences = [t.content for t in parsed if t.type == "fence"]
    assert fences[0] == "@functools.lru_cache(maxsize=None)\ndef grow(box, by=1)\n"
    assert list_items(parsed) == [
        "`box`: The box, \\`as is\\`.",
        "`by`: How much \\| how far.",
        "`returns`: The grown box.",
        "`raises` (`ValueError`): When \\`by\\` \\< 0.",
    ]
    # The prose is one paragraph of text: no heading, emphasis, HTML, link, list or fence came out of it.
    assert "<h1>not" not in rendered and "<em>" not in rendered and "<b>" not in rendered and "<a " not in rendered
    assert rendered.count("<ul>") == 1 and "<ol>" not in rendered
    assert "# not a heading, *not emphasis*, &lt;b&gt;not HTML&lt;/b&gt;, [not](a link) and a ``` fence." in rendered


def test_a_signature_holding_backticks_gets_a_longer_fence() -> None:
    source = 'def f(x="```"):\n    """Doc."""\n'
    parsed = MarkdownIt("commonmark").parse(api_markdown([("m.py", source)]))
    assert [t.content for t in parsed if t.type == "fence"] == ["def f(x='```')\n"]


def test_test_modules_and_setup_py_are_left_out_unless_asked() -> None:
    files = [("tests/test_boxes.py", MODULE), ("setup.py", MODULE), ("pkg/boxes.py", MODULE)]
    assert "test_boxes" not in api_markdown(files) and "setup.py" not in api_markdown(files)
    assert "## `tests/test_boxes.py`" in api_markdown(files, include_tests=True)


PEP257_MODULE = '''\
def scale(values, factor):
    """Multiply each value by the factor.

    Keep the order.

    Arguments:
    values -- The numbers to scale.
    factor -- What each number is multiplied by,
        never zero.

    Returns:
    The scaled numbers.

    Raises:
    ValueError -- When the factor is zero.
    """
'''


def test_pep257_arguments_become_the_same_items_as_other_styles_sections() -> None:
    parsed = MarkdownIt("commonmark").parse(api_markdown([("scale.py", PEP257_MODULE)]))
    assert list_items(parsed) == [
        "`values`: The numbers to scale.",
        "`factor`: What each number is multiplied by, never zero.",
        "`returns`: The scaled numbers.",
        "`raises` (`ValueError`): When the factor is zero.",
    ]
    paragraphs = [parsed[i + 1].content for i, t in enumerate(parsed) if t.type == "paragraph_open"]
    assert paragraphs[:2] == ["Multiply each value by the factor.", "Keep the order."]


def test_an_empty_docstring_gives_an_entry_with_no_text() -> None:
    page = api_markdown([("m.py", 'def f():\n    """"""\n\n\ndef g():\n    """   \n\n  """\n')])
    assert "### `f`" in page and "### `g`" in page
