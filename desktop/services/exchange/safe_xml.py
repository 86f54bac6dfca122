"""openpyxl's streaming XML parsing on expat's C parser, with DTDs refused in the bytes.

With defusedxml installed, openpyxl streams every sheet and the shared strings through
defusedxml's ``iterparse``, which runs the pure-Python ElementTree so that it can hang its
guards on expat: half of an import's reading time. The C parser is as safe when:

- expat is 2.4.1 or later: it limits entity amplification itself (billion laughs and the
  quadratic blow-up), and ElementTree never fetches an external entity or DTD;
- no DTD reaches it at all: entities can only be declared in a DTD, so a stream that
  refuses ``<!DOCTYPE`` (and ``<!ENTITY``, for good measure) in the very bytes the parser
  is fed leaves nothing to expand or fetch. expat reads only ASCII-compatible encodings
  besides UTF-16, and UTF-16 is refused here, so searching the bytes finds every one.

``workbook._scan_parts`` refuses the same before openpyxl opens the file; this guard sees
the bytes actually parsed (the file may change between the two). With an older expat,
openpyxl keeps defusedxml.
"""

from __future__ import annotations

import pyexpat
from typing import IO, Any
from xml.etree import ElementTree

# The shortest byte run that can start a declaration, kept from one read to the next so
# that a declaration cut by a read boundary is still seen whole.
_MARKS = (b"<!DOCTYPE", b"<!ENTITY")
_KEEP = max(map(len, _MARKS)) - 1
_UTF16_STARTS = (b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")


class DeclarationRefused(ValueError):
    """A part to parse holds a DTD or an entity declaration (or is UTF-16: ``utf16``)."""

    def __init__(self, part: str, *, utf16: bool = False) -> None:
        super().__init__(f"{part}: {'UTF-16' if utf16 else 'a DTD or entity declaration'} refused")
        self.part = part
        self.utf16 = utf16


def c_parser_is_safe() -> bool:
    """expat limits entity amplification from 2.4.1; ElementTree is on its C accelerator."""
    try:
        import _elementtree
    except ImportError:
        return False
    return pyexpat.version_info >= (2, 4, 1) and ElementTree.XMLParser is _elementtree.XMLParser


class _Refusing:
    """A binary stream passing bytes through, raising ``DeclarationRefused`` on a DTD."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.part = str(getattr(raw, "name", ""))
        self.tail = b""
        self.first = True

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        if self.first and data:
            self.first = False
            if data.lstrip(b" \t\r\n")[:2] in _UTF16_STARTS:
                raise DeclarationRefused(self.part, utf16=True)
        seen = self.tail + data
        if any(mark in seen for mark in _MARKS):
            raise DeclarationRefused(self.part)
        self.tail = seen[-_KEEP:]
        return data


def iterparse(source: Any, events: Any = None, parser: Any = None) -> Any:
    """``xml.etree.ElementTree.iterparse`` on the C parser, refusing DTDs (see the module)."""
    if not hasattr(source, "read"):
        raise TypeError("iterparse here reads open binary streams only")
    return ElementTree.iterparse(_Refusing(source), events, parser)


def install() -> None:
    """Make openpyxl's sheet and shared-string reading use :func:`iterparse`, when safe."""
    if not c_parser_is_safe():
        return
    from openpyxl.reader import strings
    from openpyxl.worksheet import _reader

    _reader.iterparse = iterparse  # type: ignore[attr-defined]
    strings.iterparse = iterparse  # type: ignore[attr-defined]
