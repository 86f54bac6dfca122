"""openpyxl's streaming XML parsing on expat's C parser, with DTDs refused in the bytes.

With defusedxml installed, openpyxl streams every sheet and the shared strings through
defusedxml's ``iterparse``, which runs the pure-Python ElementTree so that it can hang its
guards on expat: half of an import's reading time. The C parser is as safe when:

- expat is 2.4.1 or later: it limits entity amplification itself (billion laughs and the
  quadratic blow-up), and ElementTree never fetches an external entity or DTD;
- no DTD reaches it at all: entities can only be declared in a DTD, so a stream that
  refuses ``<!DOCTYPE`` (and ``<!ENTITY``, for good measure) in the very bytes the parser
  is fed leaves nothing to expand or fetch. The search only sees declarations written in
  ASCII bytes, so the parser is made with its encoding fixed to UTF-8 (what every
  spreadsheet program writes): whatever a part declares, or however it starts, expat never
  reads it as UTF-16 or another encoding in which ``<!DOCTYPE`` would be other bytes.
  UTF-16 (a zero among the first two bytes, as expat detects it) and a declared encoding
  other than UTF-8 are refused up front, so the clerk reads why.

``workbook._scan_parts`` refuses the same before openpyxl opens the file; this guard sees
the bytes actually parsed (the file may change between the two). With an older expat,
openpyxl keeps defusedxml.
"""

from __future__ import annotations

import pyexpat
import re
from typing import IO, Any
from xml.etree import ElementTree

# The shortest byte run that can start a declaration, kept from one read to the next so
# that a declaration cut by a read boundary is still seen whole.
_MARKS = (b"<!DOCTYPE", b"<!ENTITY")
_KEEP = max(map(len, _MARKS)) - 1
_UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff")
# The encoding an XML declaration names, looked for in a part's first _HEAD bytes.
_HEAD = 512
_DECLARED = re.compile(rb"\s*(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]{1,40})[\"']")
_UTF8_NAMES = (b"utf-8", b"utf8", b"us-ascii", b"ascii")


class DeclarationRefused(ValueError):
    """A part to parse holds a DTD or an entity declaration, or is in another encoding than
    UTF-8 (``encoding`` names it: "UTF-16", or what the part declares)."""

    def __init__(self, part: str, *, encoding: str | None = None) -> None:
        super().__init__(f"{part}: {encoding or 'a DTD or entity declaration'} refused")
        self.part = part
        self.encoding = encoding


def c_parser_is_safe() -> bool:
    """expat limits entity amplification from 2.4.1; ElementTree is on its C accelerator."""
    try:
        import _elementtree
    except ImportError:
        return False
    return pyexpat.version_info >= (2, 4, 1) and ElementTree.XMLParser is _elementtree.XMLParser


def looks_utf16(head: bytes) -> bool:
    """Whether bytes starting with ``head`` are UTF-16 text: a byte-order mark, or one zero
    byte among the first two (an ASCII character in UTF-16, whitespace or not)."""
    return head[:2] in _UTF16_MARKS or (len(head) >= 2 and (head[0] == 0) != (head[1] == 0))


class _Refusing:
    """A binary stream passing bytes through, raising ``DeclarationRefused`` on a DTD."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.part = str(getattr(raw, "name", ""))
        self.tail = b""
        self.head: bytes | None = None  # the part's first bytes, until they are passed on

    def read(self, size: int = -1) -> bytes:
        if self.head is None:
            self.head = self._first_bytes()
        if self.head:
            data = self.head if size < 0 else self.head[:size]
            self.head = self.head[len(data):]
            if size < 0:
                data += self.raw.read()
        else:
            data = self.raw.read(size)
        seen = self.tail + data
        if any(mark in seen for mark in _MARKS):
            raise DeclarationRefused(self.part)
        self.tail = seen[-_KEEP:]
        return data

    def _first_bytes(self) -> bytes:
        # Enough to hold any XML declaration whole, however the stream hands out its bytes.
        head = b""
        while len(head) < _HEAD:
            more = self.raw.read(_HEAD - len(head))
            if not more:
                break
            head += more
        if looks_utf16(head):
            raise DeclarationRefused(self.part, encoding="UTF-16")
        declared = _DECLARED.match(head)
        if declared and declared.group(1).lower() not in _UTF8_NAMES:
            raise DeclarationRefused(self.part, encoding=declared.group(1).decode("ascii"))
        return head


def iterparse(source: Any, events: Any = None, parser: Any = None) -> Any:
    """``xml.etree.ElementTree.iterparse`` on the C parser, refusing DTDs (see the module)."""
    if not hasattr(source, "read"):
        raise TypeError("iterparse here reads open binary streams only")
    if parser is None:
        # UTF-8 whatever the part declares: see the module's docstring.
        parser = ElementTree.XMLParser(target=ElementTree.TreeBuilder(), encoding="utf-8")
    return ElementTree.iterparse(_Refusing(source), events, parser)


def install() -> None:
    """Make openpyxl's sheet and shared-string reading use :func:`iterparse`, when safe."""
    if not c_parser_is_safe():
        return
    from openpyxl.reader import strings
    from openpyxl.worksheet import _reader

    _reader.iterparse = iterparse  # type: ignore[attr-defined]
    strings.iterparse = iterparse  # type: ignore[attr-defined]
