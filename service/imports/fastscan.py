"""The pre-scan of a plain worksheet part by byte searches per chunk, without XML events.

The full walk (sheetscan.XlsxSheet) costs ~7 Python callbacks per cell: several seconds for a
national workbook of inline strings. Most sheets are plain: every cell carries its reference
and a value or only a style, no formula, no error value, no DTD, no entity, no prefixed cell
element, no limit reached. For those, a few searches per 64 KiB chunk (in C, cache-resident)
give the same SheetScan. Whatever is not recognisably plain — any `<f` element, a `t` attribute
that is not a value type, an entity or character reference, a prefixed cell element (`<x:c>`),
a self-closing element other than an empty row or cell, an odd reference, a cell beyond the
limits, a control byte, invalid UTF-8, a part that does not end with `</worksheet>` — answers
None, and the caller runs the full walk, which decides and words any refusal as before. This
pass only has to be sure of « plain », never of a problem.

What it does not do: prove the part well-formed as expat does. A plain-looking part with, say,
mismatched tag names reaches calamine, which refuses the sheet as unreadable (FICHIER_ILLISIBLE,
from the reader rather than the pre-scan). And only the first cell of a row is compared with the
row's number: a later cell off it (no writer does that) leaves max_row / data_rows as the rows
say, while the walk would follow the cell; both are bounded on every reference, so no sheet the
walk refuses passes here."""

from __future__ import annotations

import re
from collections.abc import Iterable

from openpyxl.utils.cell import column_index_from_string as column_index

from service.config import Settings
from service.imports.sheetscan import SheetScan

_MAX_CARRY = 4 * 1024 * 1024  # one tag or text longer than this: not a plain sheet
_CONTROLS = bytes(b for b in range(32) if b not in (9, 10, 13))  # forbidden by XML 1.0
_LETTERS_ABC = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_DIGITS = "0123456789"

_PROLOG = re.compile(rb"(?:\xef\xbb\xbf)?(?:<\?xml([^>]*)\?>)?\s*(?=<worksheet[\s>])")
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_SHEET_DATA = re.compile(rb"<sheetData\s*(/?)>")
_SHEET_DATA_END = b"</sheetData>"
_END = b"</worksheet>"
# Any spelling of an attribute but `name="value"`: whitespace around `=`, single quotes (and an
# `=` in a text, which is then left to the walk).
_ODD_EQUALS = re.compile(rb'=(?:(?!")|(?<=[ \t\r\n]=))')
# A `t` attribute whose value is not a plain value type (« e » is an error value). The byte
# before `t` tells the attribute `t` from `ht`, `customHeight`… (`x:t` is left to the walk).
_ODD_TYPE = re.compile(rb't="(?!(?:s|n|str|inlineStr|b|d)")')
_NAME_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
_NAME_BYTES |= frozenset(range(0x80, 0x100))
# Every reference but the five predefined entities: undefined entities and character references
# are the walk's to judge (expat refuses the former, and `&#…;` may spell anything).
_ODD_ENTITY = re.compile(rb"&(?!(?:amp|lt|gt|quot|apos);)")
# A local name the walk reads, behind a prefix (`<x:c `, `</x:f>`).
_PREFIXED = re.compile(rb":(c|row|v|is|f|t|si|sheetData|worksheet)[\s/>]")
_IN_DATA = frozenset((b"c", b"row", b"v", b"is", b"f", b"t", b"si", b"sheetData", b"worksheet"))
_LETTERS = re.compile(rb"[A-Z]+")
_EMPTY_CELL = re.compile(
    rb'<c r="[A-Z]{1,3}[1-9][0-9]{0,6}"(?:\s+[A-Za-z]+="[^"<>]*")*\s*(?:/>|>\s*</c>)'
)
_ROW_WITHOUT_CELL = re.compile(rb"<row\b[^>]*(?<!/)>\s*</row>")
# A row and its first cell: calamine places a cell by its own reference, the walk by its row's.
_OCCUPIED_ROW = re.compile(rb'<row r="([1-9][0-9]*)"[^>]*(?<!/)>\s*<c r="[A-Z]{1,3}([1-9][0-9]*)"')


def _up_to(limit: str, alphabet: str) -> str:
    """A regex for the strings of `alphabet` from the first one up to `limit`: shorter, or the
    same length and not greater (no leading zero for digits)."""
    low, high = alphabet[0], alphabet[-1]
    first = alphabet[1] if alphabet == _DIGITS else low
    options = [f"[{first}-{high}][{low}-{high}]{{0,{len(limit) - 2}}}"] if len(limit) > 1 else []
    for i, char in enumerate(limit):
        start = first if i == 0 else low
        if char > start:
            rest = len(limit) - i - 1
            options.append(f"{limit[:i]}[{start}-{chr(ord(char) - 1)}][{low}-{high}]{{{rest}}}")
    return "|".join([*options, limit])


def _references(max_column: str, last_row: str) -> re.Pattern[bytes]:
    """A cell whose reference is not `letters ≤ max_column` + `1 ≤ row ≤ last_row` right after
    « <c »: a new greatest column, a cell beyond the limits, or an odd spelling (no reference,
    leading zero, another attribute first…). Written as what is allowed: a cell costs one
    failed match."""
    columns = _up_to(max_column, _LETTERS_ABC) if max_column else "(?!)"
    rows = _up_to(last_row, _DIGITS)
    return re.compile(f'<c(?! r="(?:{columns})(?:{rows})")'.encode())


class _Plain(Exception):
    """Not a plain sheet: the full walk decides."""


class _Counter:
    def __init__(self, name: str, limits: Settings) -> None:
        self.scan, self.limits = SheetScan(name), limits
        self.last_row = str(limits.max_rows_per_file + 1)
        self.column = ""  # the greatest column seen, as letters
        self.references = _references(self.column, self.last_row)
        self.state = "head"

    def region(self, region: bytes) -> None:
        """Complete tags and texts, whole rows (see _cut), split where the sheet data starts and
        ends."""
        if self.state == "head":
            start = _SHEET_DATA.search(region)
            if start is None:
                return self.head(region)
            self.head(region[: start.start()])
            self.state = "tail" if start.group(1) else "data"
            region = region[start.end() :]
        if self.state == "data":
            end = region.find(_SHEET_DATA_END)
            if end < 0:
                return self.data(region)
            self.data(region[:end])
            self.state, region = "tail", region[end + len(_SHEET_DATA_END) :]
        return self.tail(region)

    def head(self, region: bytes) -> None:
        """Before <sheetData>: sheetPr, dimension (ignored: it can lie), views, cols."""
        if b"<c " in region or b"<row" in region:
            raise _Plain("cellule hors des données")
        self.common(region, _IN_DATA)

    def tail(self, region: bytes) -> None:
        """After </sheetData>: a formula or type there is no cell's (the x14 data validations
        write `<xm:f>`); only a cell would count."""
        if b"<c " in region or b"<c>" in region or b"<c/" in region:
            raise _Plain("cellule hors des données")
        self.common(region, frozenset((b"c",)))

    def common(self, region: bytes, names: frozenset[bytes]) -> None:
        if len(region.translate(None, _CONTROLS)) != len(region):
            raise _Plain("caractère de contrôle")
        if not region.isascii():
            region.decode()  # UnicodeDecodeError: not the walk's UTF-8, let it say so
        if _ODD_ENTITY.search(region):
            raise _Plain("entité")
        for found in _PREFIXED.finditer(region):
            tag = region.rfind(b"<", 0, found.start())
            prefix = region[tag + 1 : found.start()].lstrip(b"/")
            is_name = tag >= 0 and prefix and not any(b in prefix for b in b" \t\r\n<>\"'=/")
            if is_name and found.group(1) in names:
                raise _Plain("préfixe")

    def data(self, region: bytes) -> None:
        self.common(region, _IN_DATA)
        self_closing = 0
        if region.find(b"/>") >= 0 or region.find(b'"></c>') >= 0:
            # A cell with only a style (`<c r="B7" s="3" t="n"/>`, what a template pre-formats)
            # is no data for the walk, nor for calamine: it is not bounded either.
            region = _EMPTY_CELL.sub(b"", region)
            self_closing = region.count(b"/>")
        if region.find(b"<f") >= 0 and re.search(rb"<f[\s/>]", region):
            raise _Plain("formule")
        if _ODD_EQUALS.search(region):
            raise _Plain("attribut")
        for found in _ODD_TYPE.finditer(region):
            if found.start() == 0 or region[found.start() - 1] not in _NAME_BYTES:
                raise _Plain("type")
        self.cells(region)
        self.scan_rows(region, self_closing)

    def cells(self, region: bytes) -> None:
        """Every cell reference within the limits; the greatest column so far."""
        at = 0
        while found := self.references.search(region, at):
            letters = _LETTERS.match(region, found.start() + len(b'<c r="'))
            if letters is None or not region.startswith(b'<c r="', found.start()):
                raise _Plain("référence")
            column = column_index(letters.group().decode())
            if column > self.limits.max_columns or column <= self.scan.max_column:
                raise _Plain("référence")  # beyond the limits, or a row beyond them
            self.scan.max_column, self.column = column, letters.group().decode()
            self.references = _references(self.column, self.last_row)
            at = found.start()  # searched again: its row must be within the limits too

    def scan_rows(self, region: bytes, self_closing: int) -> None:
        """Rows holding a cell, the first one on the row's number (calamine places a cell by its
        own reference); the others without cell or self-closing, which must then be the only
        self-closing elements left. A region holds whole rows (_cut)."""
        occupied = _OCCUPIED_ROW.findall(region)
        if occupied:
            numbers, firsts = zip(*occupied, strict=True)
            if numbers != firsts:
                raise _Plain("ligne")
            self.scan.data_rows += len(numbers)
            lines = [int(n) for n in numbers]
            if any(b <= a for a, b in zip([self.scan.max_row, *lines], lines, strict=False)):
                self.scan.rows_in_order = False
            self.scan.max_row = max(self.scan.max_row, *lines)
        rows, ends = region.count(b"<row"), region.count(b"</row>")
        without_cell = len(_ROW_WITHOUT_CELL.findall(region)) if ends != len(occupied) else 0
        if ends != len(occupied) + without_cell or rows - ends != self_closing:
            raise _Plain("ligne")  # a row not whole, or another element left self-closing

    def finish(self) -> SheetScan:
        if self.state != "tail":
            raise _Plain("structure")
        return self.scan


def plain_sheet(chunks: Iterable[bytes], name: str, limits: Settings) -> SheetScan | None:
    """The scan of a plain worksheet part, or None: then the full walk must run."""
    counter = _Counter(name, limits)
    try:
        carry, started = b"", False
        for chunk in chunks:
            buffer = carry + chunk
            if not started:
                if _PROLOG.match(buffer) is None and len(buffer) < 4096:
                    carry = buffer  # the XML declaration or the root tag is not whole yet
                    continue
                buffer, started = _after_prolog(buffer), True
            cut = _cut(buffer, counter.state)
            if cut <= 0:
                carry = buffer
                if len(carry) > _MAX_CARRY:
                    raise _Plain("trop long")
                continue
            counter.region(buffer[:cut])
            carry = buffer[cut:]
        if not started:
            carry = _after_prolog(carry)
        rest = carry.rstrip()
        if not rest.endswith(_END):
            raise _Plain("fin")
        counter.region(rest[: -len(_END)])
        return counter.finish()
    except (_Plain, UnicodeDecodeError):
        return None


def _after_prolog(buffer: bytes) -> bytes:
    """The part from its root element on; the XML declaration may only say UTF-8. A DTD, a
    comment or a processing instruction before the root is the walk's to judge."""
    prolog = _PROLOG.match(buffer)
    if prolog is None:
        raise _Plain("prologue")
    encoding = _ENCODING.search(prolog.group(1) or b"")
    if encoding and encoding.group(1).lower() not in (b"utf-8", b"utf8"):
        raise _Plain("encodage")
    return buffer[prolog.end() :]


def _cut(buffer: bytes, state: str) -> int:
    """Where the part of `buffer` to read now ends: before its last row start tag, so that a
    region holds whole rows (0 while a row is longer than the buffer); out of the sheet data,
    at its last « < » (a tag may be incomplete)."""
    row = buffer.rfind(b"<row")
    if row > 0:
        return row
    if state == "data" and buffer.find(_SHEET_DATA_END) < 0:
        return 0
    return buffer.rfind(b"<")
