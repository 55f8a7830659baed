"""Upload checks (IMPORT-FORMAT.md « Reading rules », RELIABILITY-NOTES.md « Uploads »)."""

from __future__ import annotations

import hashlib
import io
import warnings
import zipfile
from collections.abc import Mapping

import pytest

from service.config import Settings, get_settings
from service.imports.filecheck import (
    FileInfo,
    FileRefusal,
    SpreadsheetFormat,
    defusedxml_active,
    inspect_upload,
    safe_filename,
)
from tests.support.workbooks import (
    Part,
    csv_bytes,
    ods_bytes,
    ods_rows,
    ole2_bytes,
    patch_central_directory,
    raw_xlsx,
    rows_xml,
    sheet_xml,
    xlsx_bytes,
    zip_bytes,
)

ROWS = [["SIREN", "Raison sociale", "Département du siège"], ["552081317", "Régie", "75"]]


def limits(**changes: int) -> Settings:
    return get_settings().model_copy(update=changes)


def accepted(name: str, data: bytes, lim: Settings | None = None) -> FileInfo:
    result = inspect_upload(name, data, lim)
    assert isinstance(result, FileInfo), result
    return result


def refused(name: str, data: bytes, code: str, lim: Settings | None = None) -> FileRefusal:
    result = inspect_upload(name, data, lim)
    assert isinstance(result, FileRefusal), result
    assert result.code == code, result
    assert result.message.startswith(("Le fichier « ", "Le fichier ")), result.message
    return result


def simple_xlsx(
    *, macros: bool = False, workbook_extra: str = "", extra_parts: Mapping[str, Part] | None = None
) -> bytes:
    return raw_xlsx(
        {"Entités": sheet_xml(rows_xml(ROWS))},
        macros=macros,
        workbook_extra=workbook_extra,
        extra_parts=extra_parts,
    )


# --- accepted formats ------------------------------------------------------------------------


def test_openpyxl_xlsx_is_accepted_with_its_digest() -> None:
    data = xlsx_bytes({"Entités": ROWS})
    info = accepted("offre.xlsx", data)
    assert info.format is SpreadsheetFormat.XLSX
    assert info.size == len(data)
    assert info.sha256 == hashlib.sha256(data).hexdigest()
    assert info.warnings == ()


def test_ods_and_csv_are_accepted() -> None:
    assert accepted("offre.ods", ods_bytes({"Entités": ods_rows(ROWS)})).format == "ods"
    assert accepted("offre.CSV", csv_bytes(ROWS)).format == "csv"
    assert accepted("offre.csv", csv_bytes(ROWS, encoding="cp1252", sep=",")).format == "csv"


def test_xlsm_values_are_read_with_a_warning_about_macros() -> None:
    info = accepted("offre.xlsm", simple_xlsx(macros=True))
    assert info.format is SpreadsheetFormat.XLSM
    assert [w.code for w in info.warnings] == ["MACROS_IGNOREES"]
    assert "exécutées" in info.warnings[0].message


def test_empty_workbook_protection_as_libreoffice_writes_it_is_not_encryption() -> None:
    data = simple_xlsx(workbook_extra="<workbookProtection/>")
    assert accepted("protege.xlsx", data).format is SpreadsheetFormat.XLSX


# --- whole-file refusals ---------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\r\n\r\n  "])
def test_empty_file(data: bytes) -> None:
    refused("vide.csv", data, "FICHIER_VIDE")


def test_too_big() -> None:
    data = csv_bytes(ROWS * 20)
    message = refused("gros.csv", data, "FICHIER_TROP_GROS", limits(max_upload_bytes=200)).message
    assert "découpez" in message


def test_legacy_xls_is_refused_with_what_to_do() -> None:
    message = refused("ancien.xls", ole2_bytes(["Workbook"]), "FORMAT_NON_PRIS_EN_CHARGE").message
    assert "97-2003" in message and ".xlsx" in message


def test_encrypted_ooxml_is_an_ole2_container_and_is_protected() -> None:
    data = ole2_bytes(["EncryptionInfo", "EncryptedPackage", "\x06DataSpaces"])
    assert "mot de passe" in refused("secret.xlsx", data, "FICHIER_PROTEGE").message


def test_encrypted_ods_is_detected_from_its_manifest() -> None:
    data = ods_bytes(
        {"Entités": ods_rows(ROWS)},
        manifest_extra='<manifest:encryption-data manifest:checksum-type="SHA1/1K"/>',
    )
    refused("secret.ods", data, "FICHIER_PROTEGE")


def test_xlsb_is_refused_with_what_to_do() -> None:
    data = zip_bytes({"[Content_Types].xml": "<Types/>", "xl/workbook.bin": b"\0\1"})
    message = refused("binaire.xlsb", data, "FORMAT_NON_PRIS_EN_CHARGE").message
    assert ".xlsb" in message and "(.xlsx)" in message


@pytest.mark.parametrize(
    ("name", "data", "really"),
    [
        ("offre.xlsx", csv_bytes(ROWS), "CSV"),
        ("offre.xlsx", ods_bytes({"Entités": ods_rows(ROWS)}), "LibreOffice (.ods)"),
        ("offre.csv", xlsx_bytes({"Entités": ROWS}), "Excel (.xlsx)"),
        ("offre.ods", xlsx_bytes({"Entités": ROWS}), "Excel (.xlsx)"),
        ("offre.xlsx", ole2_bytes(["Workbook"]), "97-2003 (.xls)"),
        ("offre.xls", b"<html><body><table><tr><td>1</td></tr></table></body></html>", "HTML"),
        ("offre.txt", csv_bytes(ROWS), "CSV"),
        ("offre", csv_bytes(ROWS), "CSV"),
    ],
)
def test_content_that_is_not_what_the_extension_says(name: str, data: bytes, really: str) -> None:
    message = refused(name, data, "FORMAT_NON_PRIS_EN_CHARGE").message
    assert really in message


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"%PDF-1.7\n" + bytes(range(256)) * 4, "PDF"),
        (bytes(range(256)) * 40, "binaire"),
        ("SIREN;Nom\r\n".encode("utf-16"), "UTF-16"),
        (zip_bytes({"word/document.xml": "<w/>", "[Content_Types].xml": "<T/>"}), "Word"),
        (zip_bytes({"a.txt": "x"}), "archive ZIP"),
        (ole2_bytes(["WordDocument"]), "Word"),
    ],
)
def test_unsupported_content_says_what_it_is(data: bytes, what: str) -> None:
    assert what in refused("offre.xlsx", data, "FORMAT_NON_PRIS_EN_CHARGE").message


def test_truncated_zip_is_unreadable() -> None:
    data = xlsx_bytes({"Entités": ROWS})
    refused("coupe.xlsx", data[: len(data) // 2], "FICHIER_ILLISIBLE")


# --- ZIP guards: decided on the central directory, before anything is extracted ---------------


def test_declared_uncompressed_size_over_the_cap() -> None:
    data = patch_central_directory(simple_xlsx(), 4, uncompressed=0xFFFF_FF00)
    message = refused("bombe.xlsx", data, "FICHIER_DANGEREUX").message
    assert "décompressé" in message


def test_total_uncompressed_size_over_a_configured_cap() -> None:
    refused("gros.xlsx", simple_xlsx(), "FICHIER_DANGEREUX", limits(max_zip_uncompressed_bytes=500))


def test_compression_ratio_of_a_large_part() -> None:
    data = simple_xlsx(extra_parts={"xl/media/zeros.bin": b"\0" * (4 * 1024 * 1024)})
    assert "compression" in refused("bombe.xlsx", data, "FICHIER_DANGEREUX").message


def test_small_parts_may_compress_very_well() -> None:
    data = simple_xlsx(extra_parts={"xl/media/zeros.bin": b"\0" * (512 * 1024)})
    accepted("ok.xlsx", data)


def test_too_many_entries() -> None:
    extra = {f"xl/media/image{i}.bin": b"x" for i in range(201)}
    few = limits(max_zip_entries=200)
    refused("entrees.xlsx", simple_xlsx(extra_parts=extra), "FICHIER_DANGEREUX", few)
    accepted("entrees.xlsx", simple_xlsx(extra_parts=extra))  # the default allows 10,000


def test_overlapping_entries_cve_2024_0450() -> None:
    data = simple_xlsx()
    first_offset = data.index(b"PK\x03\x04")  # entry 0's local header
    overlapping = patch_central_directory(data, 1, offset=first_offset)
    assert "chevauchent" in refused("quoted.xlsx", overlapping, "FICHIER_DANGEREUX").message


@pytest.mark.parametrize("entry", ["../../evil.xml", "/etc/cron.d/x", "C:/Windows/x.xml"])
def test_path_traversal_or_absolute_entry_names(entry: str) -> None:
    data = simple_xlsx(extra_parts={entry: "<x/>"})
    refused("chemin.xlsx", data, "FICHIER_DANGEREUX")


def test_duplicate_entry_names() -> None:
    # Two parts of the same name: which one a parser reads is undefined (ZIP ambiguity).
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(simple_xlsx())) as source, zipfile.ZipFile(out, "w") as copy:
        for info in source.infolist():
            copy.writestr(info, source.read(info))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # zipfile warns about the duplicate it writes
            copy.writestr("xl/workbook.xml", "<workbook/>")
    refused("double.xlsx", out.getvalue(), "FICHIER_DANGEREUX")


def test_encrypted_zip_entry_is_protected() -> None:
    data = patch_central_directory(simple_xlsx(), 4, flags=0x1)
    refused("chiffre.xlsx", data, "FICHIER_PROTEGE")


# --- names and environment ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("../../etc/passwd.xlsx", "passwd.xlsx"),
        ("C:\\Users\\agent\\Offre 75.xlsx", "Offre 75.xlsx"),
        ("offre\x00\x1b[31m.xlsx", "offre[31m.xlsx"),
        ("facture\u202exslx.exe", "facturexslx.exe"),
        ('a<b>:"c"|?*.csv', "a_b___c____.csv"),
        ("  ..  ", "fichier"),
        ("", "fichier"),
        ("Département  du\u00a0Rhône.ods", "Département du Rhône.ods"),
    ],
)
def test_safe_filename(raw: str, safe: str) -> None:
    assert safe_filename(raw) == safe


def test_safe_filename_caps_the_length_and_keeps_the_extension() -> None:
    name = safe_filename("x" * 300 + ".xlsx")
    assert len(name) == 120 and name.endswith("x.xlsx")


def test_refusal_carries_the_sanitised_name() -> None:
    result = inspect_upload("../../vide.csv", b"")
    assert isinstance(result, FileRefusal) and result.filename == "vide.csv"


def test_defusedxml_is_active() -> None:
    assert defusedxml_active()
