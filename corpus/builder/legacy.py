"""Windows-1258 encoding of a page, the way old Vietnamese Windows software wrote it.

Code page 1258 has the vowel letters â ê ô ơ ư ă (and đ) precomposed but puts
tone marks in separate combining code points, so "ệ" is stored as "ê" + U+0323.
Python's cp1258 codec refuses precomposed toned letters; decomposing first and
recomposing only the non-tone diacritics gives the byte sequence real cp1258
pages carry, and an NFC of the decoded text gets the original back.
"""

from __future__ import annotations

import unicodedata

_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")  # huyền, sắc, ngã, hỏi, nặng


def to_cp1258_form(text: str) -> str:
    """``text`` with every tone mark split off as a combining character (cp1258's model)."""
    out: list[str] = []
    for char in text:
        decomposed = unicodedata.normalize("NFD", char)
        base = "".join(c for c in decomposed if c not in _TONE_MARKS)
        tones = "".join(c for c in decomposed if c in _TONE_MARKS)
        out.append(unicodedata.normalize("NFC", base) + tones)
    return "".join(out)


def encode_cp1258(text: str) -> bytes:
    """Encode ``text`` as windows-1258; raises on characters outside the code page."""
    return to_cp1258_form(text).encode("cp1258")


def decode_cp1258(data: bytes) -> str:
    """Decode windows-1258 bytes and compose them back into NFC Unicode."""
    return unicodedata.normalize("NFC", data.decode("cp1258"))
