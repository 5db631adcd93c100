"""The NLP layer, aligned to the canonical text at every step.

- spaCy is the span container: the canonical text becomes a ``Doc`` whose tokens are our own
  syllable/punctuation tokens (re-aligned with ``spacy.util.get_words_and_spaces``, so
  ``doc.text == text`` and character offsets never drift), and a ``PhraseMatcher`` over it
  finds every cue phrase of ``data/cues.yaml`` in one pass.
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

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc
from spacy.util import get_words_and_spaces

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


@cache
def _language() -> Language:
    # pyvi is not a dependency: whitespace tokenization; we pass our own words anyway
    return spacy.blank("vi", config={"nlp": {"tokenizer": {"use_pyvi": False}}})


def make_doc(text: str) -> Doc:
    """A spaCy Doc over ``text`` with syllable and punctuation tokens; ``doc.text == text``."""
    words = _TOKEN.findall(text)
    words, spaces = get_words_and_spaces(words, text)
    return Doc(_language().vocab, words=words, spaces=spaces)


@cache
def _matcher() -> PhraseMatcher:
    vocab: Cues = cues()
    matcher = PhraseMatcher(_language().vocab, attr="LOWER")
    for category in _CATEGORIES:
        matcher.add(category, [make_doc(p) for p in getattr(vocab, category)])
    for qualifier, phrases in vocab.qualifiers.items():
        matcher.add(f"qualifier:{qualifier.value}", [make_doc(p) for p in phrases])
    return matcher


class CueIndex:
    """Every cue phrase of the text, by category, searchable by position."""

    def __init__(self, text: str) -> None:
        self.doc = make_doc(text)
        found: dict[str, list[Cue]] = {}
        strings = self.doc.vocab.strings
        for match_id, start, end in _matcher()(self.doc):
            label = strings[match_id]
            category, _, key = label.partition(":")
            span = self.doc[start:end]
            found.setdefault(category, []).append(
                Cue(category, key or category, span.start_char, span.end_char, span.text))
        self._by_end = {c: sorted(v, key=lambda x: (x.end, x.start)) for c, v in found.items()}
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
            if not re.fullmatch(gap, text[cue.end:pos]):
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
        for cue in self._by_start.get(category, [])[i:]:
            if cue.start - pos > 40:
                break
            if re.fullmatch(gap, text[pos:cue.start]) and (best is None or cue.end > best.end):
                best = cue
        return best

    def within(self, category: str, start: int, end: int) -> list[Cue]:
        """Every cue of ``category`` lying inside [start, end)."""
        starts = self._starts.get(category, [])
        i = bisect_left(starts, start)
        out: list[Cue] = []
        for c in self._by_start.get(category, [])[i:]:
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


def words(text: str) -> list[str]:
    """Vietnamese words of a short phrase (underthesea segmentation: 'tỷ lệ' is one word)."""
    from underthesea import word_tokenize

    return [w for w in word_tokenize(text) if w.strip()]
