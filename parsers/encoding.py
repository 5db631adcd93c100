"""Bytes → text for the HTML and text readers: which charset, and how sure we are.

Vietnamese pages arrive as UTF-8, as windows-1258 (older portals and exported Word
documents), now and then as windows-1252 or UTF-16, and their declared charset is often
wrong: a template says iso-8859-1 while the CMS writes UTF-8, or the reverse. A wrong
guess does not fail loudly, it produces mojibake ("Ä\x91Ã¡nh giÃ¡") that ruins every
figure label downstream. So the declaration is a claim to check, not a fact:

1. a byte-order mark decides;
2. else the declared charset, if the bytes decode under it without error *and* the
   result reads as Vietnamese/Latin text (``vietnamese_score``);
3. else UTF-8, if the bytes are valid UTF-8 (legacy 8-bit text is practically never
   valid UTF-8 once it holds non-ASCII bytes, so this is strong evidence);
4. else charset-normalizer, restricted to the charsets these documents really use
   (``PREFERRED``), its candidates re-ranked by the same score.

Nothing decodes → ``DecodeError``. Legacy *font* encodings (TCVN3/ABC, VNI) decode
"successfully" as windows-1252 and look like mojibake; recognising them is a separate
check on the decoded text, not a charset question: ``decode_document`` (what the HTML and
text readers call) runs ``parsers.legacy.fix_decoded`` after ``decode_bytes``.

The text is returned exactly as decoded (windows-1258 yields combining tone marks);
the builder's ``canonical()`` applies NFC, which recombines them.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

import charset_normalizer

from baocao.parsers.errors import DecodeError

__all__ = ["PREFERRED", "decode_bytes", "decode_document", "charset_warning", "vietnamese_score",
           "label"]

# The charsets Vietnamese administrative documents are found in, most likely first.
PREFERRED: tuple[str, ...] = ("utf_8", "cp1258", "cp1252", "utf_16")

# A declared single-byte charset is accepted when this share of its letters are Vietnamese
# letters; mojibake of UTF-8 or of windows-1258 scores well below (see ``vietnamese_score``).
ACCEPT_SCORE = 0.95
# A later candidate must beat an earlier (more trusted) one by this much to replace it.
_MARGIN = 0.01
_SAMPLE_CHARS = 256 * 1024  # the score is stable long before this; bounds its cost

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf_32"), (codecs.BOM_UTF32_BE, "utf_32"),  # before UTF-16: same prefix
    (codecs.BOM_UTF8, "utf_8_sig"),
    (codecs.BOM_UTF16_LE, "utf_16"), (codecs.BOM_UTF16_BE, "utf_16"),
)
# WHATWG: browsers read these labels as windows-1252, and so do the pages' authors.
_AS_WINDOWS_1252 = {"latin_1", "ascii", "iso8859_1"}


def _vietnamese_letters() -> str:
    """Every precomposed Vietnamese letter, lower and upper case, generated not listed."""
    vowels = "aăâeêioôơuưy"
    tones = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
    letters = {unicodedata.normalize("NFC", v + t) for v in vowels for t in tones} | {"đ"}
    return "".join(sorted(letters | {c.upper() for c in letters}))


_VIET = re.compile("[" + re.escape("".join(c for c in _vietnamese_letters() if ord(c) > 0x7F)) + "]")
# Characters that depend on the decoding choice, hence judged: non-ASCII letters and digits,
# stray combining marks, C1 controls and the Latin-1 symbols where UTF-8 continuation bytes
# land when misread. Left out: typography that real text uses (nbsp © « ° ± · », General
# Punctuation, ₫ €), so it never counts against a decoding.
_JUDGED = re.compile(
    r"""[^\x00-\x7f\W]                                   # a non-ASCII letter or digit
      | [\u0300-\u036f]                                  # a combining mark NFC could not absorb
      | [\u0080-\u009f\u00a1-\u00a8\u00aa\u00ac-\u00af\u00b2-\u00b6\u00b8-\u00ba\u00bc-\u00bf]
    """, re.VERBOSE)


def vietnamese_score(text: str) -> float:
    """Share of the judged non-ASCII characters that are Vietnamese letters (1.0 if none).

    Typography (dashes, quotes, ``…``, ``₫``) is not judged, so it never counts against a
    decoding. Run on NFC text, as combining marks left over after NFC are a bad sign.

    >>> vietnamese_score("Tỷ lệ đúng hạn đạt 96,9%")
    1.0
    >>> round(vietnamese_score("đánh giá".encode().decode("latin-1")), 2)  # 'Ä\\x91Ã¡nh giÃ¡'
    0.33
    """
    judged = len(_JUDGED.findall(text))
    return 1.0 if judged == 0 else len(_VIET.findall(text)) / judged


def label(codec: str) -> str:
    """The WHATWG-style label of a Python codec name, as users see it in a page's meta.

    >>> label("cp1258"), label("utf_8_sig"), label("iso8859_1")
    ('windows-1258', 'utf-8', 'iso-8859-1')
    """
    name = codecs.lookup(codec).name
    if name.startswith("cp") and name[2:].isdigit():
        return f"windows-{name[2:]}"
    if name.startswith("iso8859"):
        return name.replace("iso8859", "iso-8859")
    return {"utf-8-sig": "utf-8", "latin-1": "iso-8859-1"}.get(name, name)


def _codec(name: str | None) -> str | None:
    """Python codec for a declared label, with the WHATWG windows-1252 aliasing; None if unknown."""
    if not name:
        return None
    try:
        codec = codecs.lookup(name.strip().strip("\"'")).name.replace("-", "_")
    except LookupError:
        return None
    return "cp1252" if codec in _AS_WINDOWS_1252 else codec


def _decode(data: bytes, codec: str) -> str | None:
    """Strict decoding, or None when the bytes are not valid in ``codec``."""
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _score(text: str) -> float:
    return vietnamese_score(unicodedata.normalize("NFC", text[:_SAMPLE_CHARS]))


def _detected(data: bytes) -> list[str]:
    """charset-normalizer's candidates among PREFERRED, best first (may be empty)."""
    try:
        matches = charset_normalizer.from_bytes(data, cp_isolation=list(PREFERRED))
    except Exception:  # noqa: BLE001 - a detector failure only means "no suggestion"
        return []
    return [m.encoding for m in matches]


def decode_bytes(data: bytes, declared: str | None = None, *,
                 path: str | None = None) -> tuple[str, str]:
    """(text, encoding used as a label like ``windows-1258``) for ``data``; see the module doc.

    ``declared`` is the charset the file claims (an HTML meta, an HTTP header), or None.
    Raises DecodeError when no candidate charset decodes the bytes.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            text = _decode(data, codec)
            if text is not None:
                return text.lstrip("\ufeff"), label(codec)
            break
    claimed = _codec(declared)
    trusted: list[tuple[str, str]] = []  # (codec, text), most trusted first
    if claimed is not None and (text := _decode(data, claimed)) is not None:
        if claimed.startswith("utf_8") or _score(text) >= ACCEPT_SCORE:
            return text, label(claimed)
        trusted.append((claimed, text))
    if claimed != "utf_8" and (text := _decode(data, "utf_8")) is not None:
        return text, "utf-8"
    for codec in _detected(data):
        if codec != claimed and (text := _decode(data, codec)) is not None:
            trusted.append((codec, text))
    return _best(trusted, path)


def _best(candidates: list[tuple[str, str]], path: str | None) -> tuple[str, str]:
    """The highest-scoring candidate; an earlier one wins unless clearly beaten."""
    if not candidates:
        raise DecodeError(
            f"the bytes are not valid in any of {', '.join(label(c) for c in PREFERRED)}",
            path=path)
    best_codec, best_text = candidates[0]
    best_score = _score(best_text)
    for codec, text in candidates[1:]:
        score = _score(text)
        if score > best_score + _MARGIN:
            best_codec, best_text, best_score = codec, text, score
    return best_text, label(best_codec)


def charset_warning(declared: str | None, used: str) -> str | None:
    """The builder warning when the charset read differs from the one declared, else None.

    An undeclared page read as UTF-8 is the normal case and gets no warning.

    >>> charset_warning("iso-8859-1", "utf-8")
    'charset: declared iso-8859-1, read as utf-8'
    >>> charset_warning("latin1", "windows-1252") is None
    True
    """
    if declared is None:
        return None if used == "utf-8" else f"charset: none declared, read as {used}"
    claimed = _codec(declared)
    if claimed is not None and label(claimed) == used:
        return None
    return f"charset: declared {declared.strip()}, read as {used}"


def decode_document(data: bytes, declared: str | None = None, *,
                    path: str | None = None) -> tuple[str, str, str | None]:
    """(text, encoding label, legacy warning): ``decode_bytes``, then TCVN3/VNI text (old
    pages and exports typed in .VnTime or VNI-Times fonts) converted to Unicode line by line
    (``parsers.legacy.fix_decoded``); the warning says so, or is None."""
    from baocao.parsers.legacy import fix_decoded  # the syllable data loads only when text is read

    try:
        text, used = decode_bytes(data, declared, path=path)
    except DecodeError:
        # TCVN3 uses bytes windows-1252 leaves undefined (0x81 0x8D 0x8F 0x90 0x9D): such a
        # file decodes only as Latin-1, and is kept only if it then reads as TCVN3 or VNI.
        fixed, warning = fix_decoded(data.decode("latin-1"), "iso-8859-1")
        if warning is None:
            raise
        return fixed, "iso-8859-1", warning
    fixed, warning = fix_decoded(text, used)
    return fixed, used, warning
