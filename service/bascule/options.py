"""The options of a ``bascule`` job, validated at submission and whenever the job is read."""

from __future__ import annotations

from pydantic import Field

from service.jobs.kinds import KindOptions


class BasculeOptions(KindOptions):
    simulation: bool = Field(
        False, description="Faire tous les contrôles et compter ce qui bougerait, sans rien écrire."
    )
