"""Word-level differences between two texts of a clause."""

import uuid

from tracker.textdiff import word_diff


def test_changed_words_are_marked_and_the_rest_kept():
    html = word_diff("Forces limited to 600,000 personnel.", "Forces limited to 800,000 personnel in peacetime.")
    assert html == "Forces limited to <del>600,000</del> <ins>800,000</ins> personnel <ins>in peacetime</ins>."


def test_reflowed_whitespace_is_not_a_difference():
    assert "<ins>" not in word_diff("one two\nthree", "one  two three")


def test_markup_in_either_text_is_escaped():
    html = word_diff("<b>old</b>", '<script>alert(1)</script>"><img src=x>')
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;" in html and "&quot;&gt;&lt;img src=x&gt;" in html


def test_the_difference_is_computed_once_per_pair_of_texts(monkeypatch):
    from tracker import textdiff

    probe = uuid.uuid4().hex  # unseen texts, even with a cache that outlives the test run
    calls = []
    real = textdiff._render
    monkeypatch.setattr(textdiff, "_render", lambda a, b: calls.append((a, b)) or real(a, b))
    first = word_diff(f"{probe} one two", f"{probe} one three")
    assert word_diff(f"{probe} one two", f"{probe} one three") == first
    assert len(calls) == 1
    word_diff(f"{probe} one two", f"{probe} one four")
    assert len(calls) == 2
