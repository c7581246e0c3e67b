"""XLIFF 1.2 files for translators: written for export, read (safely) on import.

One ``<file>`` per language pair; each ``<trans-unit>`` is one title or key point,
keyed by :func:`digest.translate.memory.unit_id`. A machine suggestion, when there is
one, goes in ``<alt-trans>`` so that translation tools offer it without it ever
counting as the translator's own ``<target>``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import groupby

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from digest.translate.base import TranslationError
from digest.translate.memory import normalise, normalise_target

NS = "urn:oasis:names:tc:xliff:document:1.2"
_Q = f"{{{NS}}}"


@dataclass(frozen=True)
class Unit:
    """One trans-unit: a source sentence and, once translated, its target."""

    id: str
    source_language: str
    target_language: str
    source: str
    target: str = ""
    #: Context for the translator: the item and what the text is (title or key point).
    note: str = ""
    #: A machine translation offered as a suggestion, and its origin.
    suggestion: str = ""
    suggestion_origin: str = ""


def write_xliff(units: Iterable[Unit]) -> bytes:
    """An XLIFF 1.2 document holding ``units``, one ``<file>`` per language pair.

    The same units give the same bytes.
    """
    ET.register_namespace("", NS)
    root = ET.Element(f"{_Q}xliff", {"version": "1.2"})
    ordered = sorted(units, key=lambda u: (u.source_language, u.target_language, u.id))
    for (source, target), group in groupby(
        ordered, key=lambda u: (u.source_language, u.target_language)
    ):
        file = ET.SubElement(
            root,
            f"{_Q}file",
            {
                "original": f"digest-{source}-{target}",
                "source-language": source,
                "target-language": target,
                "datatype": "plaintext",
            },
        )
        body = ET.SubElement(file, f"{_Q}body")
        for unit in group:
            element = ET.SubElement(body, f"{_Q}trans-unit", {"id": unit.id})
            ET.SubElement(element, f"{_Q}source").text = unit.source
            ET.SubElement(element, f"{_Q}target").text = unit.target
            if unit.suggestion:
                alt = ET.SubElement(element, f"{_Q}alt-trans", {"origin": unit.suggestion_origin})
                ET.SubElement(alt, f"{_Q}target").text = unit.suggestion
            if unit.note:
                ET.SubElement(element, f"{_Q}note").text = unit.note
    ET.indent(root)
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data + b"\n"


def read_xliff(data: bytes, location: str) -> list[Unit]:
    """The trans-units of an XLIFF 1.2 document, untranslated ones included.

    Parsed with defusedxml: no DTD, no entity expansion, no external resources.
    Language codes are lower-cased and cut to their language (``nl-BE`` -> ``nl``).

    Raises:
        TranslationError: ``data`` is not well-formed XML, not XLIFF 1.2, or a file or
            unit lacks what it needs; the message names ``location`` and what is wrong.
    """
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except ET.ParseError as exc:
        raise TranslationError(location, f"not well-formed XML ({exc})") from None
    except DefusedXmlException as exc:
        raise TranslationError(location, f"refused: {type(exc).__name__}") from None
    if root.tag != f"{_Q}xliff" or root.get("version") != "1.2":
        raise TranslationError(location, "not an XLIFF 1.2 document")
    units: list[Unit] = []
    # An export that asked nothing has no <file>: reading it gives no unit.
    for number, file in enumerate(root.findall(f"{_Q}file"), start=1):
        source_language = _language(file.get("source-language"))
        target_language = _language(file.get("target-language"))
        if not source_language or not target_language:
            raise TranslationError(
                location, f"<file> {number} needs source-language and target-language"
            )
        for element in file.iter(f"{_Q}trans-unit"):
            unit_id = element.get("id")
            source = element.find(f"{_Q}source")
            if not unit_id or source is None:
                raise TranslationError(
                    location, f"a trans-unit of <file> {number} has no id or no <source>"
                )
            target = element.find(f"{_Q}target")
            note = element.find(f"{_Q}note")
            units.append(
                Unit(
                    id=unit_id,
                    source_language=source_language,
                    target_language=target_language,
                    source=normalise("".join(source.itertext())),
                    target=(
                        normalise_target("".join(target.itertext())) if target is not None else ""
                    ),
                    note=normalise("".join(note.itertext())) if note is not None else "",
                )
            )
    return units


def _language(code: str | None) -> str:
    return (code or "").strip().lower().replace("_", "-").split("-")[0]
