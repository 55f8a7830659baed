"""A range of a worksheet's rows cut out of its XML, so that calamine parses only them.

calamine cannot stream: it parses a sheet whole and holds every cell. The parts of a split
analysis each read a range of the Dispositifs sheet, and the job-level unit only needs its
header row; handed the whole sheet, each would parse and hold 100 000 rows. Cut here with bytes
searches on the XML the pre-scan accepted, for the plain kind of sheet only: the caller makes
sure the pre-scan's fast path took the sheet (no namespace prefix, whole rows, rows holding a
cell in order: ``SheetScan.rows_in_order``), since the cut stops at the first row past its
range; within what it reads the cut checks again that rows are numbered and in order, and
returns None otherwise (the caller then parses the whole sheet as before).

The cut keeps what precedes the first row (sheet properties, columns…), the rows of the range,
and closes ``sheetData`` and ``worksheet`` itself: what follows the rows (merged cells,
hyperlinks, validations…) is of no use to the values and would need the whole XML inflated.
Rows before the range are not kept: calamine then starts the sheet at the range's first row
(its rectangle of cells does not cover the rows left out), and its row iterator still numbers
rows from the sheet's first line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

_ROW_START = re.compile(rb"<row[\s>/]")
_NUMBERED_ROW = re.compile(rb'<row(?:\s[^>]*?)?\sr="(\d+)"')
_CLOSE = b"</sheetData></worksheet>"
_END = b"</sheetData>"


def _plain_head(head: bytes) -> bool:
    """What precedes the first row: an unprefixed worksheet whose sheetData opens last."""
    return b"<worksheet" in head and head.rstrip().endswith(b"<sheetData>")


class NotCuttable(Exception):
    """Not the plain kind of sheet: parse it whole."""


def cut_rows(chunks: Iterable[bytes], first: int, last: int) -> bytes | None:
    """The worksheet XML of ``chunks`` with only its rows numbered ``first`` to ``last``, or
    None when the sheet is not of the plain kind this can cut safely."""
    try:
        return b"".join(cut_chunks(chunks, first, last))
    except NotCuttable:
        return None


def cut_chunks(chunks: Iterable[bytes], first: int, last: int) -> Iterator[bytes]:
    """:func:`cut_rows` as it goes, for a consumer that streams it (the rows of a range are
    never held whole); raises :class:`NotCuttable`, possibly after a few chunks. Reading stops
    at the first row past ``last``."""
    head: bytes | None = None
    pending = b""
    previous = 0
    for chunk in chunks:
        buffer = pending + chunk
        if head is None:
            found = _ROW_START.search(buffer)
            if found is None:
                pending = buffer
                continue
            head, buffer = buffer[: found.start()], buffer[found.start() :]
            if not _plain_head(head):
                raise NotCuttable("en-tête")
            yield head
        end = buffer.find(_END)
        if end >= 0:
            complete, pending = buffer[:end], b""
        else:  # the last row may go on in the next chunk
            cut = buffer.rfind(b"<row")
            complete, pending = buffer[:cut], buffer[cut:]
        if previous < first and complete and end < 0:
            last_start = _NUMBERED_ROW.match(complete, complete.rfind(b"<row"))
            if last_start is not None and int(last_start.group(1)) < first:
                # Wholly before the range: only its last number matters (the pre-scan saw the
                # rows in order), not the search of every row.
                previous = int(last_start.group(1))
                continue
        kept_from = kept_to = -1
        for start, stop, number in _rows(complete):
            if number <= previous:
                raise NotCuttable("ordre")
            previous = number
            if number > last:
                break
            if number >= first:
                kept_from = start if kept_from < 0 else kept_from
                kept_to = stop
        if kept_from >= 0:  # the range's rows of a segment follow each other
            yield complete[kept_from:kept_to]
        if previous > last or end >= 0:
            yield _CLOSE
            return
    raise NotCuttable("fin")  # no row, or no end of sheetData


def _rows(segment: bytes) -> list[tuple[int, int, int]]:
    """(start, end, number) of every row of ``segment``, a run of whole rows."""
    numbered = [(m.start(), int(m.group(1))) for m in _NUMBERED_ROW.finditer(segment)]
    if len(numbered) != segment.count(b"<row"):
        raise NotCuttable("ligne sans numéro")
    if segment[: numbered[0][0] if numbered else len(segment)].strip():
        raise NotCuttable("hors ligne")
    bounds = [start for start, _ in numbered] + [len(segment)]
    return [(start, bounds[i + 1], number) for i, (start, number) in enumerate(numbered)]
