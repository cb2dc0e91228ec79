from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from counties.models import Cohort
from enrollment.bulk import cohort_enrol_bulk
from enrollment.models import Enrollment
from enrollment.services import EnrollmentError, cohort_join
from tests import factories


def test_bulk_enrol_creates_active_enrolments_in_the_cohort(cohort):
    learners = factories.UserFactory.create_batch(3)
    result = cohort_enrol_bulk(cohort=cohort, learners=learners)
    assert result.created == {learner.pk for learner in learners}
    assert set(Enrollment.objects.values_list("cohort", "county", "status")) == {
        (cohort.pk, cohort.county_id, "active")
    }


def test_bulk_enrol_leaves_existing_enrolments_untouched(cohort):
    studying_alone = factories.EnrollmentFactory(course=cohort.course, progress_percent=40)
    withdrawn = factories.EnrollmentFactory(course=cohort.course, status="withdrawn")
    new = factories.UserFactory()
    result = cohort_enrol_bulk(cohort=cohort, learners=[studying_alone.learner, withdrawn.learner, new])
    assert result.created == {new.pk}
    assert set(result.existing) == {studying_alone.learner_id, withdrawn.learner_id}
    studying_alone.refresh_from_db()
    withdrawn.refresh_from_db()
    assert (studying_alone.cohort, studying_alone.progress_percent) == (None, 40)
    assert withdrawn.status == "withdrawn"
    again = cohort_enrol_bulk(cohort=cohort, learners=[new])
    assert again.created == set()


def test_bulk_enrol_refuses_all_when_they_do_not_fit(cohort):
    cohort.capacity = 2
    cohort.save()
    with pytest.raises(EnrollmentError) as error:
        cohort_enrol_bulk(cohort=cohort, learners=factories.UserFactory.create_batch(3))
    assert error.value.code == "full"
    assert not Enrollment.objects.exists()


def test_bulk_enrol_is_the_coordinators_approval(cohort):
    """A coordinator's list approves: active even where joining needs approval, and a listed
    learner's own waiting request to join this cohort is approved."""
    cohort.requires_approval = True
    cohort.save()
    waiting = factories.EnrollmentFactory(
        course=cohort.course, cohort=cohort, county=cohort.county, status="applied"
    )
    elsewhere = factories.EnrollmentFactory(course=cohort.course, status="applied")  # no cohort
    result = cohort_enrol_bulk(
        cohort=cohort, learners=[*factories.UserFactory.create_batch(2), waiting.learner, elsewhere.learner]
    )
    assert len(result.created) == 2
    assert set(Enrollment.objects.filter(cohort=cohort).values_list("status", flat=True)) == {"active"}
    assert result.existing[waiting.learner_id].status == "active"
    elsewhere.refresh_from_db()
    assert (elsewhere.cohort, elsewhere.status) == (None, "applied")


def test_bulk_enrol_refuses_a_closed_cohort(cohort):
    cohort.status = Cohort.Status.CLOSED
    cohort.save()
    with pytest.raises(EnrollmentError):
        cohort_enrol_bulk(cohort=cohort, learners=[factories.UserFactory()])


def test_bulk_enrol_may_fill_a_planned_cohort(cohort):
    cohort.status = Cohort.Status.PLANNED
    cohort.save()
    assert len(cohort_enrol_bulk(cohort=cohort, learners=[factories.UserFactory()]).created) == 1


def run_together(*jobs) -> list:
    """Run callables at the same moment, each in its own thread and database connection."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(index, job):
        try:
            barrier.wait()
            results[index] = job()
        except Exception as error:  # noqa: BLE001 - collected for the assertions
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs real concurrent transactions")
def test_capacity_holds_when_imports_and_joins_race(transactional_db):
    cohort = factories.CohortFactory(capacity=10)
    imports = [factories.UserFactory.create_batch(4) for _ in range(2)]
    joiners = factories.UserFactory.create_batch(6)
    jobs = [lambda batch=batch: cohort_enrol_bulk(cohort=cohort, learners=batch) for batch in imports]
    jobs += [lambda learner=learner: cohort_join(learner=learner, cohort=cohort) for learner in joiners]
    results = run_together(*jobs)
    assert Enrollment.objects.filter(cohort=cohort).count() == 10
    refused = [r for r in results if isinstance(r, EnrollmentError)]
    assert refused and all(r.code == "full" for r in refused)
    assert not [r for r in results if isinstance(r, Exception) and not isinstance(r, EnrollmentError)]
