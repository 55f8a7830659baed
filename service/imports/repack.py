"""The package calamine opens: only the parts the pre-scan read and bounded.

calamine refuses a whole workbook for a part it does not need (an Excel 4.0 macro sheet is an
« unrecognized sheet type », a relationship pointing nowhere), looks its parts up at fixed
places (`{folder}workbook.xml`, `{folder}sharedStrings.xml`), and loads every sheet of an ODS
at once. So it is given a minimal package instead of the upload: for an .xlsx, the sheets the
import reads (their compressed bytes copied as they are, never inflated here), the shared
strings and styles, and a workbook part we write; for an .ods, content.xml without the tables
the import does not read, when those would cost calamine more than a few cells.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from xml.sax.saxutils import quoteattr

from defusedxml import ElementTree

from service.imports.package import Package

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
_SHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_MAIN_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_DOS_DATE = 0x21  # 1980-01-01: the parts' dates are of no use to any reader
_LOCAL, _CENTRAL, _END = 0x04034B50, 0x02014B50, 0x06054B50  # ZIP record signatures


class _ZipWriter:
    """A ZIP written entry by entry: copied entries keep their compressed bytes and CRC."""

    def __init__(self) -> None:
        self.out = io.BytesIO()
        self.central: list[bytes] = []

    def _entry(self, name: str, method: int, crc: int, sizes: tuple[int, int]) -> None:
        encoded = name.encode()
        fields = (method, 0, _DOS_DATE, crc, *sizes, len(encoded))  # method … name length
        offset = self.out.tell()
        self.central.append(
            struct.pack("<IHHH", _CENTRAL, 20, 20, 0)
            + struct.pack("<HHHIIIH", *fields)
            + struct.pack("<HHHHII", 0, 0, 0, 0, 0, offset)
            + encoded
        )
        self.out.write(struct.pack("<IHH", _LOCAL, 20, 0) + struct.pack("<HHHIIIH", *fields))
        self.out.write(struct.pack("<H", 0) + encoded)

    def copy(self, data: bytes, info: zipfile.ZipInfo, name: str) -> None:
        """`info`'s entry of `data` under a new name; filecheck vetted its offsets and sizes."""
        start = info.header_offset
        name_len, extra_len = struct.unpack("<HH", data[start + 26 : start + 30])
        begin = start + 30 + name_len + extra_len
        self._entry(name, info.compress_type, info.CRC, (info.compress_size, info.file_size))
        self.out.write(data[begin : begin + info.compress_size])

    def add(self, name: str, content: bytes) -> None:
        self._entry(name, zipfile.ZIP_STORED, zlib.crc32(content), (len(content), len(content)))
        self.out.write(content)

    def deflate(self, name: str, chunks: Iterable[bytes], level: int = 6) -> None:
        """A part compressed as it streams in: only its compressed bytes are ever held."""
        position = self.out.tell()
        self._entry(name, zipfile.ZIP_DEFLATED, 0, (0, 0))  # sizes patched below
        compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
        crc = size = compressed = 0
        for chunk in chunks:
            crc, size = zlib.crc32(chunk, crc), size + len(chunk)
            block = compressor.compress(chunk)
            compressed += len(block)
            self.out.write(block)
        block = compressor.flush()
        compressed += len(block)
        self.out.write(block)
        end = self.out.tell()
        self.out.seek(position + 14)
        self.out.write(struct.pack("<III", crc, compressed, size))
        self.out.seek(end)
        record = self.central[-1]
        self.central[-1] = record[:16] + struct.pack("<III", crc, compressed, size) + record[28:]

    def finish(self) -> bytes:
        offset = self.out.tell()
        for record in self.central:
            self.out.write(record)
        size = self.out.tell() - offset
        count = len(self.central)
        self.out.write(struct.pack("<IHHHHIIH", _END, 0, 0, count, count, size, offset, 0))
        return self.out.getvalue()


def xlsx_package(
    data: bytes,
    package: Package,
    sheets: Sequence[tuple[str, str]],
    *,
    shared_strings: str | None,
    styles: str | None,
    date1904: bool,
) -> bytes:
    """`sheets`: (name, part key) in the workbook's order; their names are kept exactly."""
    writer = _ZipWriter()
    related = {"sharedStrings": shared_strings, "styles": styles}
    _workbook(writer, [n for n, _ in sheets], date1904, [k for k, p in related.items() if p])
    for rel_type, part in related.items():
        if part is not None:
            writer.copy(data, package.parts[part], f"xl/{rel_type}.xml")
    for i, (_, part) in enumerate(sheets, 1):
        writer.copy(data, package.parts[part], f"xl/worksheets/sheet{i}.xml")
    return writer.finish()


def sheet_chunks(packed: bytes, name: str) -> Iterator[bytes]:
    """The XML of the sheet ``name`` of a package :func:`xlsx_package` wrote, inflated as it
    is read."""
    archive = zipfile.ZipFile(io.BytesIO(packed))
    with archive.open(f"xl/worksheets/sheet{_sheet_names(archive).index(name) + 1}.xml") as part:
        while chunk := part.read(1 << 16):
            yield chunk


def replace_sheet(packed: bytes, name: str, xml: Iterable[bytes]) -> bytes:
    """A package :func:`xlsx_package` wrote, with the XML of its sheet ``name`` replaced by the
    chunks ``xml``, compressed as they come (fast level: the package is opened once, in memory,
    and only its compressed bytes are held); every other entry copied as it is."""
    archive = zipfile.ZipFile(io.BytesIO(packed))
    target = f"xl/worksheets/sheet{_sheet_names(archive).index(name) + 1}.xml"
    writer = _ZipWriter()
    for info in archive.infolist():
        if info.filename == target:
            writer.deflate(target, xml, level=1)
        else:
            writer.copy(packed, info, info.filename)
    return writer.finish()


def _sheet_names(archive: zipfile.ZipFile) -> list[str]:
    root = ElementTree.fromstring(archive.read("xl/workbook.xml"))  # written by xlsx_package
    return [s.get("name", "") for s in root.iter(f"{{{_MAIN_NS}}}sheet")]


def _workbook(
    writer: _ZipWriter, names: Sequence[str], date1904: bool, related: Sequence[str]
) -> None:
    """Content types, relationships and the workbook part listing ``names`` (sheet1… in that
    order) and the ``related`` parts (sharedStrings, styles) the caller copies."""
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_SHEET_CT}"/>'
        for i in range(1, len(names) + 1)
    )
    writer.add(
        "[Content_Types].xml",
        (
            f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{_CT_NS}"><Default '
            'Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
            '+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
            f'"/xl/workbook.xml" ContentType="{_MAIN_CT}"/>{overrides}</Types>'
        ).encode(),
    )
    writer.add(
        "_rels/.rels",
        (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG_REL_NS}">'
            f'<Relationship Id="rId1" Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ).encode(),
    )
    listed = "".join(
        f'<sheet name={quoteattr(name)} sheetId="{i}" r:id="rId{i}"/>'
        for i, name in enumerate(names, 1)
    )
    writer.add(
        "xl/workbook.xml",
        (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN_NS}" '
            f'xmlns:r="{_REL_NS}"><workbookPr date1904="{int(date1904)}"/><sheets>{listed}'
            "</sheets></workbook>"
        ).encode(),
    )
    rels = [
        f'<Relationship Id="rId{i}" Type="{_REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, len(names) + 1)
    ] + [
        f'<Relationship Id="r{rel_type}" Type="{_REL_NS}/{rel_type}" Target="{rel_type}.xml"/>'
        for rel_type in related
    ]
    writer.add(
        "xl/_rels/workbook.xml.rels",
        (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG_REL_NS}">'
            f"{''.join(rels)}</Relationships>"
        ).encode(),
    )


def ods_package(data: bytes, package: Package, cuts: Sequence[tuple[int, int]]) -> bytes:
    """The ODS without the byte ranges `cuts` of content.xml: each (start of a table's start
    tag, start of its end tag), the end tag removed too."""
    writer = _ZipWriter()
    writer.add("mimetype", package.archive.read(package.parts["mimetype"]))
    if "meta-inf/manifest.xml" in package:  # calamine refuses an ODS without: keep it so
        writer.copy(data, package.parts["meta-inf/manifest.xml"], "META-INF/manifest.xml")
    writer.deflate("content.xml", _without(package.chunks("content.xml"), cuts))
    return writer.finish()


def _without(chunks: Iterable[bytes], cuts: Sequence[tuple[int, int]]) -> Iterator[bytes]:
    ranges = iter(sorted(cuts))
    current = next(ranges, None)
    offset = 0
    closing = False  # inside the end tag of a cut table: skip through its « > »
    for chunk in chunks:
        position, kept = 0, []
        while position < len(chunk):
            if closing:
                found = chunk.find(b">", position)
                if found < 0:
                    position = len(chunk)
                    break
                position, closing = found + 1, False
                current = next(ranges, None)
            elif current is None or offset + len(chunk) <= current[0]:
                kept.append(chunk[position:])
                break
            else:
                start, end = current
                if offset + position < start:
                    kept.append(chunk[position : start - offset])
                    position = start - offset
                if offset + len(chunk) <= end:
                    position = len(chunk)
                    break
                position, closing = end - offset, True
        offset += len(chunk)
        if kept:
            yield b"".join(kept)
