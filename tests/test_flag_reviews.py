"""The editors' worklist of flags: marking one reviewed shows the note to readers until its figures change."""

import csv
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from tests import factories as f
from tracker import models
from tracker.selectors.flags import FAR_FROM_OFFICIAL, consistency_flags

K = models.FigureKind
WORKLIST = "/admin/tracker/flagreview/"
NOTE = "The MP counts reservists <b>too</b>; the ministry counts serving personnel only."


@pytest.fixture
def claim(db):
    indicator = f.IndicatorFactory(slug="ua-forces", name="Ukrainian armed forces personnel")
    official = f.FigureFactory(indicator=indicator, value=Decimal("800000"), kind=K.OFFICIAL, claimed_by="Ministry")
    figure = f.FigureFactory(indicator=indicator, value=Decimal("900000"), kind=K.CLAIM, claimed_by="An MP")
    return {"figure": figure, "official": official, "indicator": indicator}


def far_flag(figure):
    return next(flag for flag in consistency_flags() if flag.rule == FAR_FROM_OFFICIAL and flag.figure.pk == figure.pk)


def review(editor_client, figure, note=NOTE):
    key = far_flag(figure).key
    return editor_client.post(WORKLIST, {"key": key, "note": note}), key


def reader_views(client):
    page = client.get("/flags/").content.decode()
    indicator = client.get("/indicators/ua-forces/").content.decode()
    api = {item["figure"]: item for item in client.get("/api/v1/flags/?rule=far-from-official").json()["results"]}
    response = client.get("/flags/?format=csv&rule=far-from-official")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    return page, indicator, api, rows


def test_a_reviewed_flag_shows_the_editors_note_to_readers_everywhere(client, editor_client, editor, claim):
    page, indicator, api, rows = reader_views(client)
    assert "Reviewed by the editors" not in page and "Reviewed by the editors" not in indicator
    assert api[claim["figure"].pk]["reviewed"] is None and rows[0]["editors_note"] == ""

    response, key = review(editor_client, claim["figure"])
    assert response.status_code == 302
    stored = models.FlagReview.objects.get(key=key)
    assert (stored.reviewed_by, stored.rule, stored.figure, stored.other) == (
        editor,
        FAR_FROM_OFFICIAL,
        claim["figure"],
        claim["official"],
    )
    assert stored.history.get().history_user == editor  # who marked it, in the history

    page, indicator, api, rows = reader_views(client)
    escaped = "The MP counts reservists &lt;b&gt;too&lt;/b&gt;"
    for body in (page, indicator):
        assert "Reviewed by the editors</strong>" in body and escaped in body and "<b>too</b>" not in body
    assert api[claim["figure"].pk]["reviewed"] == {"reviewed_on": stored.reviewed_at.date().isoformat(), "note": NOTE}
    assert (rows[0]["editors_note"], rows[0]["reviewed_on"]) == (NOTE, stored.reviewed_at.date().isoformat())
    # The indicator's table marks the flagged figure and links to its flag.
    assert f'href="#flag-{key}"' in indicator


def test_a_long_list_of_flags_reads_the_reviews_and_slugs_whole_and_shows_the_same(
    client, editor_client, claim, monkeypatch
):
    from tracker.selectors import flags

    other = f.IndicatorFactory(slug="other-measure", name="Another measure")
    f.FigureFactory(indicator=other, value=Decimal("10"), kind=K.OFFICIAL, claimed_by="Agency")
    f.FigureFactory(indicator=other, value=Decimal("20"), kind=K.CLAIM, claimed_by="A blogger")
    f.FigureFactory(indicator=f.IndicatorFactory(slug="unflagged"), value=Decimal("5"))
    review(editor_client, claim["figure"])
    models.FlagReview.objects.create(  # a review of a flag these figures do not raise
        key=f"far-from-official-{claim['official'].pk}--",
        rule=FAR_FROM_OFFICIAL,
        figure=claim["official"],
        arithmetic="Gone.",
        note="Old.",
        reviewed_at=timezone.now(),
    )

    def download():
        response = client.get("/flags/?format=csv")
        return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))

    by_name = download()
    monkeypatch.setattr(flags, "NAMED_REVIEWS", 0)  # as for thousands of flags
    whole = download()
    assert whole == by_name
    assert {(row["indicator"], row["editors_note"]) for row in whole} == {("ua-forces", NOTE), ("other-measure", "")}


def test_a_flag_whose_figures_changed_after_review_needs_review_again(client, editor_client, claim):
    _, key = review(editor_client, claim["figure"])
    assert far_flag(claim["figure"]).review_state == "reviewed"
    claim["official"].value = Decimal("700000")  # the sum now reads otherwise
    claim["official"].save()
    flag = far_flag(claim["figure"])
    assert flag.key == key and flag.review_state == "needs review again" and flag.reviewed is None
    page, indicator, api, rows = reader_views(client)
    assert "Reviewed by the editors" not in page and "Reviewed by the editors" not in indicator
    assert api[claim["figure"].pk]["reviewed"] is None and rows[0]["editors_note"] == ""
    worklist = editor_client.get(WORKLIST + "?state=again").content.decode()
    assert f'id="flag-{key}"' in worklist and "When reviewed it read: 900,000 − 800,000" in worklist

    # Reviewed again: the same review renewed, its earlier version kept in the history.
    review(editor_client, claim["figure"], note="Checked again against the ministry's December count.")
    assert far_flag(claim["figure"]).review_state == "reviewed"
    stored = models.FlagReview.objects.get(key=key)
    assert [h.note for h in stored.history.order_by("history_date")] == [
        NOTE,
        "Checked again against the ministry's December count.",
    ]


def test_a_change_that_leaves_the_arithmetic_alone_keeps_the_review(editor_client, claim):
    review(editor_client, claim["figure"])
    claim["figure"].caveat = "As said on television."
    claim["figure"].save()
    assert far_flag(claim["figure"]).review_state == "reviewed"


def test_the_worklist_lists_flags_to_review_first_and_refuses_bad_posts(editor_client, claim):
    body = editor_client.get(WORKLIST).content.decode()
    assert "Far from the official figure" in body and "Not reviewed" in body and "Mark reviewed" in body
    before = models.FlagReview.objects.count()
    for data in ({"key": far_flag(claim["figure"]).key, "note": ""}, {"key": "flips-gap-1--", "note": "x"}):
        response = editor_client.post(WORKLIST, data, follow=True)
        assert response.status_code == 200
    assert models.FlagReview.objects.count() == before
    assert "no longer raised" in response.content.decode()


def test_anonymous_readers_and_editors_without_the_permission_cannot_review(client, claim, django_user_model):
    key = far_flag(claim["figure"]).key
    response = client.get(WORKLIST)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    response = client.post(WORKLIST, {"key": key, "note": "x"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    staff = django_user_model.objects.create_user("staff", password="pw-staff-only", is_staff=True)
    client.force_login(staff)
    assert client.get(WORKLIST).status_code == 403
    assert client.post(WORKLIST, {"key": key, "note": "x"}).status_code == 403
    assert not models.FlagReview.objects.exists()
