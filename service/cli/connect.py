"""Who the CLI speaks to the API as, and the options that say it (repeated in the commands the
CLI suggests next, so that they can be copied as they are)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from service.auth.tokens import issue_token
from service.cli.client import Client
from service.cli.failures import CliError, stack_hint
from service.config import get_settings

ApiOption = Annotated[
    str | None,
    typer.Option(
        "--api", help="Adresse de l'API (défaut : celle de la pile lancée par « offre up »)."
    ),
]
JetonOption = Annotated[
    str | None, typer.Option("--jeton", help="Jeton d'accès (offre utilisateurs jeton).")
]
CourrielOption = Annotated[
    str | None,
    typer.Option("--courriel", help="Votre courriel : jeton émis localement (pile locale)."),
]
USAGE = 2


@dataclass
class Api:
    client: Client
    identity: str  # the options to repeat in a suggested command

    def cmd(self, *words: object) -> str:
        return "offre " + " ".join(str(w) for w in words) + self.identity


def connect(api: str | None, jeton: str | None, courriel: str | None) -> Api:
    settings = get_settings()
    if jeton:
        token, identity = jeton, " --jeton JETON"
    elif courriel:
        if not settings.secret_key and not (Path(settings.data_dir) / "secret_key").exists():
            # Never a key of our own here: a token signed with it would match no stack.
            raise CliError(stack_hint(), USAGE)
        token, identity = issue_token(courriel, settings), f" --courriel {courriel}"
    else:
        raise CliError(
            "Indiquez qui vous êtes : --courriel VOTRE_COURRIEL (pile locale, jeton émis avec "
            "la clé du dossier de données) ou --jeton JETON (offre utilisateurs jeton).",
            USAGE,
        )
    if api:
        identity += f" --api {api}"
    return Api(Client(api or settings.api_base_url, token), identity)
