"""`seed_demo` gives the studio something to show: the demo editor and publisher of 电商运营, and
a revision sent back with a comment and resubmitted, waiting in the publisher's queue."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from courses.models import CourseRevision, RevisionComment, TrackRole


def test_seed_demo_makes_a_studio_with_a_revision_awaiting_review(db, client):
    out = StringIO()
    call_command("seed_demo", allow_production=True, stdout=out)  # tests run with DEBUG off
    call_command("seed_demo", allow_production=True, stdout=StringIO())  # idempotent
    assert "editor@example.com" in out.getvalue() and "publisher@example.com" in out.getvalue()

    editor = User.objects.get(email="editor@example.com")
    publisher = User.objects.get(email="publisher@example.com")
    assert set(TrackRole.objects.values_list("user__email", "track__slug", "role")) >= {
        ("editor@example.com", "ecommerce", "editor"),
        ("publisher@example.com", "ecommerce", "publisher"),
    }
    revision = CourseRevision.objects.get(course__slug="livestream-selling")
    assert revision.status == CourseRevision.Status.SUBMITTED
    assert RevisionComment.objects.get(revision=revision).author == publisher
    assert editor.check_password("TalentDemo-2026")

    client.force_login(publisher)
    queue = client.get(reverse("studio:review_queue")).content.decode()
    assert f'data-revision="{revision.pk}"' in queue
    review = client.get(reverse("studio:review", args=[revision.pk])).content.decode()
    assert "<ins>" in review and "灯光" in review
    client.force_login(editor)
    assert client.get(reverse("studio:outline", args=[revision.course_id])).status_code == 200
