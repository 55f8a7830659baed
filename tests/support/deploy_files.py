"""Reading the deployment files (docker-compose.yml, deploy/Dockerfile) for the tests."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
ENTRYPOINT = ROOT / "deploy" / "entrypoint.sh"
README = ROOT / "deploy" / "README.md"


class ComposeSyntaxError(ValueError):
    pass


_KEY = re.compile(r"^(?P<key>[A-Za-z0-9_.<-]+):(?:\s+(?P<rest>.*))?$")


def _strip_comment(line: str) -> str:
    quote = None
    for i, char in enumerate(line):
        if quote:
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i].rstrip()
    return line.rstrip()


def _scalar(text: str, lineno: int) -> Any:
    if text.startswith(("[", '"')):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ComposeSyntaxError(f"ligne {lineno} : JSON invalide ({exc})") from exc
    if text.startswith("'"):
        if not text.endswith("'") or len(text) < 2:
            raise ComposeSyntaxError(f"ligne {lineno} : apostrophe non fermée")
        return text[1:-1].replace("''", "'")
    if text.startswith(("{", "&", "*", "|", ">", "!", "?")):
        raise ComposeSyntaxError(f"ligne {lineno} : syntaxe YAML non prise en charge : {text}")
    return text


@dataclass(frozen=True)
class _Line:
    indent: int
    content: str
    lineno: int


class _Reader:
    def __init__(self, text: str) -> None:
        self.lines: list[_Line] = []
        for lineno, raw in enumerate(text.splitlines(), start=1):
            if "\t" in raw[: len(raw) - len(raw.lstrip())]:
                raise ComposeSyntaxError(f"ligne {lineno} : tabulation dans l'indentation")
            content = _strip_comment(raw)
            if content.strip():
                stripped = content.lstrip(" ")
                self.lines.append(_Line(len(content) - len(stripped), stripped, lineno))
        self.anchors: dict[str, Any] = {}

    def document(self) -> dict[str, Any]:
        if not self.lines or self.lines[0].indent != 0:
            raise ComposeSyntaxError("document vide ou mal indenté")
        node, end = self._mapping(0, 0)
        if end != len(self.lines):
            raise ComposeSyntaxError(f"ligne {self.lines[end].lineno} : indentation inattendue")
        return node

    def _block(self, i: int, indent: int) -> tuple[Any, int]:
        if self.lines[i].content.startswith("- "):
            return self._sequence(i, indent)
        return self._mapping(i, indent)

    def _sequence(self, i: int, indent: int) -> tuple[list[Any], int]:
        items: list[Any] = []
        while i < len(self.lines) and self.lines[i].indent == indent:
            line = self.lines[i]
            if not line.content.startswith("- "):
                raise ComposeSyntaxError(f"ligne {line.lineno} : élément de liste attendu")
            items.append(_scalar(line.content[2:].strip(), line.lineno))
            i += 1
        return items, i

    def _mapping(self, i: int, indent: int) -> tuple[dict[str, Any], int]:
        explicit: dict[str, Any] = {}
        merged: dict[str, Any] = {}
        while i < len(self.lines) and self.lines[i].indent >= indent:
            line = self.lines[i]
            if line.indent > indent:
                raise ComposeSyntaxError(f"ligne {line.lineno} : indentation inattendue")
            match = _KEY.match(line.content)
            if match is None:
                raise ComposeSyntaxError(f"ligne {line.lineno} : clé attendue : {line.content}")
            key, rest = match["key"], (match["rest"] or "").strip()
            i += 1
            if key == "<<":
                if not rest.startswith("*") or rest[1:] not in self.anchors:
                    raise ComposeSyntaxError(f"ligne {line.lineno} : ancre inconnue : {rest}")
                merged.update(self.anchors[rest[1:]])
                continue
            anchor = None
            if rest.startswith("&"):
                anchor, _, rest = rest[1:].partition(" ")
                rest = rest.strip()
            value: Any = None
            if rest:
                value = _scalar(rest, line.lineno)
            elif i < len(self.lines) and self.lines[i].indent > indent:
                value, i = self._block(i, self.lines[i].indent)
            if key in explicit:
                raise ComposeSyntaxError(f"ligne {line.lineno} : clé en double : {key}")
            explicit[key] = value
            if anchor:
                self.anchors[anchor] = value
        return {**merged, **explicit}, i


def load_compose(text: str) -> dict[str, Any]:
    return _Reader(text).document()


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        keyword, _, args = line.partition(" ")
        instructions.append((keyword.upper(), args.strip()))
    return instructions


def dockerfile_instruction(keyword: str) -> list[str]:
    (args,) = [a for k, a in dockerfile() if k == keyword][-1:]
    value = json.loads(args)  # the exec form, never the shell form
    assert isinstance(value, list)
    return [str(v) for v in value]
