"""The consistency flags on the shipped dataset: the numbers readers asked about."""

from tracker import models
from tracker.selectors.flags import FAR_FROM_OFFICIAL, IMPLIED_RATE, flags_for_indicator


def test_the_400000_desertion_claim_is_flagged_against_the_official_311327(loaded):
    flags = [
        flag
        for flag in flags_for_indicator(models.Indicator.objects.get(slug="ua-awol-desertion-cases"))
        if flag.rule == FAR_FROM_OFFICIAL
    ]
    assert [(flag.figure.value, flag.other.value) for flag in flags] == [(400000, 311327)]
    assert flags[0].arithmetic.startswith("400,000 − 311,327 = 88,673: 28.5% above the official 311,327")
    assert "flagged beyond 10%" in flags[0].arithmetic


def test_21000_desertions_in_october_is_one_every_2_1_minutes(loaded):
    indicator = models.Indicator.objects.get(slug="ua-awol-desertion-cases-monthly")
    rates = [flag for flag in flags_for_indicator(indicator) if flag.rule == IMPLIED_RATE]
    lutsenko = next(flag for flag in rates if flag.figure.claimed_by.startswith("Ihor Lutsenko"))
    assert lutsenko.arithmetic == (
        "at least 21,000 in the 31 days from 1 Oct 2025 to 31 Oct 2025 is at least 677 a day: "
        "one every 2.1 minutes (44,640 minutes ÷ 21,000)."
    )
    # The official count of the same month agrees with the claim: no flag on its distance.
    assert not [flag for flag in flags_for_indicator(indicator) if flag.rule == FAR_FROM_OFFICIAL]


def test_the_indicator_page_and_the_list_show_the_shipped_flags(client, loaded):
    body = client.get("/indicators/ua-awol-desertion-cases/").content.decode()
    section = body[body.index('id="flags"') :]
    assert "400,000 − 311,327 = 88,673: 28.5% above the official 311,327" in section
    body = client.get("/flags/?rule=implied-rate&indicator=ua-awol-desertion-cases-monthly").content.decode()
    assert "one every 2.1 minutes (44,640 minutes ÷ 21,000)" in body
