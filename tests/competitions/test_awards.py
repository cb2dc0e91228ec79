"""Prizes by rank bands, award certificates as PDF, their public verification, and an upheld
appeal moving a prize."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from competitions.models import Appeal, Award, Round
from competitions.selectors import learner_awards
from competitions.services import appeal_resolve, entry_register, round_results_rebuild
from tests.competitions.conftest import label, learner_in, make_round


@pytest.fixture
def ended(province_competition, county, task, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    round = make_round(
        province_competition,
        county=county,
        item_set=task,
        opens=-4,
        closes=2,
        prize_first_to=1,
        prize_second_to=2,
        prize_third_to=3,
    )
    entries = {}
    for name, percent in (("陈思远", 96), ("林晓雨", 92), ("周建华", 88), ("吴婷婷", 70)):
        learner = learner_in(county, name=name)
        entries[name] = entry_register(competition=province_competition, learner=learner)
        label(round, learner, percent=percent, seconds=300, minutes_ago=60)
    Round.objects.filter(pk=round.pk).update(closes_at=timezone.now() - timedelta(minutes=5))
    round.refresh_from_db()
    round_results_rebuild(round=round)
    return round, entries


def test_prizes_by_rank_band_with_verifiable_pdf_certificates(
    client, ended, coordinator, django_capture_on_commit_callbacks
):
    round, entries = ended
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):  # the PDFs are rendered after commit
        client.post(reverse("competitions:round_awards", args=[round.pk]))
        client.post(reverse("competitions:round_awards", args=[round.pk]))  # again: the same awards
    awards = {award.entry_id: award for award in Award.objects.all()}
    assert {entry_id: (a.prize, a.rank, a.status) for entry_id, a in awards.items()} == {
        entries["陈思远"].pk: ("first", 1, "issued"),
        entries["林晓雨"].pk: ("second", 2, "issued"),
        entries["周建华"].pk: ("third", 3, "issued"),
    }
    first = awards[entries["陈思远"].pk]
    with first.file.open("rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    client.logout()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("competitions:award_verify", args=[first.verification_code]))
    html = page.content.decode()
    assert page.status_code == 200 and "This award certificate is valid." in html
    assert "陈*远" in html and "陈思远" not in html and "First prize" in html
    assert client.get(reverse("competitions:award_verify", args=["NOSUCHCODE123"])).status_code == 404

    # The winner downloads their PDF; another learner cannot.
    client.force_login(entries["陈思远"].captain)
    mine = client.get(reverse("competitions:mine")).content.decode()
    assert f'data-award="{first.verification_code}"' in mine
    response = client.get(reverse("competitions:award_download", args=[first.verification_code]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    client.force_login(entries["吴婷婷"].captain)
    assert (
        client.get(reverse("competitions:award_download", args=[first.verification_code])).status_code == 404
    )


def test_an_upheld_appeal_moves_a_prize_and_revokes_the_lost_one(
    client, ended, staff, django_capture_on_commit_callbacks
):
    round, entries = ended
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):  # the PDFs are rendered after commit
        client.post(reverse("competitions:round_awards", args=[round.pk]))
    appeal = Appeal.objects.create(
        round=round, entry=entries["吴婷婷"], score="practical", reason="金标准有误"
    )
    with django_capture_on_commit_callbacks(execute=True):
        appeal_resolve(appeal=appeal, by=staff, uphold=True, corrected_percent=99, resolution="已复核")
    prizes = {award.entry_id: (award.prize, award.status) for award in Award.objects.all()}
    assert prizes[entries["吴婷婷"].pk] == ("first", "issued")
    assert prizes[entries["陈思远"].pk] == ("second", "issued")
    assert prizes[entries["周建华"].pk][1] == "revoked"
    revoked = Award.objects.get(entry=entries["周建华"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("competitions:award_verify", args=[revoked.verification_code])).content.decode()
    assert "This award was revoked" in page


def test_prizes_wait_for_the_end_of_the_round(client, province_competition, county, staff):
    round = make_round(province_competition, county=county, prize_first_to=1)
    client.force_login(staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(reverse("competitions:round_awards", args=[round.pk]), follow=True)
    assert "Prizes are granted once the round has ended." in [str(m) for m in response.context["messages"]]
    assert not Award.objects.exists()


def test_the_learners_evidence_reads_the_awards(
    ended, coordinator, client, django_capture_on_commit_callbacks
):
    round, entries = ended
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("competitions:round_awards", args=[round.pk]))
    evidence = learner_awards(entries["陈思远"].captain)
    assert [(row["prize"], row["rank"], row["place"]) for row in evidence] == [("first", 1, "桐庐县")]
    assert learner_awards(entries["吴婷婷"].captain) == []
