"""The cue finder of extractor/nlp.py finds what the original alignment found.

``find_cues`` builds its spaCy ``Doc`` straight from our token offsets, for speed, instead of
aligning the tokens with ``get_words_and_spaces`` as before; here both run a
``PhraseMatcher(attr="LOWER")`` on every corpus text and devset text, and on made-up texts with
the whitespace, case and punctuation cases that decide whether a phrase matches, and must agree
cue for cue.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from baocao.extractor.nlp import _CATEGORIES, _TOKEN, Cue, CueIndex, find_cues, token_spans
from baocao.extractor.vocab import cues
from baocao.parsers import parse

ROOT = Path(__file__).resolve().parents[1]
DEVSET = ROOT.parent / "shared" / "devset" / "texts"

spacy = pytest.importorskip("spacy")


def _spacy_cues(text: str) -> list[Cue]:
    """The reference: what extractor/nlp.py did with spaCy before find_cues."""
    from spacy.matcher import PhraseMatcher
    from spacy.tokens import Doc
    from spacy.util import get_words_and_spaces

    nlp = spacy.blank("vi", config={"nlp": {"tokenizer": {"use_pyvi": False}}})

    def make_doc(t: str) -> Doc:
        words, spaces = get_words_and_spaces(_TOKEN.findall(t), t)
        return Doc(nlp.vocab, words=words, spaces=spaces)

    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    vocab = cues()
    for category in _CATEGORIES:
        matcher.add(category, [make_doc(p) for p in getattr(vocab, category)])
    for qualifier, phrases in vocab.qualifiers.items():
        matcher.add(f"qualifier:{qualifier.value}", [make_doc(p) for p in phrases])
    doc = make_doc(text)
    out = []
    for match_id, start, end in matcher(doc):
        category, _, key = nlp.vocab.strings[match_id].partition(":")
        span = doc[start:end]
        out.append(Cue(category, key or category, span.start_char, span.end_char, span.text))
    return out


def _key(c: Cue) -> tuple[int, int, str, str]:
    return (c.start, c.end, c.category, c.key)


def _texts() -> list[tuple[str, str]]:
    files = sorted((ROOT / "corpus/seeds").glob("*.txt")) + sorted(
        (ROOT / "corpus/docs").glob("*.docx"))
    out = [(f.name, parse(f).text) for f in files]
    out += [(f.name, f.read_text(encoding="utf-8")) for f in sorted(DEVSET.glob("*.txt"))]
    return out


def test_same_cues_as_spacy_on_corpus_and_devset() -> None:
    texts = _texts()
    assert len(texts) >= 10
    total = 0
    for name, text in texts:
        ours = find_cues(text)
        theirs = _spacy_cues(text)
        assert sorted(map(_key, ours)) == sorted(map(_key, theirs)), name
        assert all(c.text == text[c.start:c.end] for c in ours)
        total += len(ours)
    assert total > 1000          # the comparison compared something


@pytest.mark.parametrize("text", [
    "Tỷ lệ hồ sơ giải quyết đúng hạn đạt 98,5%",
    "TỶ LỆ  hồ sơ\nđúng   hạn\r\n(đạt) 12 điểm/100 điểm; xếp hạng 5/63 tỉnh, thành phố.",
    "chậm nhất ngày 31/12/2024,trước ngày 15/01/2025 ;  tối đa 30 ngày",
    "   đạt\tkhoảng 50 %  so với cùng kỳ\u00a0năm 2023 ",
    "İSTANBUL tỷ lệ 5%, TỶ LỆ hồ sơ; Tỷ Lệ\u2028hồ sơ",
    "(đạt)(tỷ lệ)%%/ .",
    "",
])
def test_same_cues_as_spacy_on_edge_texts(text: str) -> None:
    assert sorted(map(_key, find_cues(text))) == sorted(map(_key, _spacy_cues(text)))


def test_tokens_cover_the_text_and_whitespace_breaks_phrases() -> None:
    text = "hồ sơ  trực\ntuyến, đạt"
    spans = token_spans(text)
    assert [text[a:b] for a, b in spans] == ["hồ", "sơ", " ", "trực", "\n", "tuyến", ",", "đạt"]
    index = CueIndex("Điểm số đạt 25,5 điểm")
    assert index.within("score_units", 0, 100) or index.within("units", 0, 100) \
        or index.within("score_cues", 0, 100)


def test_token_spans_are_spacys_tokens_on_random_texts() -> None:
    """token_spans (one regex) cuts text as get_words_and_spaces aligned our syllable tokens:
    every whitespace pattern around words, punctuation, line breaks and no-break spaces."""
    import random

    from spacy.util import get_words_and_spaces

    rng = random.Random(14)
    pieces = ["tỷ", "lệ", "5", " ", "  ", "\n", "\t", ",", "%", "\u00a0", " \n", "(", "Đạt"]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 10)))
        words, spaces = get_words_and_spaces(_TOKEN.findall(text), text)
        assert [text[a:b] for a, b in token_spans(text)] == words, repr(text)
        assert "".join(w + " " * s for w, s in zip(words, spaces)) == text
