"""Pasting a version's numbered text: the parser's edge cases and the preview-then-confirm page."""

import pytest
from django.urls import reverse

from tests.factories import ClauseFactory, EditorFactory, PlanVersionFactory
from tracker.models import Clause
from tracker.services.paste import import_points, parse_points


def test_numbered_points_with_sub_points_are_read_in_order():
    parsed = parse_points("1. Sovereignty is confirmed.\n12. Reconstruction.\n12a. Frozen assets.\n12b) Oversight.")
    assert [p.number for p in parsed.points] == ["1", "12", "12a", "12b"]
    assert parsed.points[2].text == "Frozen assets."
    assert parsed.ok


def test_dotted_sub_points_are_points_but_a_number_opening_a_sentence_is_text():
    parsed = parse_points(
        "6. Guarantees.\n6.1 First part.\n6.2. Second part.\n7. Next:\n8.5 million people.\n8. Eight."
    )
    assert [(p.number, p.text) for p in parsed.points] == [
        ("6", "Guarantees."),
        ("6.1", "First part."),
        ("6.2", "Second part."),
        ("7", "Next: 8.5 million people."),
        ("8", "Eight."),
    ]
    assert parsed.ok


def test_a_point_running_over_several_lines_keeps_its_paragraphs_and_takes_a_short_first_line_as_heading():
    parsed = parse_points("1. Sovereignty\nUkraine's sovereignty\nwill be confirmed.\n\nA second paragraph.\n2. Next.")
    first = parsed.points[0]
    assert first.heading == "Sovereignty"
    assert first.text == "Ukraine's sovereignty will be confirmed.\n\nA second paragraph."
    assert parsed.points[1].heading == "Next"


def test_a_heading_before_a_colon_is_taken_and_long_first_sentences_are_shortened():
    parsed = parse_points(f"1. Non-aggression: Russia and Europe agree.\n2. {'word ' * 40}ends here.")
    assert parsed.points[0].heading == "Non-aggression"
    assert parsed.points[0].text == "Non-aggression: Russia and Europe agree."
    assert len(parsed.points[1].heading) <= 81 and parsed.points[1].heading.endswith("…")


def test_a_numbered_list_inside_a_point_stays_in_its_text_and_is_pointed_out():
    parsed = parse_points("3. Guarantees:\n1. first item\n2. second item\n4. Elections.")
    assert [p.number for p in parsed.points] == ["3", "4"]
    assert parsed.points[0].text == "Guarantees:\n1. first item\n2. second item"
    assert parsed.ok
    assert any("inside point 3" in note.message for note in parsed.notes)


def test_a_duplicate_number_is_an_error_naming_both_lines():
    parsed = parse_points("1. One.\n2. Two.\n2. Two again.")
    assert not parsed.ok
    assert [e.message for e in parsed.errors] == ["Point 2 appears twice (lines 2 and 3)."]


def test_numbers_out_of_order_and_points_without_text_are_errors():
    assert "out of order" in parse_points("1. a.\n5. b.\n3. c.").errors[0].message
    assert parse_points("1. a.\n2.\n3. c.").errors[0].message == "Point 2 has no text."
    assert not parse_points("No numbers here at all.").ok


def test_crlf_newlines_from_a_browser_read_like_plain_newlines():
    text = "Preamble\n1. Sovereignty\nIt is confirmed.\n\nMore.\n2. Next."
    plain, crlf = parse_points(text), parse_points(text.replace("\n", "\r\n"))
    assert [(p.number, p.heading, p.text) for p in crlf.points] == [(p.number, p.heading, p.text) for p in plain.points]
    assert "\r" not in crlf.points[0].text
    assert crlf.notes[-1].message == "Line 1 comes before the first numbered point and will be left out."


@pytest.mark.django_db
def test_importing_again_updates_matching_numbers_instead_of_duplicating_them():
    version = PlanVersionFactory(is_published=False)
    first = import_points(version, parse_points("1. One.\n2. Two."))
    assert len(first.created) == 2
    again = import_points(version, parse_points("1. One.\n2. Two, reworded.\n3. Three."))
    assert (len(again.created), len(again.updated), len(again.unchanged)) == (1, 1, 1)
    assert list(version.clauses.values_list("number", "text")) == [
        ("1", "One."),
        ("2", "Two, reworded."),
        ("3", "Three."),
    ]
    assert version.clauses.get(number="2").history.count() == 2


def _paste_url(version):
    return reverse("admin:tracker_planversion_paste", args=[version.pk])


TWENTY = "\r\n".join(f"{n}. Point {n} heading\r\nThe text of point {n}, as leaked." for n in range(1, 21))


@pytest.mark.django_db
def test_an_editor_pastes_a_text_sees_the_preview_and_saves_it_on_confirm(editor_client):
    version = PlanVersionFactory(is_published=False)
    preview = editor_client.post(_paste_url(version), {"text": TWENTY, "text_basis": "leaked", "check": "1"})
    assert preview.status_code == 200
    page = preview.content.decode()
    assert "20 points read from the text" in page and "Point 20 heading" in page
    assert not version.clauses.exists(), "nothing is saved before the editor confirms"
    response = editor_client.post(_paste_url(version), {"text": TWENTY, "text_basis": "leaked", "confirm": "1"})
    assert response.status_code == 302
    clauses = list(version.clauses.all())
    assert len(clauses) == 20
    assert clauses[19].heading == "Point 20 heading" and clauses[19].text == "The text of point 20, as leaked."
    assert all(not c.is_published and c.text_basis == "leaked" for c in clauses)
    assert clauses[0].history.latest().history_change_reason == "Pasted from the version's text"


@pytest.mark.django_db
def test_confirming_a_text_with_a_duplicate_number_saves_nothing_and_says_why(editor_client):
    version = PlanVersionFactory(is_published=False)
    ClauseFactory(version=version, number="1", heading="Kept as it was")
    text = "1. Changed.\r\n2. Two.\r\n2. Two again."
    response = editor_client.post(_paste_url(version), {"text": text, "text_basis": "leaked", "confirm": "1"})
    assert response.status_code == 200
    assert "Point 2 appears twice (lines 2 and 3)." in response.content.decode()
    assert list(version.clauses.values_list("number", "heading")) == [("1", "Kept as it was")]


@pytest.mark.django_db
def test_a_user_without_the_clause_permissions_cannot_paste(client):
    user = EditorFactory(editors_group=False)
    user.groups.clear()
    client.force_login(user)
    version = PlanVersionFactory()
    response = client.post(_paste_url(version), {"text": "1. One.", "text_basis": "leaked", "confirm": "1"})
    assert response.status_code == 403
    assert not Clause.objects.exists()
