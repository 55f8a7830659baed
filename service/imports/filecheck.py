"""Upload checks: what a file really is, and whether it is safe to hand to any parser.

Run at upload (API) and again in the worker, before the pre-scan and before calamine: the worker
must not trust that the API ran the same version of these checks (ARCHITECTURE.md §3). Nothing
here decompresses more than a few small parts; every decision on a ZIP comes from its central
directory, because this Python (3.11.7) predates the zipfile fix for overlapping entries
(CVE-2024-0450) and openpyxl/calamine would happily inflate a bomb (RELIABILITY-NOTES.md).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from enum import StrEnum
from xml.sax import SAXException

try:  # Importing the package is the assertion: openpyxl silently falls back to unsafe XML.
    import defusedxml  # noqa: F401
except ImportError as exc:  # pragma: no cover - the deployment is broken, fail loudly
    raise ImportError(
        "defusedxml doit être installé : les classeurs ne sont lus qu'avec lui"
    ) from exc

from defusedxml import DefusedXmlException

from service.config import Settings, get_settings
from service.imports.package import Package, part_key
from service.referentiels.checks import Severite

FICHIER_ILLISIBLE = "FICHIER_ILLISIBLE"
FORMAT_NON_PRIS_EN_CHARGE = "FORMAT_NON_PRIS_EN_CHARGE"
FICHIER_PROTEGE = "FICHIER_PROTEGE"
FICHIER_DANGEREUX = "FICHIER_DANGEREUX"
FICHIER_TROP_GROS = "FICHIER_TROP_GROS"
FICHIER_VIDE = "FICHIER_VIDE"
MACROS_IGNOREES = "MACROS_IGNOREES"

_MIB = 1024 * 1024
_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_SMALL_PART = _MIB  # parts we read to sniff ([Content_Types].xml, mimetype, manifest)
_RESAVE = (
    "Ouvrez-le dans Excel ou LibreOffice, enregistrez-le au format .xlsx et déposez-le à nouveau."
)


class SpreadsheetFormat(StrEnum):
    XLSX = "xlsx"
    XLSM = "xlsm"
    ODS = "ods"
    CSV = "csv"


@dataclass(frozen=True, slots=True)
class FileWarning:
    code: str
    message: str
    severite: Severite = Severite.AVERTISSEMENT


@dataclass(frozen=True, slots=True)
class FileInfo:
    filename: str  # sanitised: safe to store, log and put in a Content-Disposition header
    format: SpreadsheetFormat
    size: int
    sha256: str
    warnings: tuple[FileWarning, ...] = ()


@dataclass(frozen=True, slots=True)
class FileRefusal:
    """The file as a whole is refused (row 0 of the report): what it is and what to do."""

    code: str
    message: str
    filename: str = ""
    severite: Severite = Severite.ERREUR


# What the content really is (« c'est en réalité … ») and the extensions it may carry. Excel
# refuses to open an .xlsx holding macros, but the values read are the same: accept both ways.
_KINDS: dict[SpreadsheetFormat, tuple[str, tuple[str, ...]]] = {
    SpreadsheetFormat.XLSX: ("un classeur Excel (.xlsx)", (".xlsx", ".xlsm")),
    SpreadsheetFormat.XLSM: ("un classeur Excel avec macros (.xlsm)", (".xlsm", ".xlsx")),
    SpreadsheetFormat.ODS: ("un classeur LibreOffice (.ods)", (".ods",)),
    SpreadsheetFormat.CSV: ("un fichier texte CSV", (".csv",)),
}


def safe_filename(name: str, max_length: int = 120) -> str:
    """The basename only, without control/bidi characters or reserved punctuation, ≤ max_length.

    The name is shown back to users, logged and used in download headers: a `../` or a U+202E
    (which displays « xslx.exe » as « exe.xlsx ») must not survive.
    """
    base = re.split(r"[/\\]", unicodedata.normalize("NFC", name))[-1]
    base = "".join(c for c in base if unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co"))
    base = re.sub(r'[<>:"|?*]', "_", base)
    base = re.sub(r"\s+", " ", base).strip(" .")
    if not base:
        return "fichier"
    stem, ext = os.path.splitext(base)
    if len(ext) > 10:  # not an extension, just a dot in a long name
        stem, ext = base, ""
    if len(base) > max_length:
        base = stem[: max_length - len(ext)].rstrip(" .") + ext
    return base


def defusedxml_active() -> bool:
    """True when defusedxml is importable and openpyxl uses it (health check, startup log)."""
    try:
        import defusedxml.ElementTree  # noqa: F401
        from openpyxl.xml import DEFUSEDXML
    except ImportError:  # pragma: no cover
        return False
    return bool(DEFUSEDXML)


def inspect_upload(
    filename: str, data: bytes, limits: Settings | None = None
) -> FileInfo | FileRefusal:
    """Identify the upload from its content and refuse anything unsafe or unsupported."""
    limits = limits or get_settings()
    name = safe_filename(filename)
    ext = os.path.splitext(name)[1].lower()

    def refuse(code: str, message: str) -> FileRefusal:
        return FileRefusal(code, message, name)

    if len(data) > limits.max_upload_bytes:
        return refuse(
            FICHIER_TROP_GROS,
            f"Le fichier « {name} » pèse {_mb(len(data))} ; la limite est de "
            f"{_mb(limits.max_upload_bytes)}. Supprimez les feuilles ou lignes inutiles, "
            "ou découpez-le en plusieurs fichiers (par exemple un par département).",
        )
    if _BLANK.fullmatch(data):  # a BOM and blank lines are still an empty file
        return refuse(
            FICHIER_VIDE,
            f"Le fichier « {name} » est vide. Vérifiez que vous avez choisi le bon fichier "
            "et qu'il a bien été enregistré avant de le déposer.",
        )

    warnings: list[FileWarning] = []
    if data.startswith((_ZIP_MAGIC, _EMPTY_ZIP_MAGIC)):
        found = _inspect_zip(data, limits, warnings)
    elif data.startswith(_OLE2_MAGIC):
        found = _inspect_ole2(data)
    else:
        found = _inspect_other(data)
    if isinstance(found, tuple):
        code, message = found
        return refuse(code, message.replace("{name}", name))  # not format(): names hold braces

    what, extensions = _KINDS[found]
    if ext not in extensions:
        return refuse(
            FORMAT_NON_PRIS_EN_CHARGE,
            f"Le fichier « {name} » porte l'extension {ext or '(aucune)'} mais c'est en réalité "
            f"{what}. Renommez-le avec l'extension {extensions[0]} ou enregistrez-le au bon "
            "format (.xlsx, .ods ou .csv), puis déposez-le à nouveau.",
        )
    return FileInfo(name, found, len(data), hashlib.sha256(data).hexdigest(), tuple(warnings))


# A refusal found while sniffing: (code, message template with {name}).
_Found = SpreadsheetFormat | tuple[str, str]


def _dangerous(reason: str) -> tuple[str, str]:
    return (
        FICHIER_DANGEREUX,
        f"Le fichier « {{name}} » a une structure anormale ({reason}) : par précaution, il "
        f"n'a pas été ouvert. {_RESAVE}",
    )


def _unsupported(what: str, todo: str = _RESAVE) -> tuple[str, str]:
    return (
        FORMAT_NON_PRIS_EN_CHARGE,
        f"Le fichier « {{name}} » est {what}, format non pris en charge (seuls .xlsx, .ods et "
        f".csv sont acceptés). {todo}",
    )


_PROTECTED = (
    FICHIER_PROTEGE,
    "Le fichier « {name} » est protégé par un mot de passe : le service ne peut pas le lire. "
    "Ouvrez-le, retirez le mot de passe (Excel : Fichier > Informations > Protéger le classeur "
    "> Chiffrer avec mot de passe, puis effacez-le ; LibreOffice : Enregistrer sous, sans "
    "cocher « Enregistrer avec mot de passe ») et déposez-le à nouveau.",
)
_UNREADABLE = (
    FICHIER_ILLISIBLE,
    "Le fichier « {name} » est endommagé ou incomplet et ne peut pas être lu. " + _RESAVE,
)


def _inspect_zip(data: bytes, limits: Settings, warnings: list[FileWarning]) -> _Found:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):
        return _UNREADABLE
    if not infos:
        return _UNREADABLE
    if len(infos) > limits.max_zip_entries:
        return _dangerous(f"{len(infos)} éléments internes, au plus {limits.max_zip_entries}")
    declared = sum(i.file_size for i in infos)
    if declared > limits.max_zip_uncompressed_bytes:
        return _dangerous(
            f"une fois décompressé, il occuperait {_mb(declared)}, au plus "
            f"{_mb(limits.max_zip_uncompressed_bytes)}"
        )
    names: set[str] = set()
    for info in infos:
        if info.flag_bits & 0x1:  # traditional or AES encryption of the entry's data
            return _PROTECTED
        if _unsafe_entry_name(info.filename):
            return _dangerous("un élément interne porte un chemin interdit")
        # « xl\workbook.xml » and « XL/Workbook.xml » are the same part to calamine.
        if part_key(info.filename) in names:
            return _dangerous("deux éléments internes portent le même nom")
        names.add(part_key(info.filename))
        # Small parts compress very well legitimately (1 KiB of repeated tags); only a large
        # part with an extreme ratio is a bomb.
        if info.file_size > _MIB and info.file_size > info.compress_size * limits.max_zip_ratio:
            return _dangerous("taux de compression anormal d'un élément interne")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            return _UNREADABLE
    if _entries_overlap(data, infos, getattr(archive, "start_dir", len(data))):
        return _dangerous("des éléments internes se chevauchent")
    package = Package(archive)
    try:
        package.check_prologs()
        return _zip_format(package, warnings)
    except DefusedXmlException:
        return _dangerous(_XML_DECLARATIONS)
    except (SAXException, zipfile.BadZipFile, zlib.error, OSError, EOFError):
        return _UNREADABLE


_XML_DECLARATIONS = (
    "déclarations XML — DTD, entités ou références externes — qu'aucun tableur ne produit"
)


def _unsafe_entry_name(name: str) -> bool:
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or "\x00" in name:
        return True
    return any(part == ".." for part in re.split(r"[/\\]", name))


def _entries_overlap(data: bytes, infos: list[zipfile.ZipInfo], central_dir: int) -> bool:
    """CVE-2024-0450: each entry (local header + name + extra + data) must end before the next.

    A « quoted-overlap » bomb points many central-directory entries at the same compressed data;
    zipfile 3.11 does not notice, so we compare offsets ourselves, from the central directory.
    """
    ordered = sorted(infos, key=lambda i: i.header_offset)
    for index, info in enumerate(ordered):
        start = info.header_offset
        header = data[start : start + 30]
        if len(header) < 30 or not header.startswith(_ZIP_MAGIC):
            return True
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        end = start + 30 + name_len + extra_len + info.compress_size
        following = ordered[index + 1].header_offset if index + 1 < len(ordered) else central_dir
        if end > following:
            return True
    return False


# Main part content types (ECMA-376 and MS-XLSX/MS-XLSB): workbooks, templates and add-ins.
_SPREADSHEET_MAIN = re.compile(
    r"application/vnd\.(?:openxmlformats-officedocument\.spreadsheetml"
    r"|ms-excel)\.[a-z.]*main\+xml",
    re.IGNORECASE,
)
_XLSB_MAIN = "application/vnd.ms-excel.sheet.binary.macroenabled.main"


def _zip_format(package: Package, warnings: list[FileWarning]) -> _Found:
    main = package.main_part(("xl/workbook.xml", "xl/workbook.bin"))
    content_type = package.content_type(main).lower() if main else ""
    if main and (content_type == _XLSB_MAIN or main.endswith(".bin")):
        return _unsupported(
            "un classeur binaire Excel (.xlsb)",
            "Ouvrez-le dans Excel et enregistrez-le au format « Classeur Excel (.xlsx) », "
            "puis déposez-le à nouveau.",
        )
    if main and (_SPREADSHEET_MAIN.fullmatch(content_type) or main.endswith("workbook.xml")):
        if "macroenabled" in content_type or any(
            k.endswith("/vbaproject.bin") or "/macrosheets/" in k for k in package.parts
        ):
            warnings.append(
                FileWarning(
                    MACROS_IGNOREES,
                    "Le fichier contient des macros : elles n'ont pas été exécutées, seules "
                    "les valeurs des cellules ont été lues.",
                )
            )
            return SpreadsheetFormat.XLSM
        return SpreadsheetFormat.XLSX
    if "mimetype" in package:
        mimetype = _small_part(package, "mimetype").strip()
        if mimetype == _ODS_MIMETYPE:
            # An encrypted ODS is still a ZIP; only its manifest says the parts are encrypted.
            if b"encryption-data" in _small_part(package, "meta-inf/manifest.xml"):
                return _PROTECTED
            return SpreadsheetFormat.ODS
        return _unsupported("un document OpenDocument qui n'est pas un classeur")
    if "wordprocessingml" in content_type or "word/document.xml" in package:
        return _unsupported("un document Word")
    if "presentationml" in content_type or "ppt/presentation.xml" in package:
        return _unsupported("une présentation PowerPoint")
    return _unsupported(
        "une archive ZIP",
        "Décompressez-la et déposez le classeur qu'elle contient (.xlsx, .ods ou .csv).",
    )


def _small_part(package: Package, key: str) -> bytes:
    """A part read to sniff the format: b"" when absent, too big or broken (never a bomb)."""
    info = package.parts.get(key)
    if info is None or info.file_size > _SMALL_PART:
        return b""
    try:
        return package.archive.read(info)
    except (zipfile.BadZipFile, zlib.error, ValueError, OSError, EOFError, NotImplementedError):
        return b""


def _inspect_ole2(data: bytes) -> _Found:
    """OLE2 is either a legacy .xls or an encrypted OOXML/ODS (both have this container)."""
    names = _ole2_stream_names(data)
    if {"EncryptionInfo", "EncryptedPackage"} & names:
        return _PROTECTED
    if {"Workbook", "Book"} & names:
        return _unsupported(
            "un classeur Excel 97-2003 (.xls)",
            "Ouvrez-le dans Excel ou LibreOffice et enregistrez-le au format « Classeur Excel "
            "(.xlsx) », puis déposez-le à nouveau.",
        )
    if "WordDocument" in names:
        return _unsupported("un document Word 97-2003 (.doc)")
    return _unsupported("un fichier Office ancien format (OLE2)")


def _ole2_stream_names(data: bytes) -> set[str]:
    """Names of the directory entries of a compound file.

    Directory entries are 128-byte records and sectors are 512 or 4096 bytes after a header of
    the same size, so every entry sits on a 128-byte boundary: scanning those slots finds them
    without following FAT chains that a damaged or crafted file could make loop. A record is
    only taken when its length field, terminator and type are consistent.
    """
    names: set[str] = set()
    for offset in range(512, len(data) - 127, 128):
        entry = data[offset : offset + 128]
        length = int.from_bytes(entry[64:66], "little")
        if entry[66] not in (1, 2, 5) or not 4 <= length <= 64 or length % 2:
            continue
        if entry[length - 2 : length] != b"\0\0":
            continue
        try:
            name = entry[: length - 2].decode("utf-16-le")
        except UnicodeDecodeError:
            continue
        if name.isprintable():
            names.add(name)
    return names


_BLANK = re.compile(rb"(?:\xef\xbb\xbf)?[ \t\r\n]*")
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _inspect_other(data: bytes) -> _Found:
    head = data[:65536]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _unsupported(
            "un fichier texte en UTF-16 (« Texte Unicode »)",
            "Enregistrez-le au format « CSV UTF-8 (délimité par des points-virgules) ».",
        )
    if head.startswith(b"%PDF"):
        return _unsupported("un document PDF", "Déposez le classeur d'origine (.xlsx ou .ods).")
    # A CSV may hold a stray NUL (reported later on its cell); a binary file is full of them.
    if len(_CONTROL_BYTES.findall(head)) > max(8, len(head) // 100):
        return _unsupported("un fichier binaire qui n'est ni un classeur ni un CSV")
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:4096].lower()
    if text.startswith(b"<") and (b"<html" in text or b"<table" in text):
        return _unsupported(
            "une page web (HTML), souvent produite par la fonction « exporter vers Excel » "
            "d'un autre logiciel"
        )
    if text.startswith(b"<?xml"):
        return _unsupported("un fichier XML (par exemple « Feuille de calcul XML 2003 »)")
    return SpreadsheetFormat.CSV


def _mb(size: int) -> str:
    return f"{size / _MIB:.1f} Mo".replace(".", ",")
