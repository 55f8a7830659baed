"""What the parts of an import's analysis share: the package the pre-scan accepted."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, LargeBinary
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import OFFRE, Base


class ImportPaquet(Base):
    """The sheets calamine may open, as the job-level unit's pre-scan cut them out of the
    upload: the parts read their rows from it without scanning the file again. Dropped when
    the analysis ends."""

    __tablename__ = "import_paquet"
    __table_args__ = {"schema": OFFRE}

    job_id: Mapped[int] = mapped_column(
        ForeignKey(f"{OFFRE}.job.id", ondelete="CASCADE"), primary_key=True
    )
    contenu: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    # The split sheet's headers as the job-level unit mapped them (the parts' ranges hold no
    # header row): {"feuille": name in the file, "colonnes": field → index, "entetes": field →
    # header}.
    entetes: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
