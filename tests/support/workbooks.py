"""Build test workbooks in memory: no binary file is ever committed.

- :func:`xlsx_bytes` — a real workbook written by openpyxl, from ``{sheet: [rows]}``;
- :func:`raw_xlsx` — a minimal hand-written xlsx whose sheet XML is given verbatim (or streamed),
  to reproduce what openpyxl refuses to write (lying `<dimension>`, cells at XFD1048576, DTDs…);
- :func:`ods_bytes` — a minimal ODS whose ``<table:table>`` bodies are given verbatim;
- :func:`zip_bytes`, :func:`ole2_bytes`, :func:`csv_bytes` and helpers to patch ZIP headers.
"""

from __future__ import annotations

import functools
import io
import struct
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from xml.sax.saxutils import escape, quoteattr

from openpyxl import Workbook
from openpyxl.utils.cell import get_column_letter

Part = str | bytes | Iterable[bytes]

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
MAIN_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
MACRO_CT = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"


def xlsx_bytes(
    sheets: Mapping[str, Sequence[Sequence[object]]], *, hidden: Sequence[str] = ()
) -> bytes:
    """A workbook written by openpyxl: one sheet per key, rows from row 1 (None = empty cell)."""
    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(list(row))
        if name in hidden:
            ws.sheet_state = "hidden"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def zip_bytes(
    parts: Mapping[str, Part], compression: int = zipfile.ZIP_DEFLATED, *, stored_first: str = ""
) -> bytes:
    """A ZIP of the given parts; an iterable part is streamed (never held whole in memory)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, content in parts.items():
            method = zipfile.ZIP_STORED if name == stored_first else compression
            if isinstance(content, str):
                archive.writestr(name, content.encode(), compress_type=method)
            elif isinstance(content, bytes):
                archive.writestr(name, content, compress_type=method)
            else:
                info = zipfile.ZipInfo(name)
                info.compress_type = method
                with archive.open(info, "w") as stream:
                    for chunk in content:
                        stream.write(chunk)
    return out.getvalue()


def cell_xml(ref: str, value: object) -> str:
    """One `<c>`: numbers as numbers, other values as inline strings."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'
    return f'<c r="{ref}"><v>{value}</v></c>'


def rows_xml(rows: Sequence[Sequence[object]], first_row: int = 1) -> str:
    """`<row>` elements for the given values (None = no cell)."""
    out = []
    for r, row in enumerate(rows, start=first_row):
        cells = "".join(
            cell_xml(f"{get_column_letter(c)}{r}", v) for c, v in enumerate(row, 1) if v is not None
        )
        out.append(f'<row r="{r}">{cells}</row>')
    return "".join(out)


def sheet_xml(body: str, *, dimension: str | None = None, prolog: str = "") -> str:
    """A worksheet part around `body` (the content of `<sheetData>`)."""
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet xmlns="{MAIN_NS}">'
        f"{dim}<sheetData>{body}</sheetData></worksheet>"
    )


def streamed_sheet(head: str, rows: Iterable[str], tail: str = "") -> Iterator[bytes]:
    """A worksheet part produced chunk by chunk (for sheets of a million rows)."""
    yield sheet_xml("\0").split("\0")[0].encode() + head.encode()
    batch: list[str] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= 20_000:
            yield "".join(batch).encode()
            batch = []
    yield ("".join(batch) + tail + "</sheetData></worksheet>").encode()


def raw_xlsx(
    sheets: Mapping[str, Part],
    *,
    shared_strings: Sequence[str] = (),
    workbook_extra: str = "",
    macros: bool = False,
    extra_parts: Mapping[str, Part] | None = None,
) -> bytes:
    """A minimal xlsx: each value is a complete worksheet part (see :func:`sheet_xml`)."""
    names = list(sheets)
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{SHEET_CT}"/>'
        for i in range(1, len(names) + 1)
    )
    content_types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="rels" ContentType="application/'
        'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
        f'"application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
        f'"{MACRO_CT if macros else MAIN_CT}"/>{overrides}</Types>'
    )
    sheet_list = "".join(
        f'<sheet name={quoteattr(n)} sheetId="{i}" r:id="rId{i}"/>' for i, n in enumerate(names, 1)
    )
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, len(names) + 1)
    )
    parts: dict[str, Part] = {
        "[Content_Types].xml": content_types,
        "_rels/.rels": f'<?xml version="1.0"?><Relationships xmlns="{PKG_REL_NS}"><Relationship '
        f'Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0"?><workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
        f"{workbook_extra}<sheets>{sheet_list}</sheets></workbook>",
        "xl/_rels/workbook.xml.rels": f'<?xml version="1.0"?><Relationships xmlns="{PKG_REL_NS}">'
        f"{rels}</Relationships>",
    }
    if shared_strings:
        items = "".join(f"<si><t>{escape(s)}</t></si>" for s in shared_strings)
        parts["xl/sharedStrings.xml"] = f'<sst xmlns="{MAIN_NS}">{items}</sst>'
    for i, content in enumerate(sheets.values(), 1):
        parts[f"xl/worksheets/sheet{i}.xml"] = content
    if macros:
        parts["xl/vbaProject.bin"] = b"\xd0\xcf\x11\xe0 fake VBA project"
    parts.update(extra_parts or {})
    return zip_bytes(parts)


ODS_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
_ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:of="urn:oasis:names:tc:opendocument:xmlns:of:1.2" '
    'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"'
)


def ods_cell(value: object) -> str:
    if value is None:
        return "<table:table-cell/>"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (
            f'<table:table-cell office:value-type="float" office:value="{value}">'
            f"<text:p>{value}</text:p></table:table-cell>"
        )
    return (
        f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}</text:p>'
        "</table:table-cell>"
    )


def ods_rows(rows: Sequence[Sequence[object]]) -> str:
    return "".join(
        "<table:table-row>" + "".join(ods_cell(v) for v in row) + "</table:table-row>"
        for row in rows
    )


def ods_bytes(tables: Mapping[str, str], *, manifest_extra: str = "", prolog: str = "") -> bytes:
    """A minimal ODS: each value is the XML inside `<table:table>` (see :func:`ods_rows`)."""
    body = "".join(
        f"<table:table table:name={quoteattr(n)}>{xml}</table:table>" for n, xml in tables.items()
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<office:document-content {_ODS_NS} '
        f'office:version="1.3"><office:body><office:spreadsheet>{body}</office:spreadsheet>'
        "</office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:'
        'names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3"><manifest:file-entry '
        f'manifest:full-path="/" manifest:media-type="{ODS_MIMETYPE}"/><manifest:file-entry '
        'manifest:full-path="content.xml" manifest:media-type="text/xml">'
        f"{manifest_extra}</manifest:file-entry></manifest:manifest>"
    )
    parts = {"mimetype": ODS_MIMETYPE, "content.xml": content, "META-INF/manifest.xml": manifest}
    return zip_bytes(parts, stored_first="mimetype")


def ole2_bytes(stream_names: Sequence[str]) -> bytes:
    """A minimal OLE2 compound file whose directory lists the given streams (no content)."""
    sector = 512
    entries = [("Root Entry", 5)] + [(n, 2) for n in stream_names]
    dir_sectors = (len(entries) + 3) // 4
    header = bytearray(sector)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIII", header, 44, 1, 1, 0, 0x1000)  # 1 FAT sector, directory at 1
    struct.pack_into("<IIII", header, 60, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
    header[76:sector] = b"\xff" * (sector - 76)
    struct.pack_into("<I", header, 76, 0)  # the FAT is sector 0
    fat = [0xFFFFFFFD] + [i + 1 for i in range(1, dir_sectors)] + [0xFFFFFFFE]
    fat += [0xFFFFFFFF] * (sector // 4 - len(fat))
    directory = bytearray()
    none = 0xFFFFFFFF
    for k, (name, kind) in enumerate(entries):
        entry = bytearray(128)
        raw = name.encode("utf-16-le") + b"\0\0"
        entry[: len(raw)] = raw
        struct.pack_into("<HBB", entry, 64, len(raw), kind, 1)
        # The root's child is the first stream; streams are chained as right siblings.
        right = k + 1 if 0 < k < len(entries) - 1 else none
        child = 1 if k == 0 and len(entries) > 1 else none
        struct.pack_into("<III", entry, 68, none, right, child)
        struct.pack_into("<II", entry, 116, 0xFFFFFFFE, 0)
        directory += entry
    directory += b"\0" * (-len(directory) % sector)
    return bytes(header) + struct.pack(f"<{sector // 4}I", *fat) + bytes(directory)


def csv_bytes(
    rows: Sequence[Sequence[object]], *, sep: str = ";", encoding: str = "utf-8-sig"
) -> bytes:
    lines = []
    for row in rows:
        cells = ["" if v is None else str(v) for v in row]
        lines.append(sep.join(f'"{c}"' if sep in c or '"' in c or "\n" in c else c for c in cells))
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def patch_central_directory(data: bytes, index: int, **fields: int) -> bytes:
    """Rewrite fields of the `index`-th central directory entry (and the matching local header
    for `flags`): `flags`, `compressed`, `uncompressed`, `offset`. To craft what zipfile
    refuses to write (encrypted flags, lying sizes, overlapping entries)."""
    out = bytearray(data)
    pos = -1
    for _ in range(index + 1):
        pos = out.index(b"PK\x01\x02", pos + 1)
    layout = {"flags": (8, "<H"), "compressed": (20, "<I"), "uncompressed": (24, "<I"),
              "offset": (42, "<I")}  # fmt: skip
    for name, value in fields.items():
        offset, fmt = layout[name]
        struct.pack_into(fmt, out, pos + offset, value)
    if "flags" in fields:
        local = struct.unpack_from("<I", out, pos + 42)[0]
        struct.pack_into("<H", out, local + 6, fields["flags"])
    return bytes(out)


@functools.cache
def million_styled_rows_xlsx(data_rows: int = 2) -> bytes:
    """Header + `data_rows` real rows, then styled empty rows down to row 1,048,576, as
    LibreOffice or a « format the whole column » leaves them (built once per test session)."""
    data = [[f"55208131{i}", f"Nom {i}"] for i in range(data_rows)]
    real = rows_xml([["SIREN", "Raison sociale"], *data])
    empty = (f'<row r="{r}" s="1" customFormat="1"/>' for r in range(data_rows + 2, 1_048_577))
    return raw_xlsx({"Entités": streamed_sheet(real, empty)})


def rewrite_zip(
    data: bytes,
    *,
    rename: Callable[[str], str] = lambda name: name,
    replace: Mapping[str, Part] | None = None,
    drop: Sequence[str] = (),
) -> bytes:
    """A copy of a ZIP with parts renamed (`rename` gets each original name), replaced (by
    original name; a name not in the archive is added) or dropped."""
    replace = dict(replace or {})
    parts: dict[str, Part] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            if info.filename in drop:
                continue
            content = replace.pop(info.filename, None)
            parts[rename(info.filename)] = archive.read(info) if content is None else content
    parts.update(replace)
    return zip_bytes(parts)


def with_prolog(xml: Part, prolog: str) -> bytes:
    """`xml` (a part's text) with `prolog` (a DOCTYPE…) inserted before its root element."""
    text = xml if isinstance(xml, str) else b"".join([xml] if isinstance(xml, bytes) else xml)
    raw = text.encode() if isinstance(text, str) else text
    if raw.startswith(b"<?xml"):
        end = raw.index(b"?>") + 2
        return raw[:end] + prolog.encode() + raw[end:]
    return b'<?xml version="1.0" encoding="UTF-8"?>' + prolog.encode() + raw


# XML attacks, each a DOCTYPE to put before a part's root element.
BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
)
QUADRATIC_BLOWUP = f'<!DOCTYPE q [<!ENTITY a "{"a" * 50_000}">]>'
EXTERNAL_ENTITY = '<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
