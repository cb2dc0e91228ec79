"""A team whose captain's account is deleted (Entry.captain SET_NULL): no page prints "None",
and a member takes over as captain so the team can still be managed."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from competitions.models import Entry, EntryMember, RoundEntry
from tests.competitions.conftest import learner_in, make_round


def _team(client, competition, county):
    competition.kind = competition.Kind.TEAM
    competition.team_min, competition.team_max = 1, 3
    competition.save()
    captain, mate, invited = (learner_in(county, name=name) for name in ("队长甲", "队员乙", "受邀丙"))
    client.force_login(captain)
    client.post(reverse("competitions:register", args=[competition.pk]), {"team_name": "一队"})
    entry = Entry.objects.get(competition=competition)
    for person in (mate, invited):
        client.post(reverse("competitions:invite", args=[entry.pk]), {"who": person.email})
    client.force_login(mate)
    membership = EntryMember.objects.get(learner=mate)
    client.post(reverse("competitions:invitation_answer", args=[membership.pk]), {"answer": "accept"})
    return entry, captain, mate, invited


def test_a_deleted_captain_shows_as_such_and_a_member_takes_over(client, province_competition, county, staff):
    round = make_round(province_competition, county=county)
    entry, captain, mate, invited = _team(client, province_competition, county)
    # An entrant known only by their name (no team name) in the same round.
    alone = learner_in(county, name="独行丁")
    alone_entry = Entry.objects.create(competition=province_competition, captain=alone, county=county)
    RoundEntry.objects.create(round=round, entry=alone_entry)
    captain.delete()
    alone.delete()
    entry.refresh_from_db()
    assert entry.captain_id is None
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    # The invited learner's page names no one as "None".
    client.force_login(invited)
    mine = client.get(reverse("competitions:mine")).content.decode()
    assert "(account deleted) invites you" in mine and "None" not in mine
    # Neither does the manager's round page.
    client.force_login(staff)
    managed = client.get(reverse("competitions:manage_round", args=[round.pk]))
    assert managed.status_code == 200
    page = managed.content.decode()
    alone_row = page.split(f'data-entry="{alone_entry.pk}"')[1].split("</tr>")[0]
    assert "(account deleted)" in alone_row and ">None<" not in page

    # A member takes over; then they manage the team.
    client.force_login(mate)
    detail = client.get(reverse("competitions:detail", args=[province_competition.pk])).content.decode()
    take_over = reverse("competitions:captain_take_over", args=[entry.pk])
    assert 'id="no-captain"' in detail and f'action="{take_over}"' in detail
    client.post(take_over)
    entry.refresh_from_db()
    assert entry.captain_id == mate.pk
    late = learner_in(county, name="新队员")
    client.post(reverse("competitions:invite", args=[entry.pk]), {"who": late.email})
    assert EntryMember.objects.filter(entry=entry, learner=late, accepted_at__isnull=True).exists()
    detail = client.get(reverse("competitions:detail", args=[province_competition.pk])).content.decode()
    assert 'id="no-captain"' not in detail

    # Once there is a captain, nobody else takes over; an outsider's attempt is a 404.
    response = client.post(take_over, follow=True)
    assert "The team already has a captain." in [str(m) for m in response.context["messages"]]
    client.force_login(late)
    assert client.post(take_over).status_code == 404
    entry.refresh_from_db()
    assert entry.captain_id == mate.pk
