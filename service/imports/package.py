"""The parts of an uploaded ZIP package as the parsers find them, read through defusedxml.

Part names are looked up as calamine looks them up (case-insensitive, `\\` read as `/`: real
exports write `xl\\workbook.xml`), and the main workbook part is found through the package
relationships (`_rels/.rels`) and [Content_Types].xml rather than assumed at
`xl/workbook.xml`. Every XML part goes through defusedxml's expat guards: a DTD in a package is
an attack (OPC forbids them, no spreadsheet writes one), never a damaged file.
"""

from __future__ import annotations

import posixpath
import zipfile
import zlib
from collections.abc import Iterator
from typing import IO
from xml.sax import SAXException

from defusedxml.expatreader import DefusedExpatParser

_CHUNK = 65536
_PROLOG_CHUNK = 1024
_CONTENT_TYPES = "[content_types].xml"
_OFFICE_DOCUMENT = "/officedocument"  # officeDocument relationship type, any namespace


class Events:
    """expat's handlers; element names arrive as « namespace-uri local-name »."""

    parser: DefusedParser | None = None  # set by Package.parse

    def offset(self) -> int:
        """Offset in the part of the tag being handled (where its « < » is)."""
        return self.parser.byte_index if self.parser is not None else -1

    def start(self, name: str, attrs: dict[str, str]) -> None: ...
    def end(self, name: str) -> None: ...
    def text(self, data: str) -> None: ...


class DefusedParser(DefusedExpatParser):
    """defusedxml's expat driver (forbid_dtd/entities/external) minus its SAX layer, which costs
    3× the parse (3 s per 1M rows): reset() installs the guards, then we set our handlers."""

    def __init__(self, events: Events) -> None:
        super().__init__(1, forbid_dtd=True, forbid_entities=True, forbid_external=True)
        self._events = events

    def reset(self) -> None:
        super().reset()
        expat = self._parser
        expat.namespace_prefixes = False  # names are « uri local », whatever the prefixes
        expat.buffer_text = True
        expat.StartElementHandler = self._events.start
        expat.EndElementHandler = self._events.end
        expat.CharacterDataHandler = self._events.text

    @property
    def byte_index(self) -> int:
        return int(self._parser.CurrentByteIndex)


def part_key(name: str) -> str:
    """A part name as calamine matches it: `\\` is `/`, case ignored, no leading `/`."""
    return name.replace("\\", "/").lstrip("/").lower()


def resolve(source: str, target: str) -> str:
    """The key of a relationship's target: absolute (`/xl/…`) or relative to `source`'s folder."""
    target = target.replace("\\", "/")
    if target.startswith("/"):
        return part_key(posixpath.normpath(target))
    return part_key(posixpath.normpath(posixpath.join(posixpath.dirname(source), target)))


def local(name: str) -> str:
    return name.rpartition(" ")[2]


class _Collect(Events):
    """Attributes (by local name) of the elements named `tag`."""

    def __init__(self, tag: str) -> None:
        self.tag, self.found = tag, list[dict[str, str]]()

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if local(name) == self.tag:
            self.found.append({local(k): v for k, v in attrs.items()})


class _RootReached(Exception):
    pass


class _Prolog(Events):
    def start(self, name: str, attrs: dict[str, str]) -> None:
        raise _RootReached


class Package:
    """An opened ZIP whose central directory filecheck has already vetted (sizes, overlaps)."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        # Duplicates once normalised are refused by filecheck; the last one is what calamine
        # would read (its path cache keeps the last name).
        self.parts = {part_key(i.filename): i for i in archive.infolist()}

    def __contains__(self, key: str) -> bool:
        return key in self.parts

    def open(self, key: str) -> IO[bytes]:
        return self.archive.open(self.parts[key])  # KeyError when absent: the caller decides

    def chunks(self, key: str, size: int = _CHUNK) -> Iterator[bytes]:
        with self.open(key) as stream:
            while chunk := stream.read(size):
                yield chunk

    def parse(self, key: str, events: Events) -> None:
        events.parser = parser = DefusedParser(events)
        for chunk in self.chunks(key):
            parser.feed(chunk)
        parser.close()

    def collect(self, key: str, tag: str) -> list[dict[str, str]]:
        """Attributes of every `tag` element of a small part ([] when the part is absent)."""
        if key not in self.parts:
            return []
        found = _Collect(tag)
        self.parse(key, found)
        return found.found

    def check_prolog(self, key: str) -> None:
        """Parse up to the root element: raises DefusedXmlException on a DTD, entity or
        external reference (they can only be declared before the root). A part that is not
        well-formed is left to whoever reads it: it is only refused if that parser needs it."""
        parser = DefusedParser(_Prolog())
        try:
            # Small reads: the root element comes within the first few hundred bytes, and a
            # package may hold thousands of parts.
            for chunk in self.chunks(key, _PROLOG_CHUNK):
                parser.feed(chunk)
        except (_RootReached, SAXException, zipfile.BadZipFile, zlib.error, OSError, EOFError):
            return  # DefusedXmlException (a ValueError) is none of these: it propagates

    def check_prologs(self) -> None:
        """Every XML part of the package, read or not (see check_prolog)."""
        for key in self.parts:
            if key.endswith((".xml", ".rels")):
                self.check_prolog(key)

    def relationships(self, source: str) -> list[dict[str, str]]:
        """The relationships of `source` ("" for the package), targets resolved to keys."""
        folder, name = posixpath.split(source)
        rels = posixpath.join(folder, "_rels", f"{name}.rels")
        found = self.collect(rels, "Relationship")
        for rel in found:
            if rel.get("TargetMode", "").lower() != "external":
                rel["Target"] = resolve(source, rel.get("Target", ""))
        return found

    def content_type(self, key: str) -> str:
        """The part's declared content type; "" when [Content_Types].xml does not say (calamine
        never reads it: a broken one is no reason to refuse the file)."""
        try:
            overrides = self.collect(_CONTENT_TYPES, "Override")
            defaults = self.collect(_CONTENT_TYPES, "Default")
        except SAXException:
            return ""
        for item in overrides:
            if part_key(item.get("PartName", "")) == key:
                return item.get("ContentType", "")
        extension = key.rpartition(".")[2]
        for item in defaults:
            if item.get("Extension", "").lower() == extension:
                return item.get("ContentType", "")
        return ""

    def main_part(self, fallbacks: tuple[str, ...] = ()) -> str | None:
        """The officeDocument part named by `_rels/.rels`, else the first fallback present."""
        for rel in self.relationships(""):
            if rel.get("Type", "").lower().endswith(_OFFICE_DOCUMENT):
                target = rel.get("Target", "")
                if target in self.parts:
                    return target
        return next((f for f in fallbacks if f in self.parts), None)
