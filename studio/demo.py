"""Demo data for the authoring studio: an editor and a publisher of the 电商运营 track, and a
revision of 直播带货 that the publisher sent back with a comment and the editor resubmitted, so
that `make run` shows the studio, the review queue and the diff. Idempotent."""

from __future__ import annotations

from typing import TextIO

from allauth.account.models import EmailAddress

from accounts.models import User
from courses import revisions
from courses.models import Course, CourseRevision, Track, TrackRole

DEMO_EDITOR = ("editor@example.com", "陈编辑")
DEMO_PUBLISHER = ("publisher@example.com", "刘审核")
DEMO_TRACK = "ecommerce"
DEMO_COURSE = "livestream-selling"
DEMO_ADDITION = (
    "\n\n## 开播前的检查清单\n\n"
    "- 手机电量充足，准备充电宝\n"
    "- 网络测速：上行至少 2 Mbps\n"
    "- 商品按讲解顺序摆好，价格牌清楚\n"
)


def _demo_user(email: str, name: str, password: str) -> User:
    user, created = User.objects.get_or_create(email=email, defaults={"name": name})
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def seed_demo_studio(*, password: str, stdout: TextIO | None = None) -> None:
    """The demo editor and publisher with their track roles, and one revision awaiting review."""
    track = Track.objects.get(slug=DEMO_TRACK)
    editor = _demo_user(*DEMO_EDITOR, password)
    publisher = _demo_user(*DEMO_PUBLISHER, password)
    TrackRole.objects.get_or_create(user=editor, track=track, role=TrackRole.Role.EDITOR)
    TrackRole.objects.get_or_create(user=publisher, track=track, role=TrackRole.Role.PUBLISHER)
    course = Course.objects.filter(slug=DEMO_COURSE).first()
    if course is not None and not CourseRevision.objects.filter(course=course).exists():
        revision = revisions.revision_open(course=course, by=editor)
        lesson = revisions.document_lessons(revision.document)[-1]
        revisions.lesson_edit(
            revision=revision,
            by=editor,
            key=lesson["key"],
            title=lesson["title"],
            body=lesson["body"] + DEMO_ADDITION,
            video_url=lesson.get("video_url") or "",
            duration_minutes=lesson["duration_minutes"],
            is_required=lesson["is_required"],
        )
        revisions.revision_submit(revision=revision, by=editor)
        revisions.revision_send_back(
            revision=revision,
            by=publisher,
            comments={lesson["key"]: "清单很实用。请补一条：开播前检查直播间的灯光。"},
        )
        revision = CourseRevision.objects.get(pk=revision.pk)
        revisions.lesson_edit(
            revision=revision,
            by=editor,
            key=lesson["key"],
            title=lesson["title"],
            body=lesson["body"] + DEMO_ADDITION + "- 灯光：补光灯对着脸，避免逆光\n",
            video_url=lesson.get("video_url") or "",
            duration_minutes=lesson["duration_minutes"],
            is_required=lesson["is_required"],
        )
        revisions.revision_submit(revision=revision, by=editor)
    if stdout is not None:
        stdout.write(
            f"Authoring studio: editor {DEMO_EDITOR[0]}, publisher {DEMO_PUBLISHER[0]} ({track.name}); "
            f"a revision of {course.title if course else DEMO_COURSE} awaits review"
        )
