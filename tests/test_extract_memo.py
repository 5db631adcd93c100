"""Answers remembered for one document (extractor/memo.py): the same answers as computing them,
copies the caller may change, and nothing kept once the next document starts."""

from baocao.extractor import memo
from baocao.extractor.nlp import new_document
from baocao.extractor.relations import _facet_phrases, _facets_of, facet_phrases, facets_of

LABELS = ["Số hồ sơ giải quyết trước hạn", "hồ sơ đúng hạn và trước hạn cấp huyện",
          "dịch vụ công trực tuyến một phần", "Tổng số thủ tục", "không hài lòng", ""]


def test_remembered_answers_equal_fresh_ones_and_are_copies() -> None:
    new_document()
    for label in LABELS * 2:
        assert facets_of(label) == _facets_of(label)
        assert facet_phrases(label) == _facet_phrases(label)
    got = facets_of(LABELS[0])
    assert got["timeliness"] == {"early"}
    got["timeliness"].add("late")
    got["level"].add("district")
    phrases = facet_phrases(LABELS[1])
    phrases.append("x")
    assert facets_of(LABELS[0]) == {"timeliness": {"early"}}
    assert facet_phrases(LABELS[1]) == _facet_phrases(LABELS[1])


def test_a_new_document_forgets_every_answer() -> None:
    new_document()
    for label in LABELS:
        facets_of(label)
        facet_phrases(label)
    assert any(memo._MEMOS)
    new_document()
    assert not any(memo._MEMOS)


def test_trim_remembered_equals_trim_computed() -> None:
    from baocao.extractor.labels import _trim, trim

    new_document()
    phrases = ["- Tỷ lệ hồ sơ giải quyết đúng hạn đạt", "1. Số thủ tục hành chính là:", "", "  , ;"]
    for phrase in phrases * 2:
        assert trim(phrase) == _trim(phrase)
    assert trim(phrases[1]) == "Số thủ tục hành chính"
