from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from counties.models import PlacementOutcome
from tests import factories
from tests.coordinator.conftest import enrol


def completed(cohort):
    return enrol(cohort, status="completed", completed_at=timezone.now(), progress_percent=100)


def record_url(cohort, enrollment):
    return f"/counties/coordinator/cohorts/{cohort.pk}/placements/{enrollment.pk}/"


def test_coordinator_records_and_replaces_an_outcome(client, coordinator, cohort):
    enrollment = completed(cohort)
    client.force_login(coordinator)
    data = {
        "outcome": "employed",
        "outcome_date": timezone.localdate().isoformat(),
        "employer": "桐庐快递",
        "role": "客服",
        "wage_band": "4000_5999",
    }
    assert client.post(record_url(cohort, enrollment), data).status_code == 302
    client.post(record_url(cohort, enrollment), {**data, "outcome": "further_study", "employer": "x"})
    placement = PlacementOutcome.objects.get()
    assert (placement.outcome, placement.employer, placement.wage_band) == ("further_study", "", "")
    assert (placement.county, placement.cohort, placement.course, placement.recorded_by) == (
        cohort.county,
        cohort,
        cohort.course,
        coordinator,
    )


def test_employed_needs_an_employer_and_the_date_cannot_be_future(client, coordinator, cohort):
    enrollment = completed(cohort)
    client.force_login(coordinator)
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = client.post(record_url(cohort, enrollment), {"outcome": "employed", "outcome_date": tomorrow})
    assert set(response.context["form"].errors) == {"employer", "outcome_date"}


def test_only_completed_learners_get_an_outcome(client, coordinator, cohort):
    client.force_login(coordinator)
    assert client.get(record_url(cohort, enrol(cohort))).status_code == 404


def test_county_placement_rate(client, coordinator, cohort):
    today = timezone.localdate()
    outcomes = ["employed", "self_employed", "further_study", "seeking"]
    for outcome in outcomes:
        enrollment = completed(cohort)
        PlacementOutcome.objects.create(
            learner=enrollment.learner,
            county=cohort.county,
            cohort=cohort,
            course=cohort.course,
            outcome=outcome,
            outcome_date=today,
        )
    completed(cohort)  # no outcome recorded yet: counts as not placed
    client.force_login(coordinator)
    summary = client.get(f"/counties/coordinator/counties/{cohort.county_id}/placements/").context["summary"]
    assert (summary["completed"], summary["recorded"], summary["placed"], summary["rate"]) == (5, 4, 3, 60)
    assert summary["seeking"] == 1


def test_placement_export_is_neutralised(client, coordinator, cohort):
    enrollment = completed(cohort)
    PlacementOutcome.objects.create(
        learner=enrollment.learner,
        county=cohort.county,
        course=cohort.course,
        outcome="employed",
        employer="@SUM(A1)",
        outcome_date=timezone.localdate(),
    )
    client.force_login(coordinator)
    response = client.get(f"/counties/coordinator/counties/{cohort.county_id}/placements.csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[1][5] == "'@SUM(A1)"


def test_placement_list_shows_completed_learners_with_their_outcome(client, coordinator, cohort, county):
    done = completed(cohort)
    enrol(cohort)
    PlacementOutcome.objects.create(
        learner=done.learner,
        county=county,
        course=cohort.course,
        outcome="seeking",
        outcome_date=timezone.localdate(),
    )
    client.force_login(coordinator)
    [shown] = client.get(f"/counties/coordinator/cohorts/{cohort.pk}/placements/").context["page"]
    assert (shown.pk, shown.outcome) == (done.pk, "seeking")


def test_other_countys_placements_are_404(client, coordinator, other_county):
    factories.CohortFactory(county=other_county)
    client.force_login(coordinator)
    assert client.get(f"/counties/coordinator/counties/{other_county.code}/placements/").status_code == 404


def test_the_form_shows_an_employer_confirmed_source_and_warns_before_replacing_it(
    client, coordinator, cohort
):
    enrollment = completed(cohort)
    PlacementOutcome.objects.create(
        learner=enrollment.learner,
        course=cohort.course,
        cohort=cohort,
        county=cohort.county,
        outcome="employed",
        outcome_date=timezone.localdate(),
        employer="桐庐电商有限公司",
        source=PlacementOutcome.Source.EMPLOYER,
    )
    client.force_login(coordinator)
    page = client.get(record_url(cohort, enrollment)).content.decode()
    assert 'data-source="employer"' in page
    assert 'id="employer-confirmed-note"' in page


def test_a_learner_has_one_outcome_without_a_course(coordinator, cohort):
    enrollment = completed(cohort)
    fields = {
        "learner": enrollment.learner,
        "county": cohort.county,
        "outcome": "employed",
        "outcome_date": timezone.localdate(),
    }
    PlacementOutcome.objects.create(course=None, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        PlacementOutcome.objects.create(course=None, **fields)
