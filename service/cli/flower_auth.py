"""Flower's credentials: from the settings in production (FLOWER_BASIC_AUTH), else generated
once in the data folder and printed that one time."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from rich.console import Console

from service.config import Settings

USER = "supervision"
FILE = "flower_auth"


def credentials(settings: Settings, console: Console) -> str:
    if settings.flower_basic_auth:
        return settings.flower_basic_auth
    path = Path(settings.data_dir) / FILE
    if path.exists():
        console.print(f"Identifiants de Flower : dans {path}", highlight=False)
        return path.read_text().strip()
    password = secrets.token_urlsafe(18)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(f"{USER}:{password}\n")
    console.print(
        f"Identifiants de Flower (affichés cette fois seulement, conservés dans {path}) : "
        f"utilisateur « {USER} », mot de passe « {password} »",
        highlight=False,
    )
    return f"{USER}:{password}"
