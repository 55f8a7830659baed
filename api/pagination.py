"""The list envelope of the API: ``{items, total, page, taille}``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Path, Query

MAX_TAILLE = 1000
# Far beyond any list, and small enough that page × taille stays a database integer.
MAX_PAGE = 10_000_000


@dataclass(frozen=True, slots=True)
class Page:
    page: int
    taille: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.taille

    def envelope(self, items: list[Any], total: int) -> dict[str, Any]:
        return {"items": items, "total": total, "page": self.page, "taille": self.taille}


def page_params(
    page: Annotated[
        int, Query(ge=1, le=MAX_PAGE, description="Numéro de page (à partir de 1).")
    ] = 1,
    taille: Annotated[
        int, Query(ge=1, le=MAX_TAILLE, description="Éléments par page (100 par défaut).")
    ] = 100,
) -> Page:
    return Page(page, taille)


PageDep = Annotated[Page, Depends(page_params)]


# A job number as PostgreSQL stores it (bigint): anything else is a French 422, not a 500.
JobId = Annotated[int, Path(ge=1, le=2**63 - 1, description="Numéro du job.")]
