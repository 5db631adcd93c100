"""The NLP layer, aligned to the canonical text at every step.

- Cue phrases: spaCy is the span container. The canonical text is cut into syllable and
  punctuation tokens by one regex that keeps character offsets (``token_spans``), a spaCy
  ``Doc`` is built straight from them (``doc.text`` is the canonical text, character for
  character), and a ``PhraseMatcher`` (attr LOWER) finds every cue phrase of
  ``data/cues.yaml`` in one pass. The Doc used to be aligned with spaCy's
  ``get_words_and_spaces``, a quarter of a long report's extraction; tests/test_extract_cues.py
  checks that the direct build gives the same cues on every corpus and devset text.
- underthesea gives sentence boundaries (``sent_tokenize``, re-aligned to offsets because it
  returns bare strings) and word segmentation (``word_tokenize``) of the short label windows,
  so a label is cut at word boundaries ("tỷ lệ", "hồ sơ" are one word each), never mid-word.

Figures themselves are found by regex on the raw text (``extractor.candidates``): tokenizers
split "96,9 %" and "86,57 / 100" (MEASURED.md), so they only ever see the words around them.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import cache
from operator import attrgetter

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from baocao.extractor.memo import forget
from baocao.extractor.vocab import Cues, cues

_TOKEN = re.compile(r"\w+|[^\w\s]")
_CATEGORIES = ("units", "score_units", "percent_units", "period_end_cues", "score_cues", "rank_cues",
               "deadline_cues",
               "target_sentence_cues", "result_cues", "identifier_cues", "breakdown_cues",
               "subject_prefixes")


@dataclass(frozen=True)
class Cue:
    category: str
    key: str          # the qualifier name for qualifier cues, else the category
    start: int
    end: int
    text: str


# A token as ``token_spans`` cuts them: leading whitespace whole, a syllable, a punctuation mark,
# the whitespace after a token less the one space that token owns (group 1; nothing when that
# space is all there is), or a run of whitespace that opens with another space character.
_SPACY_TOKEN = re.compile(r"^\s+|\w+|[^\w\s]| (\s+)|[^\S ]\s*")


def token_spans(text: str) -> list[tuple[int, int]]:
    """The tokens of ``text`` as (start, end): syllables, punctuation marks, and the runs of
    whitespace that are more than one space after a token (a line break, a double space), as
    spaCy's ``get_words_and_spaces`` would align our syllable tokens; a phrase never matches
    across such a whitespace token. One regex pass (tests/test_extract_cues.py checks it
    against spaCy)."""
    return [m.span(1) if m.lastindex else m.span() for m in _SPACY_TOKEN.finditer(text)]


@cache
def _matcher() -> tuple[Language, PhraseMatcher]:
    """A blank Vietnamese spaCy pipeline (no pyvi, nothing downloaded) and a
    ``PhraseMatcher(attr="LOWER")`` holding every cue phrase of ``data/cues.yaml``, labelled
    ``category`` or ``qualifier:name``."""
    nlp = spacy.blank("vi", config={"nlp": {"tokenizer": {"use_pyvi": False}}})
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    vocab: Cues = cues()
    for category in _CATEGORIES:
        matcher.add(category, [_doc(nlp, p) for p in getattr(vocab, category)])
    for qualifier, phrases in vocab.qualifiers.items():
        matcher.add(f"qualifier:{qualifier.value}", [_doc(nlp, p) for p in phrases])
    return nlp, matcher


def _doc(nlp: Language, text: str) -> Doc:
    """``text`` as a spaCy ``Doc`` of the tokens of ``token_spans``, built directly from their
    offsets (what ``get_words_and_spaces`` would align, at a fraction of its cost): a token
    owns the one space after it, so ``doc.text == text`` character for character."""
    return _doc_spans(nlp, text)[0]


def _doc_spans(nlp: Language, text: str) -> tuple[Doc, list[tuple[int, int]]]:
    """``_doc`` and its tokens' (start, end) in ``text`` (token i of the Doc is text[a:b] for
    span i: the Doc's text is ``text``)."""
    spans = token_spans(text)
    words = [text[a:b] for a, b in spans]
    nexts = [a for a, _ in spans[1:]] + [len(text)]
    doc = Doc(nlp.vocab, words=words, spaces=[n > b for (_, b), n in zip(spans, nexts)])
    return doc, spans


def find_cues(text: str) -> list[Cue]:
    """Every occurrence of every cue phrase in ``text`` (overlapping ones too): spaCy's
    ``PhraseMatcher`` over the text's ``Doc``, on lower-cased tokens, in order of start, then
    of length. A match's offsets are its first and last tokens' spans (what ``Token.idx``
    gives, without making a Token for each)."""
    nlp, matcher = _matcher()
    doc, spans = _doc_spans(nlp, text)
    strings = nlp.vocab.strings
    found = [(spans[s][0], spans[e - 1][1], strings[m]) for m, s, e in matcher(doc)]
    return _cues(text, found)


def _cues(text: str, found: list[tuple[int, int, str]]) -> list[Cue]:
    out: list[Cue] = []
    for start, end, label in sorted(found, key=lambda x: (x[0], x[1])):
        category, _, key = label.partition(":")
        out.append(Cue(category, key or category, start, end, text[start:end]))
    return out


_END_START = attrgetter("end", "start")


@cache
def _gap_re(gap: str) -> re.Pattern[str]:
    """What may stand between a cue and a figure, compiled once (``before``/``after`` run for
    every figure)."""
    return re.compile(gap)


class CueIndex:
    """Every cue phrase of the text, by category, searchable by position."""

    def __init__(self, text: str) -> None:
        found: dict[str, list[Cue]] = {}
        for cue in find_cues(text):
            found.setdefault(cue.category, []).append(cue)
        self._by_end = {c: sorted(v, key=_END_START) for c, v in found.items()}
        self._ends = {c: [x.end for x in v] for c, v in self._by_end.items()}
        self._by_start = {c: sorted(v, key=lambda x: (x.start, -x.end)) for c, v in found.items()}
        self._starts = {c: [x.start for x in v] for c, v in self._by_start.items()}

    def before(self, category: str, pos: int, text: str, gap: str = r"[ :]*") -> Cue | None:
        """The longest cue of ``category`` ending right before ``pos`` (only ``gap`` between)."""
        ends = self._ends.get(category, [])
        i = bisect_right(ends, pos)
        best: Cue | None = None
        while i > 0:
            i -= 1
            cue = self._by_end[category][i]
            if not _gap_re(gap).fullmatch(text[cue.end:pos]):
                if pos - cue.end > 40:
                    break
                continue
            if best is None or cue.start < best.start:
                best = cue
        return best

    def after(self, category: str, pos: int, text: str, gap: str = r" ?") -> Cue | None:
        """The longest cue of ``category`` starting right after ``pos`` (only ``gap`` between)."""
        starts = self._starts.get(category, [])
        i = bisect_left(starts, pos)
        best: Cue | None = None
        by_start = self._by_start.get(category, [])
        for k in range(i, len(by_start)):
            cue = by_start[k]
            if cue.start - pos > 40:
                break
            if _gap_re(gap).fullmatch(text[pos:cue.start]) and (best is None or cue.end > best.end):
                best = cue
        return best

    def within(self, category: str, start: int, end: int) -> list[Cue]:
        """Every cue of ``category`` lying inside [start, end)."""
        starts = self._starts.get(category, [])
        i = bisect_left(starts, start)
        out: list[Cue] = []
        by_start = self._by_start.get(category, [])
        for k in range(i, len(by_start)):
            c = by_start[k]
            if c.start >= end:
                break
            if c.end <= end and (not out or c.start >= out[-1].end):
                out.append(c)  # sorted longest-first at each start: overlaps lose
        return out


def sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence boundaries of text[start:end] from underthesea, re-aligned to offsets."""
    from underthesea import sent_tokenize

    out: list[tuple[int, int]] = []
    pos = start
    for sentence in sent_tokenize(text[start:end]):
        probe = sentence.strip()[:24]
        at = text.find(probe, pos, end) if probe else -1
        if at < 0:
            continue
        if out:
            out[-1] = (out[-1][0], at)
        out.append((at, end))
        pos = at + len(probe)
    return out or [(start, end)]


# Segmentations of the current document's phrases: the labeller asks again for the same clause
# for every figure in it. Emptied by ``new_document`` (so a benchmark over the same texts
# twice measures the segmenting twice).
_WORDS: dict[str, tuple[str, ...]] = {}


def new_document() -> None:
    """Forget the previous document's word segmentations and the answers of
    ``extractor.memo`` (``extractor.pipeline`` calls it)."""
    _WORDS.clear()
    forget()


def words(text: str) -> list[str]:
    """Vietnamese words of a short phrase (underthesea segmentation: 'tỷ lệ' is one word)."""
    got = _WORDS.get(text)
    if got is None:
        from underthesea import word_tokenize

        got = _WORDS[text] = tuple(w for w in word_tokenize(text) if w.strip())
    return list(got)
