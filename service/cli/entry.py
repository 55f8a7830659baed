"""The `offre` command. The stack's servers (`offre api|worker|beat|flower`) replace themselves
at once with uvicorn, celery or flower: they start from a command line holding only them, not
the whole one (1,4 s of imports — SQLAlchemy models, openpyxl, the demo — paid by every start
of a server process). Every other command goes to the whole command line."""

from __future__ import annotations

import sys

from service.cli.stack import SERVERS


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] in {f.__name__ for f in SERVERS}:
        from service.cli.chrome import FrenchTyper

        app = FrenchTyper(help="SI SIAO — Module Offre : les processus de la pile.")
        for command in SERVERS:
            app.command()(command)
    else:
        from service.cli.main import app
    app(prog_name="offre")
