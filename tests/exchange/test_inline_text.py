"""Plain inline strings read directly give what openpyxl's own cell parsing gives, for every
shape of cell, and cells of any other shape are left to openpyxl."""

from __future__ import annotations

import io
from xml.etree.ElementTree import fromstring
from xml.sax.saxutils import escape

from hypothesis import given
from hypothesis import strategies as st
from openpyxl.worksheet._reader import WorkSheetParser

from desktop.services.exchange.inline_text import InlineTextParser, plain_inline_text

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
CELLS = [
    '<c r="B7" t="inlineStr"><is><t>合肥量子科技有限公司</t></is></c>',
    '<c r="C7" t="inlineStr" s="3"><is><t xml:space="preserve">  两边有空格  </t></is></c>',
    '<c r="D7" t="inlineStr"><is><t/></is></c>',
    '<c t="inlineStr"><is><t>no reference</t></is></c>',
    '<c r="E7" t="inlineStr"><is><r><t>rich </t></r><r><rPr><b/></rPr><t>runs</t></r></is></c>',
    '<c r="F7" t="inlineStr"><is><t>合肥</t><rPh sb="0" eb="2"><t>ヘフェイ</t></rPh></is></c>',
    '<c r="G7" t="inlineStr"><is><t>a</t><t>b</t></is></c>',
    '<c r="H7" t="inlineStr"><f>A1&amp;"x"</f><is><t>cached</t></is></c>',
    '<c r="I7" t="inlineStr"><is/></c>',
    '<c r="J7" t="inlineStr"></c>',
    '<c r="K7" t="inlineStr"><is><t>x<b>y</b></t></is></c>',
    '<c r="L7"><v>42</v></c>',
    '<c r="M7" t="b"><v>1</v></c>',
    '<c r="N7" t="str"><v>text</v></c>',
    '<c r="O7" t="e"><v>#N/A</v></c>',
]


def parsed(parser_class: type, cell: str, rich_text: bool = False) -> dict:
    parser = parser_class(io.BytesIO(b""), [], rich_text=rich_text)
    parser.row_counter, parser.col_counter = 7, 3
    return parser.parse_cell(fromstring(cell.replace("<c ", f"<c {NS} ", 1)))


def test_every_shape_of_cell_reads_as_openpyxl_reads_it():
    for cell in CELLS:
        assert parsed(InlineTextParser, cell) == parsed(WorkSheetParser, cell), cell
        assert parsed(InlineTextParser, cell, rich_text=True) == parsed(WorkSheetParser, cell, rich_text=True), cell
    # Only the plain shape is read directly.
    direct = [cell for cell in CELLS if plain_inline_text(fromstring(cell.replace("<c ", f"<c {NS} ", 1))) is not None]
    assert direct == CELLS[:4]


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\t\n ")))
def test_any_text_reads_the_same(text: str):
    cell = f'<c r="A1" t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'
    assert parsed(InlineTextParser, cell) == parsed(WorkSheetParser, cell)
