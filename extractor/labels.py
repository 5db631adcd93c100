"""Stage 3: what each figure measures, in the document's own words.

The label comes from the nearest place that names it, in this order:
1. a table row's label (the first wordy cell left of the figure);
2. the clause right before the figure, cut at punctuation and trimmed of verbs and cue words
   (``label_trim`` in ``data/cues.yaml``), at most ``MAX_WORDS`` Vietnamese words long
   (underthesea segmentation, so a word like "tỷ lệ" is never cut in half); a comma-list item
   too short to name anything grows backwards by one item at a time;
   a breakdown part ("trong đó", "gồm", a footnote) reads only its own words after the cue; when
   they are empty or only name a body or level ("Bộ phận một cửa cấp xã 204 hồ sơ"), the part is
   named by the words after its unit ("01 nhiệm vụ đã hoàn thành"), else by its total;
   a figure in a parenthesis that comments on a clause ("(không đạt 02 điểm)") takes the clause's
   subject, the words before its predicate (``predicate_markers``);
3. a quoted name (“...”, "...") earlier in the block or in the block that introduces it;
4. the label of the previous figure in the same sentence ("đúng hạn 15.739 hồ sơ chiếm tỷ lệ
   89,4%": the share is of the on-time dossiers);
5. the title of the enclosing section, climbing past generic titles ("Kết quả đạt được").
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import cache

from baocao.extractor.classify import Draft
from baocao.extractor.memo import document_memo
from baocao.extractor.nlp import words
from baocao.extractor.numbers import PERIOD_RE
from baocao.extractor.vocab import alternation, cues, words_re
from baocao.schemas.document import Block, Document
from baocao.schemas.extraction import FactKind

MAX_WORDS = 8
_STRONG_BREAK = re.compile(r"(?<!\b[A-ZĐ])(?<!\b[A-ZĐ]{2})(?<!\b[A-ZĐ][a-z])\.|[;\n()\[\]|]|\s-\s|\s–\s")
# (a dot right after "TP", "TX", "Tp" is an abbreviation's, not a sentence's: "UBND TP. Nha Trang")
_QUOTED = re.compile(r"[“\"]([^”\"]{3,120})[”\"]")
_MARKUP = re.compile(r"^[-–+•*\s]+|^(?:[IVX]+|\d+(?:\.\d+)*|[a-zđ])[.)]\s+")
_NUMBERISH = re.compile(r"^[\d.,/%\s]+$")
_SYLLABLE = re.compile(r"\w+")
_SENTENCE_GAP = re.compile(r"[.!?](?=\s)")
_CLOSED_PARENS = re.compile(r"\([^()]*\)")
_ABBREVIATION = re.compile(r"[A-ZĐ]{3,}")  # "CCHC", "TTHC": one token, several words



@cache
def _trim_pattern() -> re.Pattern[str]:
    vocab = cues()
    phrases = set(vocab.label_trim)
    for words_ in vocab.qualifiers.values():
        phrases |= set(words_)
    alternation = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"^(?:(?:{alternation})(?!\w)[\s,:]*)+|(?:(?<!\w)(?:{alternation})[\s,:]*)+$",
                      re.IGNORECASE)


@cache
def _weak() -> frozenset[str]:
    """Phrases that alone say nothing of what is measured: units, levels, cue words."""
    vocab = cues()
    return frozenset(p.lower() for p in [*vocab.units, *vocab.score_units, *vocab.subject_prefixes,
                                          *vocab.rank_cues, *vocab.generic_labels])


@cache
def _weak_re() -> re.Pattern[str]:
    alternation = "|".join(re.escape(p) for p in sorted(_weak(), key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternation})(?!\w)", re.IGNORECASE)


def _substantive(label: str) -> bool:
    """Something is left once units, levels, cue words and named places are taken out."""
    from baocao.extractor.context import is_named_subject
    rest = PERIOD_RE.sub(" ", _weak_re().sub(" ", label))  # "Năm 2024, tỉnh" names no measure
    weight = sum(2 if _ABBREVIATION.fullmatch(w) else 1 for w in _SYLLABLE.findall(rest))
    return weight >= 2 and not is_named_subject(label) \
        and not is_named_subject(trim(label))


@cache
def _reference_re() -> re.Pattern[str]:
    from baocao.extractor.meta import layout
    words_ = "|".join(re.escape(w) for w in layout().legal_doc_words)
    return re.compile(rf"(?:{words_})\s+(?:số\s+)?\d+(?:/[\w.-]+)+(?:\s[A-ZĐ]{{2,}}[\w-]*)?\s*$",
                      re.IGNORECASE)


@cache
def _range_join() -> re.Pattern[str]:
    return re.compile(rf"\s*(?:{words_re('range_joins')}|-|–)\s*"
                      rf"(?:{words_re('range_bounds', 'date_word')})?\s*", re.IGNORECASE)


@cache
def _unit_start_re() -> re.Pattern[str]:
    alt = "|".join(re.escape(w) for w in sorted(cues().units, key=len, reverse=True))
    return re.compile(rf"(?:{alt})(?!\w)", re.IGNORECASE)


@cache
def _head_re() -> re.Pattern[str]:
    stops = alternation([*cues().head_stops, *cues().label_trim, *cues().predicate_markers,
                         *cues().breakdown_cues])
    word = rf"(?!(?:{stops})(?!\w))[^\W\d][\w-]*"
    return re.compile(rf"\s((?:{word})(?:\s+(?:{word}))*)")


@cache
def _rank_tail_re() -> re.Pattern[str]:
    cue = alternation([*cues().rank_cues, *cues().connectors["ordinal"]])
    return re.compile(rf"(?:\s*(?:{cue}|{words_re('ordinal')}|vị trí|đứng|xếp))+\s*$", re.IGNORECASE)


@cache
def _share_gap_re() -> re.Pattern[str]:
    """Between a count and its share: its unit and words, then a share cue ("hồ sơ, chiếm đến")."""
    return re.compile(rf"[^;.\d]*(?:{alternation(cues().share_cues)})(?:\s+\w+)?\s*\(?\s*", re.IGNORECASE)


@cache
def _place_only_re() -> re.Pattern[str]:
    """A label that names only where ("Ở địa phương đạt", "ở bộ, ngành đạt"): a place word after
    a locative, and the verb."""
    places = alternation([*cues().units, *cues().subject_prefixes])
    return re.compile(rf"(?:{words_re('locatives')})\s+(?:{places})(?:,\s*(?:{places}))*"
                      rf"(?:\s+(?:{alternation(cues().label_trim)}))*", re.IGNORECASE)


def _named_in(head: str, label: str) -> bool:
    """The head phrase, or the counted noun it is made of under another name ("TTHC" for "thủ
    tục"), already stands in the label."""
    head, label = _folded(head), _folded(label)
    if head in label:
        return True
    family = next((names for members, names in _unit_families() if head in members), None)
    return family is not None and any(name.search(label) for name in family)


@cache
def _unit_families() -> list[tuple[frozenset[str], list[re.Pattern[str]]]]:
    """Each family of ``unit_families``: its units folded, and a whole-word pattern for each."""
    return [(frozenset(_folded(u) for u in family),
             [re.compile(rf"(?<!\w){re.escape(_folded(u))}(?!\w)") for u in family])
            for family in cues().unit_families]


def _folded(s: str) -> str:
    return " ".join(s.lower().split())


@cache
def _breakdown_re() -> re.Pattern[str]:
    alt = "|".join(re.escape(w) for w in sorted(cues().breakdown_cues, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alt})(?!\w)", re.IGNORECASE)


@cache
def _body_re() -> re.Pattern[str]:
    return re.compile(rf"(?:{alternation(cues().body_heads)})(?!\w)", re.IGNORECASE)


def names_body(label: str) -> bool:
    """A label that only names who ("Bộ phận một cửa cấp huyện", "cấp tỉnh", "Sở Tư pháp"), not
    what is measured: a breakdown part named so measures what its total does."""
    from baocao.extractor.context import is_named_subject, named_prefix

    label = trim(label)
    if not label:
        return False
    if is_named_subject(label):
        return True
    name = named_prefix(label)
    if name is not None:   # "Sở Giao thông Vận tải có tổng số điểm": who, then what is measured
        return len(_SYLLABLE.findall(trim(label[len(name):]))) < 2
    return _body_re().match(label) is not None


@cache
def _after_unit_end_re() -> re.Pattern[str]:
    """Where the words after a unit stop: a comma, or a breakdown cue ("trong đó")."""
    return re.compile(rf",\s|\s(?:{alternation(cues().breakdown_cues)})\s", re.IGNORECASE)


@cache
def _generic() -> frozenset[str]:
    vocab = cues()
    return frozenset(p.lower() for p in
                     [*vocab.generic_titles, *vocab.generic_labels, *vocab.rank_cues, *vocab.label_trim])


_TRIMMED = document_memo()


def trim(phrase: str) -> str:
    """Strip markup, cue words and verbs from both ends of a label phrase (the labeller trims
    the same clause for every figure in it: answers are remembered for the document)."""
    got = _TRIMMED.get(phrase)
    if got is None:
        got = _TRIMMED[phrase] = _trim(phrase)
    return got


def _trim(phrase: str) -> str:
    phrase = _MARKUP.sub("", phrase.strip(" ,:;-–"))
    prev = None
    while prev != phrase:
        prev = phrase
        phrase = _trim_pattern().sub("", phrase).strip(" ,:;-–*")
    return phrase


def _useful(label: str) -> bool:
    low = label.lower()
    return bool(label) and low not in _generic() and low not in _weak() \
        and not _NUMBERISH.match(label) and len(_SYLLABLE.findall(label)) >= 2 \
        and not PERIOD_RE.fullmatch(label)


def _cap_words(phrase: str) -> str:
    """Keep the first MAX_WORDS words of a long phrase, cut at a word boundary.

    A Vietnamese clause names what it measures first ("cập nhật công khai trên Cơ sở dữ liệu
    quốc gia và liên kết ..."); the words nearest the figure are usually complements.
    """
    if len(phrase.split()) <= MAX_WORDS:
        return phrase
    kept = [w for w in words(phrase) if re.search(r"\w", w)][:MAX_WORDS]
    n_syllables = sum(len(_SYLLABLE.findall(w)) for w in kept)
    syllables = list(_SYLLABLE.finditer(phrase))
    return phrase[:syllables[n_syllables - 1].end()] if 0 < n_syllables <= len(syllables) else phrase


_ABBREVIATION_IN_PARENS = re.compile(r"\(([A-ZĐ][A-ZĐ0-9&]{1,9})\)")


def _asides_out(text: str) -> str:
    """The text without its parenthesised asides; an abbreviation in parentheses stays as a
    word ("Chỉ số chuyển đổi số (DTI) cấp tỉnh" -> "Chỉ số chuyển đổi số DTI cấp tỉnh"), one
    character kept for each removed, so offsets hold."""
    kept = _ABBREVIATION_IN_PARENS.sub(lambda m: f" {m.group(1)} ", text)
    return _CLOSED_PARENS.sub(lambda m: " " * len(m.group(0)), kept)


def _named_only(label: str) -> bool:
    """A label that is a named place or body and nothing else ("Trà Vinh", "tỉnh Hòa Bình")."""
    from baocao.extractor.context import is_named_subject
    return is_named_subject(label)


def _prose_cell(text: str) -> bool:
    """A cell that holds a sentence ("Nếu không tính 688 tỷ đồng ..., tỷ lệ giải ngân của Bộ Tài
    chính là 31,3%" in a Ghi chú column): its figures are labelled by their clause, as in prose."""
    return len(text) > 60 and len(text.split()) >= 10


def _digits_at(s: str) -> int:
    m = re.search(r"\d", s)
    return m.start() if m else 0


def _clause_before(text: str, lo: int, pos: int) -> str:
    left = _asides_out(text[lo:pos])  # "(mức độ 4)", "(tính đến ...)" are asides
    cut = None
    for cut in _STRONG_BREAK.finditer(left):
        pass
    if cut is not None:
        left = left[cut.end():]
    parts = [p for p in left.split(":")]
    if len(parts) > 1 and _narrates(parts[-1]):
        topic = trim(parts[-2])  # "Chỉ số X, Y: năm 2023, tỉnh Z ... dẫn đầu top 5": the measure
        if _useful(topic) and _substantive(topic):
            return topic
    for part in reversed(parts):
        raw = _comma_segment(part)
        phrase = trim(raw)
        if _useful(phrase) and _substantive(phrase):
            return phrase
        light = _light_trim(raw)  # "số điểm chưa đạt là" keeps what it says was not reached
        if light != phrase and _useful(light) and _substantive(light):
            return light
    return ""


def _narrates(clause: str) -> bool:
    """A clause that opens with a period and then names who ("năm 2023, tỉnh Bình Thuận ..."):
    it tells a story about a subject; the measure is the topic before its colon."""
    from baocao.extractor.context import is_named_subject
    head, _, rest = clause.strip().partition(",")
    if not rest or not PERIOD_RE.fullmatch(head.strip()):
        return False
    words_ = rest.split()
    return any(is_named_subject(" ".join(words_[:n])) for n in range(2, min(6, len(words_)) + 1))


@cache
def _predicate_re() -> re.Pattern[str]:
    return re.compile(rf"\s(?:{alternation(cues().predicate_markers)})(?!\w)|\d", re.IGNORECASE)


def _clause_head(text: str, lo: int, pos: int) -> str:
    """The subject of the clause ending at ``pos``: its words up to where the predicate starts
    (an aspect or negation adverb, or a figure), without a leading period; "" when the clause
    opens with a figure (then the figure's own label says more)."""
    clause = _asides_out(text[lo:pos])
    breaks = [m for m in _STRONG_BREAK.finditer(clause) if not _joins_words(clause, m)]
    colon = clause.rfind(":")
    start = max(breaks[-1].end() if breaks else 0, colon + 1)
    head = _MARKUP.sub("", clause[start:].strip())
    head = PERIOD_RE.sub(" ", head, count=1) if PERIOD_RE.match(head) else head
    predicate = _predicate_re().search(head, 1)
    while predicate and len(_SYLLABLE.findall(head[:predicate.start()])) < 2:
        predicate = _predicate_re().search(head, predicate.end())
    phrase = trim(head[:predicate.start()] if predicate else head)
    if re.search(r"\d", phrase):
        return ""
    return _cap_words(phrase) if _useful(phrase) and _substantive(phrase) else ""


def _joins_words(text: str, m: re.Match[str]) -> bool:
    """A dash between two lower-case words joins them ("kinh tế - xã hội"); elsewhere it breaks."""
    if m.group().strip() not in "-–" or m.start() == 0 or m.end() >= len(text):
        return False
    return text[m.start() - 1].islower() and text[m.end()].islower()


def _light_trim(phrase: str) -> str:
    """Only connectors at the start and a copula at the end: "đến nay đã đạt" → "đã đạt"."""
    phrase = _MARKUP.sub("", phrase.strip(" ,:;-–"))
    phrase = re.sub(rf"^(?:(?:{words_re('label_leaders')})\s+)+", "", phrase, flags=re.IGNORECASE)
    return _light_tail_re().sub("", phrase).strip(" ,:")


@cache
def _light_tail_re() -> re.Pattern[str]:
    """Copulas and qualifier cues at a label's end: "đơn vị có trên" [02 hồ sơ] is not a name."""
    quals = alternation([w for q, ws in cues().qualifiers.items() for w in ws
                         if q.value in ("more_than", "less_than", "about")])  # not "tối đa"
    return re.compile(rf"(?:\s+(?:{words_re('label_copulas')}|{quals}))+$", re.IGNORECASE)


def _comma_segment(part: str) -> str:
    """The comma-list item nearest the figure, grown backwards one item at a time until it
    names something ("..., cập nhật công khai trên Cơ sở dữ liệu, các cơ quan, địa phương với
    1.836 TTHC": "địa phương" alone is a complement of the clause before it)."""
    segments = part.split(",")
    if len(segments) > 1 and not _SYLLABLE.search(segments[-1]):
        return ""  # the figure opens its item ("..., 35 điểm thuộc ..."): the words before are another's
    # The whole part (n == len(segments)) is what the loop would return whether or not it
    # passed, so it is not tested; ``_substantive`` (regexes) comes before ``words`` (a word
    # segmentation), the dearer of two pure tests.
    for n in range(1, len(segments)):
        phrase = ",".join(segments[-n:])
        trimmed = trim(phrase)
        if trimmed and (n == 1 or _substantive(trimmed)) and len(words(trimmed)) >= 2:
            return phrase
    return part


class Labeller:
    """Attaches labels to the drafts of one document, in text order."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.text = doc.text

    def label(self, drafts: list[Draft]) -> list[str | None]:
        out: list[str | None] = []
        prev_end = 0
        prev: tuple[Draft, str | None] | None = None
        self._done: list[tuple[Draft, str | None]] = []
        # the same, per block: the lookups that only want figures of one block read these
        # instead of all the figures before (quadratic in a long report's figures)
        self._in_block: defaultdict[int, list[tuple[Draft, str | None]]] = defaultdict(list)
        for d in drafts:
            label = self._one(d, prev_end, prev)
            out.append(label)
            self._done.append((d, label))
            self._in_block[d.candidate.block.id].append((d, label))
            prev_end = d.end
            prev = (d, label)
        return out

    def _one(self, d: Draft, prev_end: int, prev: tuple[Draft, str | None] | None) -> str | None:
        if d.cell is None and d.kind is FactKind.percentage:
            shared = self._share_of_previous(d, prev)
            if shared:
                return shared   # "634 hồ sơ quá hạn, chiếm 3,6%": the share of what was just counted
        if d.cell is None and d.kind is not FactKind.date and d.kind is not FactKind.deadline:
            restated = self._restated(d, prev) or self._keyed_item(d, prev)
            if restated:
                return restated
        label = self._context_label(d, prev_end, prev)
        if d.cell is not None or d.kind in (FactKind.date, FactKind.deadline):
            return label
        if d.kind is FactKind.rank:
            scored = self._rank_of_score(d, prev)
            if scored:
                return scored   # "xã hội số đạt 0,5991 điểm, xếp thứ 26": the rank of that score
            label = (_rank_tail_re().sub("", label).strip(" ,:") if label else "") or \
                self._ranked(d, prev)   # "... xếp vị trí thứ": who or what is ranked
            if label and _named_only(label):
                label = self._before_subject(d, label) or label
        elif label and _place_only_re().fullmatch(label):
            label = self._colon_topic(d) or label   # "cụ thể: Ở địa phương đạt 47,8%"
        head = self._head_phrase(d) if d.kind in (FactKind.count, FactKind.percentage) else None
        if head and not (label and _named_in(head, label)):
            label = f"{head} – {label}" if label else head
        facet = self._sentence_facet(d, label) or self._facet_after(d, label)
        label = f"{label} – {facet}" if label and facet else (facet or label)
        against = self._measured_against(d) if d.kind is FactKind.percentage else None
        if against and label and against.lower() not in label.lower():
            label = f"{label} – so với {against}"   # "đạt 115,1% so dự toán": a share of the estimate
        word = d.extra.get("change_word")
        if d.change and word and label and not re.search(rf"(?<!\w){re.escape(word)}(?!\w)", label, re.IGNORECASE):
            label = f"{label} – {word}"   # "giảm 0,4 điểm phần trăm": a change says which way
        return label

    def _restated(self, d: Draft, prev: tuple[Draft, str | None] | None) -> str | None:
        """A figure in the parenthesis right after another says the same thing another way
        ("khoa cận lâm sàng là 24,6% (1.642 khoa)"), or gives the two levels of a change ("cơ
        sở công lập giảm 53 cơ sở (từ 1.772 xuống 1.719)"): it takes that figure's label, the
        change's word left out."""
        if prev is None or not prev[1] or prev[0].candidate.block.id != d.candidate.block.id:
            return None
        gap = self.text[prev[0].end:d.start]
        if prev[0].kind is FactKind.percentage and d.kind is FactKind.count and re.fullmatch(r"\s*\(\s*", gap):
            return prev[1]
        if re.search(rf"(?<!\w)(?:{words_re('compared_to')})(?:\s+(?:{words_re('level_words')}))?\s*$",
                     self.text[max(0, d.start - 30):d.start], re.IGNORECASE):
            # "tăng 1,7% ..., giảm hơn một nửa so với mức 3,8% của năm 2024": the same measure
            same = next(((p, lab) for p, lab in reversed(self._in_block[d.candidate.block.id])
                         if lab and p.kind is d.kind and p.unit == d.unit
                         and self._same_sentence(p, d)), None)
            if same is not None:
                w = same[0].extra.get("change_word")
                return re.sub(rf"(?:\s*–)?\s*{re.escape(w)}$", "", same[1], flags=re.IGNORECASE).strip() \
                    if w else same[1]
        word = prev[0].extra.get("change_word")
        if prev[0].change and word and re.fullmatch(
                rf"\s*(?:{re.escape(prev[0].unit or '')})?\s*\(\s*(?:{words_re('range_start')})?\s*", gap,
                re.IGNORECASE):
            return re.sub(rf"(?:\s*–)?\s*{re.escape(word)}$", "", prev[1], flags=re.IGNORECASE).strip() or None
        return None

    def _keyed_item(self, d: Draft, prev: tuple[Draft, str | None] | None) -> str | None:
        """An item of a list keyed by a facet ("Cơ sở KCB tuyến trung ương: 44, tuyến tỉnh: 564,
        tuyến huyện: 1.634"): the key, put in the place of its sibling's value in the label of
        the item before ("Cơ sở KCB tuyến tỉnh")."""
        from baocao.extractor.relations import facet_phrases, facets_of

        left = self.text[d.candidate.block.span[0]:d.start]
        colon = re.search(r":\s*$", left)
        if colon is None:
            return None
        body = _CLOSED_PARENS.sub(" ", left[:colon.start()])   # "(tương đương tuyến xã)": an aside
        cut = max((m.end() for m in re.finditer(r"[;(:.]|\d", body)), default=0)
        whole = body[cut:].strip(" ,")
        key = whole.split(",")[-1].strip()
        if not whole or len(whole) > 80:
            return None
        mine = [p for p in facet_phrases(key) if len(p.split()) >= 2]
        if not mine:
            return None   # a key without a facet ("Điểm ... công khai, minh bạch:"): the clause rules read it
        facet = set(facets_of(mine[-1]))
        if prev is not None and prev[1] and self._same_sentence(prev[0], d):
            for p in facet_phrases(prev[1]):
                if len(p.split()) >= 2 and set(facets_of(p)) & facet and p.lower() != mine[-1].lower():
                    return prev[1].replace(p, mine[-1])
        return _cap_words(key) if _useful(key) else None

    def _rank_of_score(self, d: Draft, prev: tuple[Draft, str | None] | None) -> str | None:
        if prev is None or not prev[1] or prev[0].kind is not FactKind.score or prev[0].change \
                or prev[0].candidate.block.id != d.candidate.block.id:
            return None
        gap = self.text[prev[0].end:d.start]
        return prev[1] if len(gap) <= 30 and not re.search(r"[\d;.:]", gap) and "," in gap else None

    def _before_subject(self, d: Draft, place: str) -> str | None:
        """What a place is ranked on, when the clause names only the place: the sentence's words
        before it ("Đánh giá mức độ chuyển đổi số năm 2022, Trà Vinh xếp hạng 25/63")."""
        block = d.candidate.block
        start = max((m.end() for m in _SENTENCE_GAP.finditer(self.text, block.span[0], d.start)),
                    default=block.span[0])
        at = self.text.find(place, start, d.start)
        if at <= start:
            return None
        before = trim(PERIOD_RE.sub(" ", self.text[start:at]).strip(" ,:"))
        return _cap_words(before) if before and _useful(before) and _substantive(before) else None

    def _ranked(self, d: Draft, prev: tuple[Draft, str | None] | None) -> str | None:
        """What a rank ranks: the name after it ("xếp vị trí thứ 2 là vùng Đông Nam Bộ"), the
        subject of its clause ("chỉ số PCI đạt 69,03 điểm xếp vị trí thứ 9"), or the label of
        the figure before it in its sentence."""
        after = re.match(rf"\s*(?:{words_re('label_copulas')})\s+([^,;.()\n]{{3,60}})", self.text[d.end:d.end + 70],
                         re.IGNORECASE)
        if after:
            return after.group(1).strip()
        block = d.candidate.block
        head = _clause_head(self.text, block.span[0], d.start)
        if head:
            return _rank_tail_re().sub("", head).strip(" ,:") or None
        if prev is not None and prev[1] and self._same_sentence(prev[0], d):
            return prev[1]
        return None

    def _colon_topic(self, d: Draft) -> str | None:
        """The topic a list after a colon is about: "tỷ lệ hồ sơ trực tuyến ... có sự cải thiện
        rõ rệt, cụ thể: Ở địa phương đạt 47,8%"."""
        block = d.candidate.block
        colon = self.text.rfind(":", block.span[0], d.start)
        if colon < 0:
            return None
        start = max((m.end() for m in _SENTENCE_GAP.finditer(self.text, block.span[0], colon)),
                    default=block.span[0])
        topic = trim(re.split(r",\s*(?:cụ thể|như sau)", self.text[start:colon])[0])
        return _cap_words(topic) if topic and _useful(topic) else None

    def _share_of_previous(self, d: Draft, prev: tuple[Draft, str | None] | None) -> str | None:
        if prev is None or prev[0].kind is not FactKind.count or not prev[1] \
                or prev[0].candidate.block.id != d.candidate.block.id:
            return None
        gap = self.text[prev[0].end:d.start]
        if len(gap) > 60 or re.search(r"[;.\d]", gap):
            return None
        return prev[1] if _share_gap_re().fullmatch(gap) else None

    def _sentence_facet(self, d: Draft, label: str | None) -> str | None:
        """A facet the figure's sentence opens with ("Về hồ sơ trực tuyến, trong quý, ... tiếp
        nhận 581 hồ sơ") that its label lacks: the word that tells this figure from its
        neighbours. Only the sentence's opening phrase, up to its first comma, counts."""
        from baocao.extractor.relations import facet_phrases

        block = d.candidate.block
        start = max((m.end() for m in _SENTENCE_GAP.finditer(self.text, block.span[0], d.start)),
                    default=block.span[0])
        opening = self.text[start:d.start].split(",")[0]
        if len(opening) >= d.start - start:
            return None   # no comma: the figure's own clause, whose words the label already weighs
        found = [p for p in facet_phrases(opening) if len(p.split()) >= 2]   # "trực tuyến", not "mới"
        if not found or (label and facet_phrases(label)):
            return None
        return found[-1]

    def _measured_against(self, d: Draft) -> str | None:
        """What a percentage is measured against, named right after it ("115,1% so dự toán",
        "tăng 14,04% so với dự toán"); a period ("so với năm 2023", "cùng kỳ") is not a whole."""
        m = re.match(rf"\s*%?\s*(?:{words_re('compared_to')})\s+([^\W\d][^,;.()\n\d]{{1,40}})",
                     self.text[d.end:d.end + 60], re.IGNORECASE)
        if m is None:
            return None
        phrase = re.split(rf"\s(?:{alternation(cues().head_stops)})(?!\w)", " " + m.group(1).strip(),
                          flags=re.IGNORECASE)[0].strip()
        phrase = " ".join(phrase.split()[:4])
        if not phrase or PERIOD_RE.match(phrase) or re.match(rf"(?:{words_re('period_heads')})(?!\w)", phrase, re.I):
            return None
        return phrase

    def _facet_after(self, d: Draft, label: str | None) -> str | None:
        """A facet named in the figure's own clause after it ("4.186 hồ sơ được trả kết quả
        trước và đúng hạn") that its label lacks: what tells it from its neighbours."""
        from baocao.extractor.relations import facet_phrases

        clause = re.split(r"[,;.(:\n]", self.text[d.end:d.end + 80])[0]
        found = [p for p in facet_phrases(clause) if len(p.split()) >= 2]
        if not found or (label and [p for p in facet_phrases(label) if len(p.split()) >= 2]):
            return None
        return found[0]

    def _head_phrase(self, d: Draft) -> str | None:
        """The noun phrase right after the figure: its counted thing and what qualifies it
        ("4.510 dịch vụ công trực tuyến trên ...", "115,1% dự toán", "152 Điều"), up to a
        preposition, a verb, punctuation or the next figure (``head_stops`` of cues.yaml)."""
        rest = self.text[d.end:d.end + 80]
        if d.kind is FactKind.percentage:
            rest = re.sub(r"^\s*%", "", rest)
        m = _head_re().match(rest)
        if m is None:
            return None
        phrase = m.group(1).strip()
        if not phrase or _NUMBERISH.match(phrase):
            return None
        return " ".join(phrase.split()[:6])

    def _context_label(self, d: Draft, prev_end: int, prev: tuple[Draft, str | None] | None) -> str | None:
        block = d.candidate.block
        lo = max(block.span[0], prev_end if prev_end <= d.start else block.span[0])
        if d.cell is not None:
            lo = max(lo, d.cell.span[0])
        if d.kind in (FactKind.date, FactKind.deadline):
            return self._date_label(d, lo)
        if d.table is not None and d.table.label:
            return d.table.label
        if d.cell is not None and block.table is not None and not _prose_cell(d.cell.text):
            return self._row_label(d, block) or self._section_title(d.start)
        if d.kind is FactKind.percentage:
            after = self._after_unit(d, units_only=True)
            if after and _substantive(after):
                return _cap_words(after)  # "đạt 89,4% hồ sơ giải quyết đúng hạn"
        part_start = self._part_start(lo, d.start)
        label = _clause_before(self.text, part_start, d.start)
        if label and not names_body(label):
            return _cap_words(label)
        found = self._as_part(d, lo, part_start) or self._from_neighbours(d, lo)
        if found or label:
            return found or _cap_words(label)  # who, not what: last resort
        after = self._after_unit(d) if d.unit else None   # "07 Bộ (Xây dựng, ...)": the counted noun
        if after:
            after = re.split(r"\s+\S*\d", after)[0]        # not into the next figure's words
            after = re.sub(rf"(?:\s+(?:{words_re('list_and')}))+$", "", after, flags=re.IGNORECASE)
        return _cap_words(after) if after else d.unit

    def _as_part(self, d: Draft, lo: int, part_start: int) -> str | None:
        """A figure with no words of its own: the end of a range, or a part of a breakdown."""
        if self._done and self._done[-1][1] and \
                _range_join().fullmatch(self.text[self._done[-1][0].end:d.start]):
            return self._done[-1][1]  # the upper end of a range measures what the lower end does
        part = self._part_label(d)
        if part:
            return part
        if part_start > lo:
            label = _clause_before(self.text, lo, part_start)
            if label:
                return _cap_words(label)
        return None

    def _from_neighbours(self, d: Draft, lo: int) -> str | None:
        """Words elsewhere: the clause a parenthesis comments on, the sentence's other figures,
        a quoted name, the enclosing section."""
        block = d.candidate.block
        opening = self._open_paren(d)
        if opening is not None and not self._notes_figure(d):
            noted = _clause_head(self.text, block.span[0], opening)
            if noted:
                return noted  # "Việc số hoá hồ sơ mới chỉ ... (không đạt 2,5 điểm)"
        same = [(p, lab) for p, lab in reversed(self._done[-6:])
                if lab and self._same_sentence(p, d)]
        same.sort(key=lambda pl: pl[0].kind is not d.kind)  # a rank takes a rank's label first
        if same:
            return same[0][1]
        return self._quoted(block, d.start) or self._before_parenthesis(d, lo) \
            or self._section_title(d.start) or self._block_neighbour(d)

    def _block_neighbour(self, d: Draft) -> str | None:
        """Last resort: the nearest labelled figure of the same paragraph, same kind first
        ("(Năm 2022: đạt 49,1/100 điểm, ...)" after the sentence that names the measure)."""
        mine = [(p, lab) for p, lab in reversed(self._in_block[d.candidate.block.id]) if lab]
        mine.sort(key=lambda pl: pl[0].kind is not d.kind)
        return mine[0][1] if mine else None

    def _part_start(self, lo: int, pos: int) -> int:
        """Where a breakdown part's own words start: after the last "trong đó", "gồm" before it
        ("..., trong đó 01 nhiệm vụ đã hoàn thành": the words before the cue are the total's)."""
        found = list(_breakdown_re().finditer(self.text, lo, pos))
        if not found or not self._total_before(found[-1].start(), lo):
            return lo  # "gồm 40 TTHC": no total before the cue, so it is a verb, not a breakdown
        return found[-1].end()

    def _total_before(self, anchor: int, floor: int) -> bool:
        """The last figure before ``anchor`` stands in the same sentence (and block)."""
        if not self._done:
            return False
        prev = self._done[-1][0]
        return prev.candidate.block.span[0] <= floor < prev.candidate.block.span[1] \
            and prev.end <= anchor \
            and not _SENTENCE_GAP.search(self.text, prev.end, anchor) \
            and ";" not in self.text[prev.end:anchor]

    def _part_label(self, d: Draft) -> str | None:
        """A figure with no words of its own on the left is named by the words after its unit
        ("23 PAKN trong hạn", "10 điểm thuộc cấp tỉnh đánh giá"), else by its total."""
        if d.kind in (FactKind.count, FactKind.score):
            after = self._after_unit(d)
            if after and _substantive(after) and not names_body(after[len(d.unit or ""):]):
                return _cap_words(after)  # "02 TTHC của Sở Tư pháp" names whose, not what
        return self._from_total(d)

    def _from_total(self, d: Draft) -> str | None:
        """A part named only by its level ("cấp tỉnh có 03 đơn vị") measures what its total does:
        the total is the last figure of its kind before the breakdown cue (or the footnote marker),
        or the figure a parenthesis opens right after ("36 thủ tục (cấp tỉnh 33, cấp huyện 03)")."""
        in_parens = self._parenthesis_total(d)
        if in_parens is not None:
            return in_parens
        block = d.candidate.block
        if block.footnote is not None:
            note = next((n for n in self.doc.footnotes if n.label == block.footnote), None)
            if note is None or not note.markers:
                return None
            anchor, home = note.markers[0][0], self.doc.block_at(note.markers[0][0])
        else:
            cues_ = list(_breakdown_re().finditer(self.text, block.span[0], d.start))
            if not cues_:
                return None
            anchor, home = cues_[-1].start(), block
        if home is None:
            return None
        for prev, label in reversed(self._in_block[home.id]):
            if prev.end > anchor:
                continue
            if _SENTENCE_GAP.search(self.text, prev.end, anchor) or anchor - prev.end > 150:
                return None
            if prev.kind is d.kind and label and (prev.unit == d.unit or d.kind is FactKind.score
                                                  or block.footnote is not None):
                return label
        return None

    def _parenthesis_total(self, d: Draft) -> str | None:
        opening = self._open_paren(d)
        if opening is None:
            return None
        for prev, label in reversed(self._done):
            if prev.end > opening:
                continue
            gap = self.text[prev.end:opening].strip().lower()
            same = prev.kind is d.kind and (prev.unit or "").lower() == (d.unit or "").lower()
            return label if same and label and (not gap or gap == (prev.unit or "").lower()) else None
        return None

    def _open_paren(self, d: Draft) -> int | None:
        """Where the parenthesis the figure sits in opens, if it is still open."""
        opening = self.text.rfind("(", d.candidate.block.span[0], d.start)
        if opening < 0 or ")" in self.text[opening:d.start]:
            return None
        return opening

    def _notes_figure(self, d: Draft) -> bool:
        """The parenthesis opens right after a figure (and its unit): "0,64 (xếp hạng 4 ...)"
        is a note on that figure, not on the clause."""
        opening = self._open_paren(d)
        prev = self._done[-1][0] if self._done else None
        if opening is None or prev is None or prev.end > opening \
                or prev.candidate.block.span[1] <= opening:
            return False
        gap = self.text[prev.end:opening].strip().lower()
        return not gap or gap == (prev.unit or "").lower()

    def _before_parenthesis(self, d: Draft, lo: int) -> str | None:
        """Last resort for a note in parentheses: the first comma item of the clause before it."""
        opening = self._open_paren(d)
        if opening is None:
            return None
        label = _clause_before(self.text, d.candidate.block.span[0], opening)
        return _cap_words(label.split(",")[0].strip()) if label else None

    def _date_label(self, d: Draft, lo: int) -> str | None:
        """The cited document ("Công văn số 566/VPUBND-HCQT"), the deadline's name or task,
        or the words before the date."""
        cue_start = d.extra.get("cue_start")
        if cue_start is not None:
            cue = self.text[int(cue_start):d.start + _digits_at(d.candidate.text)]
            cue = re.sub(rf"[\s(:]*(?:{words_re('date_word')})?[\s:]*$", "", cue,
                         flags=re.IGNORECASE).strip()
            if _substantive(cue) and len(_SYLLABLE.findall(cue)) >= 3:
                return cue  # "Hạn xử lý", "thời hạn hoàn thành": the deadline has a name
            task = _clause_before(self.text, lo, int(cue_start))
            return _cap_words(task) if task else cue or None
        left = self.text[lo:d.start].rstrip()
        ref = _reference_re().search(left)
        if ref:
            return ref.group(0).strip()
        label = _clause_before(self.text, lo, d.start)
        if label:
            return " ".join(label.split()[-6:])
        if self._done and _range_join().fullmatch(self.text[self._done[-1][0].end:d.start]):
            return self._done[-1][1]  # the end of "từ ngày X đến ngày Y" is labelled like X
        after = re.match(r"[\s,]*([^.;:()\n|]{3,80})", self.text[d.end:d.end + 90])
        return " ".join(after.group(1).split()[:6]) if after else None

    def _after_unit(self, d: Draft, units_only: bool = False) -> str | None:
        """For a count with a thin left side, the unit and the words after it; for a percentage
        (``units_only``), the counted thing it is a share of when a unit follows it."""
        m = re.match(r" ?([^.;:()\[\]\n|]{3,80})", self.text[d.end:d.end + 90])
        if m is None:
            return None
        if units_only and not _unit_start_re().match(m.group(1)):
            return None
        phrase = _after_unit_end_re().split(m.group(1))[0].strip()
        phrase = re.sub(rf"\s+(?:{words_re('list_and')})\s+\d.*$", "", phrase)  # "... và 17": the next item
        return phrase if len(_SYLLABLE.findall(phrase)) >= 2 else None

    def _row_label(self, d: Draft, block: Block) -> str | None:
        assert d.cell is not None and block.table is not None
        for cell in sorted(block.table.cells, key=lambda c: c.col):
            name = _MARKUP.sub("", cell.text).strip()
            if cell.row == d.cell.row and cell.col < d.cell.col and \
                    len(_SYLLABLE.findall(name)) >= 1 and not _NUMBERISH.match(name):
                return name
        return None

    def _quoted(self, block: Block, pos: int) -> str | None:
        found = list(_QUOTED.finditer(self.text, block.span[0], pos))
        if not found and block.id > 0:
            before = self.doc.blocks[block.id - 1]
            if self.text[before.span[0]:before.span[1]].rstrip().endswith(":"):
                found = list(_QUOTED.finditer(self.text, *before.span))
        return found[-1].group(1).strip() if found else None

    def _same_sentence(self, a: Draft, b: Draft) -> bool:
        if a.candidate.block.id != b.candidate.block.id:
            return False
        return not re.search(r"[.;](?:\s|$)", self.text[a.end:b.start])

    def _section_title(self, pos: int) -> str | None:
        for section in reversed(self.doc.sections_at(pos)):
            title = _QUOTED.search(section.title)
            candidate = title.group(1) if title else trim(section.title)
            if _useful(candidate):
                return _cap_words(candidate)
        return None
