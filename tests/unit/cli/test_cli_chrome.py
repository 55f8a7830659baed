"""The command line's chrome in French: usage, sections, defaults, and the errors of the command
line itself, said from the structured exceptions (the vendored click has no translations)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from service.cli.chrome import translate
from service.cli.main import app

runner = CliRunner()


def test_help_is_french() -> None:
    result = runner.invoke(app, ["--help"], prog_name="offre")
    assert result.exit_code == 0
    assert result.output.startswith("Utilisation : offre [OPTIONS] COMMANDE [ARGUMENTS]...")
    assert "Commandes:" in result.output and "Affiche cette aide." in result.output
    for english in ("Usage", "Commands:", "Show this message", "completion"):
        assert english not in result.output
    for command in ("up", "importer", "apercu", "appliquer", "annuler", "revenir", "rapport"):
        assert f"\n  {command} " in result.output, command


def test_command_help_names_defaults_and_allowed_values() -> None:
    result = runner.invoke(app, ["importer", "--help"], prog_name="offre", terminal_width=200)
    assert result.exit_code == 0
    out = result.output
    assert "Utilisation : offre importer [OPTIONS] FICHIER" in out
    assert "FICHIER  Classeur à importer.  [obligatoire]" in out
    assert "--mode <complement|miroir>" in out and "[défaut : complement]" in out
    assert "--courriel TEXTE" in out
    for english in ("[default", "[required]", "<str>", "{fichier}"):
        assert english not in out


def _error(*args: str) -> str:
    result = runner.invoke(app, list(args), prog_name="offre")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return result.output


def test_missing_file_is_said_in_french(tmp_path: object) -> None:
    out = _error("importer", "nulle-part.xlsx")
    assert "Utilisation : offre importer [OPTIONS] FICHIER" in out
    assert "Aide : offre importer --help" in out
    assert "Erreur : valeur invalide pour FICHIER : « nulle-part.xlsx » n'existe pas." in out


def test_wrong_mode_names_the_allowed_values(tmp_path: object) -> None:
    out = _error("importer", __file__, "--mode", "miroire")
    assert (
        "Erreur : valeur invalide pour --mode : « miroire » n'est pas une valeur possible ; "
        "valeurs possibles : complement, miroir." in out
    )


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["importer"], "Erreur : argument manquant : FICHIER."),
        (["utilisateurs", "desactiver"], "Erreur : option manquante : --courriel."),
        (["jobs", "--jetn", "x"], "Erreur : option inconnue : --jetn. Vouliez-vous dire --jeton ?"),
        (["importe"], "Erreur : commande inconnue : « importe ». Vouliez-vous dire importer ?"),
        (["job", "vingt"], "Erreur : valeur invalide pour JOB : un nombre entier est attendu."),
        (["job", "1", "2"], "Erreur : argument(s) en trop : « 2 »."),
        (["jobs", "--courriel"], "Erreur : l'option --courriel attend une valeur."),
    ],
)
def test_command_line_errors_are_french(args: list[str], said: str) -> None:
    assert said in _error(*args)


@pytest.mark.parametrize(
    ("english", "french"),
    [
        (
            "Input should be greater than or equal to 1",
            "la valeur doit être supérieure ou égale à 1.",
        ),
        ("Input should be a valid number, unable to parse", "un nombre est attendu."),
        ("file '/tmp' is a directory.", "« /tmp » est un dossier : indiquez un fichier."),
        ("Un message déjà français.", "Un message déjà français."),
    ],
)
def test_framework_messages(english: str, french: str) -> None:
    assert translate(english) == french
