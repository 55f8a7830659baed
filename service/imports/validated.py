"""What an analysis keeps of the rows it stages, so that the cross-row rules and the plan need not
read them back: the compact keys of every row, and the rows without error grouped by
département (each name's key computed once, for the rules and the plan alike)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from service.imports.columns import DISPOSITIFS, ENTITES
from service.imports.cross_rules import DispositifKey, EntiteKey
from service.imports.normalise import NormalisedRow
from service.imports.plan import StagedRow
from service.referentiels.text import normalise_name


def _text(value: Any) -> str | None:
    """As the staged JSON reads back with ``->>``."""
    return None if value is None else str(value)


def name_key(row: NormalisedRow) -> str | None:
    """A Dispositifs row's name key (its natural key's last part), computed once per row: it is
    staged with the row and used by the cross-row rules and the plan."""
    if row.feuille != DISPOSITIFS.name:
        return None
    values = row.values
    nom = _text(values.get("nom"))
    complete = all(_text(values.get(f)) for f in ("siren", "departement", "type_code"))
    return normalise_name(nom) if nom and complete else None


@dataclass(slots=True)
class ValidatedRows:
    entite_keys: list[EntiteKey] = field(default_factory=list)
    dispositif_keys: list[DispositifKey] = field(default_factory=list)
    entites: list[StagedRow] = field(default_factory=list)  # without error, in file order
    dispositifs: dict[str, list[StagedRow]] = field(default_factory=dict)  # by département

    def add(self, rows: Iterable[NormalisedRow], keys: Iterable[str | None]) -> None:
        """``keys``: each row's :func:`name_key`."""
        for row, key in zip(rows, keys, strict=True):
            values, error = row.values, row.has_error
            if row.feuille == ENTITES.name:
                self.entite_keys.append(EntiteKey(row.ligne, _text(values.get("siren")), error))
                if not error:
                    self.entites.append(StagedRow(row.ligne, values))
                continue
            siren, dep = _text(values.get("siren")), _text(values.get("departement"))
            type_code, nom = _text(values.get("type_code")), _text(values.get("nom"))
            self.dispositif_keys.append(
                DispositifKey(
                    row.ligne, _text(values.get("identifiant")), siren, dep, type_code, nom,
                    error, key,
                )
            )  # fmt: skip
            staged_in = row.departement()  # as job_ligne.departement is staged
            if not error and staged_in is not None:
                self.dispositifs.setdefault(staged_in, []).append(StagedRow(row.ligne, values, key))

    def drop(self, errors: Iterable[tuple[str, int]]) -> None:
        """Rows the cross-row rules refused leave the plan."""
        refused = set(errors)
        if not refused:
            return
        self.entites = [r for r in self.entites if (ENTITES.name, r.ligne) not in refused]
        for dep, rows in self.dispositifs.items():
            self.dispositifs[dep] = [r for r in rows if (DISPOSITIFS.name, r.ligne) not in refused]
