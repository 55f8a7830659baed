"""Workbook 2 as uploaded: the checks of every upload (type, pre-scan, formulas) through
service/imports/sources.py, the two sheets that hold decisions, and the hidden marker that says
for which département and when the workbook was exported."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from service.imports.anomalies import Anomalie
from service.imports.filecheck import FileRefusal, inspect_upload
from service.imports.prescan import prescan
from service.imports.sources import OpenedSource, open_source
from service.rattachement.columns import MARKER_PREFIX, MARKER_VERSION, SEPARATOR, WORKBOOK_2
from service.referentiels.checks import Severite
from service.referentiels.departements import CODES


@dataclass(frozen=True, slots=True)
class Marker:
    """What the hidden marker of an exported workbook 2 says."""

    version: str
    departement: str | None
    exporte_le: datetime | None


def parse_marker(values: dict[str, str] | None) -> Marker | None:
    """The marker among the « Lisez-moi » cells, if any (a file without one is read by its
    headers, its département taken from the job)."""
    found = next(
        (v.strip() for v in (values or {}).values() if v.strip().startswith(MARKER_PREFIX)), None
    )
    if found is None:
        return None
    version, _, rest = found.partition(SEPARATOR)
    code, _, when = rest.partition(SEPARATOR)
    try:
        exported = datetime.fromisoformat(when) if when else None
    except ValueError:
        exported = None
    if exported is not None and exported.tzinfo is None:
        exported = exported.replace(tzinfo=UTC)  # the export writes UTC
    return Marker(version, code if code in CODES else None, exported)


def marker_of_upload(filename: str, data: bytes) -> Marker | None:
    """The marker of an upload, read before the job exists (the département it will hold)."""
    info = inspect_upload(filename, data)
    if isinstance(info, FileRefusal):
        return None
    scan = prescan(data, info.format)
    return None if isinstance(scan, FileRefusal) else parse_marker(scan.readme_values)


@dataclass
class Workbook2:
    opened: OpenedSource
    marker: Marker | None

    @property
    def anomalies(self) -> list[Anomalie]:
        return self.opened.anomalies


def open_workbook2(filename: str, data: bytes) -> Workbook2:
    opened = open_source(filename, data, WORKBOOK_2)
    marker = parse_marker(opened.readme_values)
    if marker is not None and marker.version != MARKER_VERSION:
        opened.anomalies.append(
            Anomalie(
                "",
                0,
                "",
                marker.version,
                "MODELE_OBSOLETE",
                Severite.ERREUR,
                f"Ce classeur provient d'une version périmée de l'export ({marker.version}) : "
                "exportez à nouveau le classeur de rattachement du département et reportez-y "
                "vos décisions.",
            )
        )
    return Workbook2(opened, marker)
