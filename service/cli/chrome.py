"""Typer's chrome in French: the usage line, section titles, the help option, defaults, and the
errors of the command line itself (missing file, unknown value, unknown option…).

The copy of click that Typer vendors has its strings in English without gettext (only Typer's
own « Arguments », « Options », « Commands » go through gettext, and they need a compiled
catalogue), so the help is written by our formatter and the errors are said again in French from
the structured exceptions; a message nobody translated is shown as it is.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from typing import Any

import typer
from typer._click import exceptions as click_errors  # vendored click: no public alias
from typer._click.core import Context
from typer._click.formatting import HelpFormatter
from typer.core import TyperCommand, TyperGroup

from service.cli import failures

INTERRUPTED = 130
SECTIONS = {"Arguments": "Arguments", "Options": "Options", "Commands": "Commandes"}
METAVARS = {
    "<str>": "TEXTE",
    "<int>": "ENTIER",
    "<float>": "NOMBRE",
    "<file>": "FICHIER",
    "<path>": "CHEMIN",
    "<directory>": "DOSSIER",
    "<bool>": "",
    "<list[str]>": "TEXTE",
}
_EXTRAS = ((re.compile(r"\bdefault: "), "défaut : "), (re.compile(r"\brequired\b"), "obligatoire"))
_REQUIRED_ARGUMENT = re.compile(r"\{(\w+)\}")

# What the vendored click and Typer's pydantic coercion say, in French. Each pattern matches a
# whole message; the value the user typed is quoted with « ».
_MESSAGES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = tuple(
    (re.compile(pattern, re.DOTALL), say)
    for pattern, say in (
        (r"Value error, (?P<rest>.*)", lambda m: translate(m["rest"])),
        (
            r"'(?P<v>.*)' is not one of (?P<c>.*)\.",
            lambda m: (
                f"« {m['v']} » n'est pas une valeur possible ; valeurs possibles : "
                f"{m['c'].replace(chr(39), '')}."
            ),
        ),
        (
            r"(?:file|File|path|Path|directory|Directory) '(?P<v>.*)' does not exist\.",
            lambda m: f"« {m['v']} » n'existe pas.",
        ),
        (
            r"\w+ '(?P<v>.*)' is a directory\.",
            lambda m: f"« {m['v']} » est un dossier : indiquez un fichier.",
        ),
        (r"\w+ '(?P<v>.*)' is a file\.", lambda m: f"« {m['v']} » est un fichier."),
        (r"\w+ '(?P<v>.*)' is not readable\.", lambda m: f"« {m['v']} » ne peut pas être lu."),
        (
            r"\w+ '(?P<v>.*)' is not writable\.",
            lambda m: f"« {m['v']} » ne peut pas être écrit.",
        ),
        (r"Input should be a valid integer.*", lambda m: "un nombre entier est attendu."),
        (r"Input should be a valid number.*", lambda m: "un nombre est attendu."),
        (r"Input should be a valid boolean.*", lambda m: "oui ou non est attendu."),
        (
            r"Input should be greater than or equal to (?P<n>\S+)",
            lambda m: f"la valeur doit être supérieure ou égale à {m['n']}.",
        ),
        (
            r"Input should be greater than (?P<n>\S+)",
            lambda m: f"la valeur doit être supérieure à {m['n']}.",
        ),
        (
            r"Input should be less than or equal to (?P<n>\S+)",
            lambda m: f"la valeur doit être inférieure ou égale à {m['n']}.",
        ),
        (
            r"Input should be less than (?P<n>\S+)",
            lambda m: f"la valeur doit être inférieure à {m['n']}.",
        ),
        (
            r"No such command '(?P<v>.*?)'\.(?: Did you mean (?P<s>.*)\?)?",
            lambda m: (
                f"commande inconnue : « {m['v']} »."
                + (f" Vouliez-vous dire {m['s'].replace(chr(39), '')} ?" if m["s"] else "")
            ),
        ),
        (r"Missing command\.", lambda m: "indiquez une commande."),
        (
            r"Got unexpected extra argument(?:s|\(s\))? \((?P<v>.*)\)",
            lambda m: f"argument(s) en trop : « {m['v']} ».",
        ),
        (
            r"Option '(?P<o>.*)' requires an argument\.",
            lambda m: f"l'option {m['o']} attend une valeur.",
        ),
        (
            r"Option '(?P<o>.*)' does not take a value\.",
            lambda m: f"l'option {m['o']} ne prend pas de valeur.",
        ),
    )
)


def translate(message: str) -> str:
    for pattern, say in _MESSAGES:
        match = pattern.fullmatch(message.strip())
        if match:
            return say(match)
    return message


def _param_name(param: Any) -> str:
    if param is None:
        return ""
    if getattr(param, "param_type_name", "") == "argument":
        return str(param.metavar or param.name).upper()
    return " / ".join(param.opts) or str(param.name)


def describe(error: click_errors.UsageError) -> str:
    """One French sentence for an error of the command line."""
    if isinstance(error, click_errors.MissingParameter):
        param_type = error.param_type or getattr(error.param, "param_type_name", None)
        kind = "argument manquant" if param_type == "argument" else "option manquante"
        return f"{kind} : {_param_name(error.param)}."
    if isinstance(error, click_errors.NoSuchOption):
        said = f"option inconnue : {error.option_name}."
        if error.possibilities:
            said += f" Vouliez-vous dire {', '.join(sorted(error.possibilities))} ?"
        return said
    if isinstance(error, click_errors.BadParameter):
        name = _param_name(error.param)
        said = translate(error.message)
        return f"valeur invalide pour {name} : {said}" if name else f"valeur invalide : {said}"
    return translate(error.message)


class FrenchFormatter(HelpFormatter):
    heading = ""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        args = _REQUIRED_ARGUMENT.sub(lambda m: m[1].upper(), args)
        args = args.replace("COMMAND [ARGS]...", "COMMANDE [ARGUMENTS]...")
        super().write_usage(prog, args, "Utilisation : " if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        self.heading = heading
        super().write_heading(SECTIONS.get(heading, heading))

    def write_dl(
        self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
    ) -> None:
        french = []
        for term, help_text in rows:
            if self.heading == "Arguments":  # its name says what it is: no type
                term = term.split(" ", 1)[0].upper()
            for english, said in METAVARS.items():
                term = term.replace(f" {english}", f" {said}" if said else "")
            for pattern, said in _EXTRAS:
                help_text = pattern.sub(said, help_text)
            french.append((term, help_text))
        super().write_dl(french, col_max, col_spacing)


class FrenchContext(typer.Context):
    formatter_class = FrenchFormatter


def _french_help(option: Any) -> Any:
    if option is not None:
        option.help = "Affiche cette aide."
    return option


class FrenchCommand(TyperCommand):
    context_class = FrenchContext

    def get_help_option(self, ctx: Context) -> Any:
        return _french_help(super().get_help_option(ctx))


class FrenchGroup(TyperGroup):
    context_class = FrenchContext

    def get_help_option(self, ctx: Context) -> Any:
        return _french_help(super().get_help_option(ctx))

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """Every error ends as a French sentence on stderr and an exit code, never a
        traceback (the unexpected ones are kept in a log file of the data folder)."""
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except click_errors.NoArgsIsHelpError as exc:
            typer.echo(exc.ctx.get_help())
            sys.exit(0)
        except click_errors.UsageError as exc:
            if exc.ctx is not None:
                typer.echo(exc.ctx.get_usage(), err=True)
                typer.echo(f"Aide : {exc.ctx.command_path} --help\n", err=True)
            typer.echo(f"Erreur : {describe(exc)}", err=True)
            sys.exit(exc.exit_code)
        except click_errors.ClickException as exc:
            typer.echo(f"Erreur : {translate(exc.format_message())}", err=True)
            sys.exit(1)
        except typer.Abort:
            typer.echo("Interrompu.", err=True)
            sys.exit(1)
        except Exception as exc:
            sys.exit(failures.report(exc))
        if code == INTERRUPTED:  # Typer's own answer to Ctrl-C: nothing said
            typer.echo("Interrompu.", err=True)
        sys.exit(code if isinstance(code, int) else 0)


class FrenchTyper(typer.Typer):
    """A Typer whose commands and groups speak French (no shell-completion options: their
    help cannot be translated)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("cls", FrenchGroup)
        kwargs.setdefault("add_completion", False)
        kwargs.setdefault("rich_markup_mode", None)
        kwargs.setdefault("no_args_is_help", True)
        super().__init__(**kwargs)

    def command(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("cls", FrenchCommand)
        return super().command(*args, **kwargs)
