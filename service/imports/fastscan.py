"""The pre-scan of a plain worksheet part by byte searches per chunk, without XML events.

The full walk (sheetscan.XlsxSheet) costs ~7 Python callbacks per cell: several seconds for a
national workbook of inline strings. Most sheets are plain: every cell carries its reference
and a value, no formula, no error value, no DTD, no entity, no prefixed cell element, no limit
reached. For those, a few searches per 64 KiB chunk (in C, cache-resident) and one Python step
per row give the same SheetScan. Whatever is not recognisably plain — any `<f` element, a `t`
attribute that is not a value type, an entity or character reference, a prefixed cell element
(`<x:c>`), a self-closing element other than an empty row, an odd reference, a cell beyond the
limits, a control byte, invalid UTF-8, a part that does not end with `</worksheet>` — answers
None, and the caller runs the full walk, which decides and words any refusal as before. This
pass only has to be sure of « plain », never of a problem.

What it does not do: prove the part well-formed as expat does. A plain-looking part with, say,
mismatched tag names reaches calamine, which refuses the sheet as unreadable (FICHIER_ILLISIBLE,
from the reader rather than the pre-scan). And an empty cell written `<c r="B2" s="1"></c>` (no
writer does: they write `<c …/>`, which sends the sheet to the full walk) counts as occupied, so
max_row / max_column / data_rows may be larger than the walk's; the limits are still checked on
every cell reference, so no sheet the walk refuses passes here.
"""

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
# A row and its first cell: calamine places a cell by its own reference, the walk by its row's.
_OCCUPIED_ROW = re.compile(rb'<row r="([1-9][0-9]*)"[^>]*(?<!/)>\s*<c r="[A-Z]{1,3}([1-9][0-9]*)"')


def _above(limit: str, alphabet: str) -> str:
    """A regex for the strings of `alphabet` greater than `limit`: same length, or longer."""
    low, high = alphabet[0], alphabet[-1]
    first = alphabet[1] if alphabet == _DIGITS else low  # no leading zero
    options = [f"[{first}-{high}][{low}-{high}]{{{len(limit)},}}"]
    for i, char in enumerate(limit):
        if char < high:
            rest = len(limit) - i - 1
            options.append(f"{limit[:i]}[{chr(ord(char) + 1)}-{high}][{low}-{high}]{{{rest}}}")
    return "|".join(options)


def _references(max_column: str, last_row: str) -> re.Pattern[bytes]:
    """A cell whose reference is not `letters ≤ max_column` + `1 ≤ row ≤ last_row` right after
    « <c »: a new greatest column, a cell beyond the limits, or an odd spelling (no reference,
    leading zero, another attribute first…)."""
    columns = f"(?!{_above(max_column, _LETTERS_ABC)})[A-Z]{{1,3}}" if max_column else "(?!)"
    rows = f'(?!(?:{_above(last_row, _DIGITS)})")[1-9][0-9]{{0,6}}'
    return re.compile(f'<c(?:[>/\t\r\n]|(?! r="{columns}{rows}"))'.encode())


class _Plain(Exception):
    """Not a plain sheet: the full walk decides."""


class _Counter:
    def __init__(self, name: str, limits: Settings) -> None:
        self.scan, self.limits = SheetScan(name), limits
        self.last_row = str(limits.max_rows_per_file + 1)
        self.column = ""  # the greatest column seen, as letters
        self.references = _references(self.column, self.last_row)
        self.state = "head"
        self.rows = self.row_ends = self.self_closing = 0

    def region(self, region: bytes) -> None:
        """Complete tags and texts (a region never ends inside a tag, nor between a row's start
        tag and its first child), split where the sheet data starts and ends."""
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
        if region.find(b"<f") >= 0 and re.search(rb"<f[\s/>]", region):
            raise _Plain("formule")
        if _ODD_EQUALS.search(region):
            raise _Plain("attribut")
        for found in _ODD_TYPE.finditer(region):
            if found.start() == 0 or region[found.start() - 1] not in _NAME_BYTES:
                raise _Plain("type")
        self.cells(region)
        self.scan_rows(region)

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

    def scan_rows(self, region: bytes) -> None:
        """Rows holding a cell, the first one on the row's number (calamine places a cell by its
        own reference). At the end, every other row must be self-closing (finish)."""
        occupied = _OCCUPIED_ROW.findall(region)
        if occupied:
            numbers, firsts = zip(*occupied, strict=True)
            if numbers != firsts:
                raise _Plain("ligne")
            self.scan.data_rows += len(numbers)
            self.scan.max_row = max(self.scan.max_row, *map(int, numbers))
        self.rows += region.count(b"<row")
        self.row_ends += region.count(b"</row>")
        self.self_closing += region.count(b"/>")

    def finish(self) -> SheetScan:
        if self.state != "tail" or self.row_ends != self.scan.data_rows:
            raise _Plain("structure")  # a row without cell, or a cell outside a row
        if self.rows - self.row_ends != self.self_closing:
            raise _Plain("élément vide")  # <c …/>, <v/>, <t/>: the walk knows which count
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
            cut = _cut(buffer)
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


def _cut(buffer: bytes) -> int:
    """Where the complete part of `buffer` ends: at its last « < » (a tag may be incomplete),
    or before a row start tag still waiting for its first child."""
    cut = buffer.rfind(b"<")
    if cut <= 0:
        return cut
    head = buffer[:cut].rstrip()
    tag = head.rfind(b"<")
    if buffer.startswith(b"<row", tag) and head.endswith(b">") and not head.endswith(b"/>"):
        return tag
    return cut
