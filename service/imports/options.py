"""The options of a Temps 1 import, validated at submission and whenever the job is loaded."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from service.jobs.kinds import KindOptions


class ImportOptions(KindOptions):
    application: Literal["manuelle", "automatique"] = Field(
        "manuelle", description="« automatique » : appliquer dès l'analyse s'il n'y a pas d'erreur."
    )
    mode: Literal["complement", "miroir"] = Field(
        "complement",
        description="« miroir » : fermer les dispositifs du département absents du fichier.",
    )
    par_departement: bool = Field(
        False, description="Appliquer les départements sans erreur, les autres attendent."
    )
