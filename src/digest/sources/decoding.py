"""Feed bytes to text, as RFC 7303 and feedparser decode them, and repairs of what is left.

The order of authority: a byte order mark first; then, over HTTP, the ``charset`` of
``Content-Type`` (RFC 7303 section 3: it overrides the XML declaration); then the
encoding named in the XML declaration; then UTF-8, the default of XML; then detection
(charset-normalizer). An encoding that does not decode the bytes gives way to the next
one, and a note says so. Labels are read as browsers read them (WHATWG Encoding):
``iso-8859-1`` and ``us-ascii`` mean windows-1252, ``gb2312`` means GBK, ``shift_jis``
means windows-31j, and so on.

The document is handed on as UTF-8 with its declaration rewritten, so both parsers
read the same text whatever they would have guessed. A well-formed UTF-8 document with
no BOM and no other label (the common case) is handed on as it came, after one check.

After decoding, a text may still hold mojibake (UTF-8 read as windows-1252: "CafÃ©",
"â€¦"), C1 control characters (windows-1252 bytes read as ISO-8859-1, or written as
``&#150;``) or U+FFFD. :func:`repair` fixes the first two with ftfy, which changes a
text only where its reading is unambiguous; what it cannot fix is left and counted.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import Literal

import charset_normalizer
import ftfy

Source = Literal["bom", "http", "declaration", "utf-8", "detected"]

# WHATWG Encoding Standard labels whose browser reading differs from Python's codec of
# the same name (https://encoding.spec.whatwg.org/#names-and-labels). Written out here:
# the standard's table is small, and no dependency of ours ships it.
_WHATWG = {
    **dict.fromkeys(
        (
            "ascii",
            "us-ascii",
            "iso-8859-1",
            "iso8859-1",
            "iso_8859-1",
            "iso88591",
            "latin1",
            "l1",
            "cp819",
            "ibm819",
            "csisolatin1",
            "iso-ir-100",
            "x-cp1252",
            "windows-1252",
        ),
        "cp1252",
    ),
    **dict.fromkeys(("iso-8859-9", "iso8859-9", "latin5", "l5", "iso-ir-148"), "cp1254"),
    **dict.fromkeys(("tis-620", "iso-8859-11", "iso8859-11", "dos-874", "windows-874"), "cp874"),
    **dict.fromkeys(
        ("gb2312", "gbk", "x-gbk", "chinese", "csgb2312", "gb_2312", "gb_2312-80", "iso-ir-58"),
        "gb18030",
    ),
    **dict.fromkeys(
        ("euc-kr", "ks_c_5601-1987", "ks_c_5601-1989", "ksc5601", "korean", "windows-949"),
        "cp949",
    ),
    **dict.fromkeys(
        ("shift_jis", "shift-jis", "sjis", "x-sjis", "ms_kanji", "ms932", "windows-31j"),
        "cp932",
    ),
    **dict.fromkeys(("big5", "big5-hkscs", "cn-big5", "x-x-big5", "csbig5"), "big5hkscs"),
}
_REFUSED = frozenset(
    {"undefined", "utf-7", "unicode-escape", "raw-unicode-escape", "idna", "punycode", "mbcs"}
)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# The declaration, in an ASCII-compatible encoding or (no BOM) in UTF-16 (XML 1.0 App. F).
_DECLARATION = re.compile(
    rb"""^\s*<\?xml\s[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})["']"""
)
_DECLARED_TEXT = re.compile(r"""^(\s*<\?xml\s[^>]{0,200}?encoding\s*=\s*)(["'])[^"']*\2""")
# Signs that a decoded text needs a look from ftfy. On the UTF-8 bytes: U+FFFD, C1
# controls, and character references to C1 code points (windows-1252 numbers). On the
# text (single-character searches are fast on str): the lead characters of the commonest
# mojibake (Ã Â for Latin, â€ for punctuation, Ð Ñ for Cyrillic).
_C1_BYTES = re.compile(rb"\xc2[\x80-\x9f]")
_C1_REFERENCE = re.compile(rb"&#(?:1[2-5][0-9]|[xX]0*[89][0-9a-fA-F]);")
_MOJIBAKE_LEADS = ("Ã", "Â", "â€", "Ð", "Ñ")
_SUSPECT = re.compile("[\x80-\x9f\ufffd]|[ÂÃÐÑ][\xa0-\xbf\u0152-\u2122]|â€")
#: ftfy's encoding repairs only: its other steps (line breaks, entities, normalisation,
#: ligatures) would alter correct text and be reported as mojibake. Shared with article files.
MOJIBAKE_ONLY = ftfy.TextFixerConfig(
    unescape_html=False,  # entities are the parser's business, decoded once
    remove_terminal_escapes=False,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    remove_control_chars=False,
    normalization=None,
    explain=False,
)


@dataclass(frozen=True)
class Decoded:
    """A document as UTF-8, and how it was decoded."""

    #: The document in UTF-8; its XML declaration, if any, says so.
    body: bytes
    #: The Python codec that decoded it.
    encoding: str
    #: What named that encoding.
    source: Source
    #: What was wrong and what was done, when the document was not what it said (a
    #: label that did not decode, or no label and bytes that are not UTF-8), else None.
    note: tuple[str, str] | None = None
    #: True when mojibake or C1 controls in the text were repaired (ftfy).
    repaired: bool = False
    #: True when the parsed texts are worth a look: C1 controls written as character
    #: references (``&#150;``), or characters the repair left (U+FFFD).
    suspect: bool = False


def charset_of(content_type: str | None) -> str | None:
    """The ``charset`` parameter of a ``Content-Type`` value, if any."""
    if not content_type:
        return None
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip("\"'") or None
    return None


def codec_for(label: str) -> str | None:
    """The Python codec that decodes ``label`` as browsers do; None for an unknown label."""
    label = label.strip().lower()
    if label in _WHATWG:
        return _WHATWG[label]
    try:
        info = codecs.lookup(label)
    except (LookupError, ValueError):  # ValueError: a NUL in the label
        return None
    # Python's codecs include transforms (base64, zlib, rot13) and decoders no browser
    # applies to a document (utf-7, unicode_escape, idna): a label naming one is ignored.
    if not getattr(info, "_is_text_encoding", True) or info.name in _REFUSED:
        return None
    return info.name


def decode_document(body: bytes, content_type: str | None = None) -> Decoded:
    """Decode ``body`` (served with ``content_type`` over HTTP; None for a file) to UTF-8."""
    candidates: list[tuple[str, str, Source]] = []  # (label as given, codec, what named it)
    start = 0
    for bom, codec in _BOMS:
        if body.startswith(bom):
            candidates.append((codec, codec, "bom"))
            start = len(bom)
            break
    header = charset_of(content_type)
    declared = _declared(body[start:])
    named: tuple[tuple[str | None, Source], ...] = ((header, "http"), (declared, "declaration"))
    for given, what in named:
        found = codec_for(given) if given else None
        if given and found:
            candidates.append((given, found, what))
    candidates.append(("utf-8", "utf-8", "utf-8"))
    for number, (_label, codec, source) in enumerate(candidates):
        try:
            text = body[start:].decode(codec) if source == "bom" else body.decode(codec)
        except UnicodeError:
            continue
        note = None
        if number > 0 and candidates[0][2] != "utf-8":
            first = candidates[0]
            note = (
                f"{_named(first)}, but the bytes do not decode as {_shown(first[1])}",
                f"read as {_shown(codec)}",
            )
        as_given = start == 0 and (declared is None or codec_for(declared) == codec)
        if codec == "utf-8" and as_given and not _mis_decoded(text, body):
            # The common case: the bytes are already what the parsers get.
            return Decoded(body, codec, source, note, suspect=_references(body))
        return _decoded(text, codec, source, note)
    guess, guessed = _detected(body)
    said = _named(candidates[0]) if candidates[0][2] != "utf-8" else "no encoding declared"
    note = (f"{said}, and the bytes are not UTF-8", f"read as {_shown(guess)} (detected)")
    return _decoded(guessed, guess, "detected", note)


def repair(text: str) -> tuple[str, bool]:
    """``text`` with mojibake and C1 controls fixed; and whether it is clean now.

    Clean means it holds no U+FFFD and no C1 control: what ftfy could not fix stays.
    """
    if not _SUSPECT.search(text):
        return text, True
    fixed = ftfy.fix_text(text, MOJIBAKE_ONLY)
    return fixed, not _SUSPECT.search(fixed)


def _declared(body: bytes) -> str | None:
    head = body[:512]
    if head.startswith((b"\x00<\x00?", b"<\x00?\x00")):
        # UTF-16 without a BOM: read the declaration in it.
        codec = "utf-16-be" if head[0] == 0 else "utf-16-le"
        match = _DECLARATION.match(head.decode(codec, "replace").encode("ascii", "replace"))
        label = match.group(1).decode("ascii") if match else codec
        # "utf-16" says nothing of the byte order, which the first bytes just told.
        return codec if label.lower() in ("utf-16", "utf16") else label
    match = _DECLARATION.match(head)
    return match.group(1).decode("ascii") if match else None


def _decoded(text: str, codec: str, source: Source, note: tuple[str, str] | None) -> Decoded:
    text = _DECLARED_TEXT.sub(r'\1"utf-8"', text, count=1)
    body = text.encode("utf-8", "surrogatepass")
    repaired, clean = False, True
    if _mis_decoded(text, body):
        fixed, clean = repair(text)
        if fixed != text:
            repaired, body = True, fixed.encode("utf-8", "surrogatepass")
    return Decoded(body, codec, source, note, repaired, not clean or _references(body))


def _detected(body: bytes) -> tuple[str, str]:
    best = charset_normalizer.from_bytes(body).best()
    codec = best.encoding if best is not None else "cp1252"
    # A short Western text is too little for a detector to tell windows-1252 from its
    # neighbours (it often says cp1257 or cp1250 for French); windows-1252 is by far the
    # likeliest, and what WHATWG decodes latin1 as.
    if codec in _WESTERN or best is None:
        try:
            return "cp1252", body.decode("cp1252")
        except UnicodeDecodeError:
            pass
    if best is not None:
        return codec, str(best)
    return "cp1252", body.decode("cp1252", "replace")


_WESTERN = frozenset(
    {
        "ascii",
        "latin_1",
        "cp1250",
        "cp1252",
        "cp1254",
        "cp1257",
        "cp775",
        "cp850",
        "cp437",
        "cp858",
        "mac_roman",
        "mac_latin2",
        "mac_iceland",
        "iso8859_2",
        "iso8859_3",
        "iso8859_4",
        "iso8859_9",
        "iso8859_10",
        "iso8859_13",
        "iso8859_14",
        "iso8859_15",
        "iso8859_16",
    }
)


def _named(candidate: tuple[str, str, Source]) -> str:
    label, _codec, source = candidate
    where = {
        "bom": "a byte order mark",
        "http": "Content-Type",
        "declaration": "the XML declaration",
    }
    return f"{where.get(source, source)} says {label}"


def _shown(codec: str) -> str:
    """A codec's name as operators know it (``cp1252``: windows-1252)."""
    names = {"cp874": "windows-874", "cp932": "windows-31j", "cp949": "windows-949"}
    return names.get(codec, codec.replace("cp12", "windows-12", 1))


def _mis_decoded(text: str, utf8: bytes | None = None) -> bool:
    """Whether ``text`` (``utf8`` in UTF-8, if at hand) may hold mojibake, C1 controls or
    U+FFFD: single-character searches and one byte pattern first, the precise one after."""
    if text.isascii():
        return False
    leads = "\ufffd" in text or any(lead in text for lead in _MOJIBAKE_LEADS)
    if utf8 is None:
        utf8 = text.encode("utf-8", "surrogatepass")
    if leads or _C1_BYTES.search(utf8) is not None:
        return _SUSPECT.search(text) is not None
    return False


def _references(body: bytes) -> bool:
    return b"&#" in body and _C1_REFERENCE.search(body) is not None
