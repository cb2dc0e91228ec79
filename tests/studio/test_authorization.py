"""Every studio URL, requested by everyone who might try it.

anonymous → login; a learner and a coordinator → 404 everywhere (the studio does not exist for
them); the track's editor → the course's pages and its writes; an editor of another track → 404
on this track's course; the track's publisher → the outline (read only) and the review; a
publisher of another track → 404; a superuser → everything. A new URL in the studio namespace
without an entry in MATRIX fails the test.
"""

from __future__ import annotations

import pytest
from django.urls import get_resolver, reverse

from courses import revisions
from tests.studio.conftest import lessons_of

ROLES = ("learner", "coordinator", "editor", "other_editor", "publisher", "other_publisher", "superuser")
_ = 404

# name → (method, kwargs, statuses for each role of ROLES)
MATRIX = {
    "home": ("get", [], (_, _, 200, 200, 200, 200, 200)),
    "course_create": ("get", [], (_, _, 200, 200, _, _, 200)),
    "course_import": ("get", [], (_, _, 200, 200, _, _, 200)),
    "outline": ("get", ["course"], (_, _, 200, _, 200, _, 200)),
    "revision_open": ("post", ["course"], (_, _, 302, _, _, _, 302)),
    "outline_change": ("post", ["course"], (_, _, 302, _, _, _, 302)),
    "question_add": ("post", ["course", "quiz"], (_, _, 302, _, _, _, 302)),
    "question_edit": ("get", ["course", "question"], (_, _, 200, _, _, _, 200)),
    "course_details": ("post", ["course"], (_, _, 302, _, _, _, 302)),
    "lesson_media": ("post", ["course", "lesson"], (_, _, 302, _, _, _, 302)),
    "submit": ("post", ["course"], (_, _, 302, _, _, _, 302)),
    "lesson": ("get", ["course", "lesson"], (_, _, 200, _, _, _, 200)),
    "export": ("get", ["course"], (_, _, 200, _, 200, _, 200)),
    "export_zip": ("get", ["course"], (_, _, 200, _, 200, _, 200)),
    "review_queue": ("get", [], (_, _, 200, 200, 200, 200, 200)),
    "review": ("get", ["submitted"], (_, _, _, _, 200, _, 200)),
    "send_back": ("post", ["submitted"], (_, _, _, _, 302, _, 302)),
    "publish": ("post", ["submitted"], (_, _, _, _, 302, _, 302)),
}


def test_every_studio_url_is_in_the_matrix():
    resolver = get_resolver().namespace_dict["studio"][1]
    names = {pattern.name for pattern in resolver.url_patterns if pattern.name}
    assert names - MATRIX.keys() == set(), "add the new studio URL to MATRIX"
    assert MATRIX.keys() - names == set(), "MATRIX names a URL that no longer exists"


@pytest.fixture
def scene(live, learner, coordinator, editor, other_editor, publisher, other_publisher, superuser, track):
    revision = revisions.revision_open(course=live, by=editor)
    lesson = lessons_of(live)[0]
    submitted_course = revisions.course_create(track=track, title="已提交", summary="s", by=editor).course
    draft = revisions.open_revision(course=submitted_course)
    module = revisions.outline_add(revision=draft, by=editor, kind="module", title="一")
    revisions.outline_add(revision=draft, by=editor, kind="lesson", title="甲", parent_key=module)
    submitted = revisions.revision_submit(revision=draft, by=editor)
    return {
        "users": {
            "learner": learner,
            "coordinator": coordinator,
            "editor": editor,
            "other_editor": other_editor,
            "publisher": publisher,
            "other_publisher": other_publisher,
            "superuser": superuser,
        },
        "args": {
            "course": live.pk,
            "lesson": f"l{lesson.pk}",
            "quiz": revision.document["course"]["final_quiz"]["key"],
            "question": revision.document["course"]["final_quiz"]["questions"][0]["key"],
            "submitted": submitted.pk,
        },
    }


def request(client, name: str, scene: dict):
    method, keys, _statuses = MATRIX[name]
    url = reverse(f"studio:{name}", args=[scene["args"][key] for key in keys])
    data = {
        "outline_change": {"action": "rename", "key": scene["args"]["lesson"], "title": "新"},
        "question_add": {"text": "问？", "choices": "对\n错", "correct": "1"},
        "publish": {"changelog": "首次发布"},
        "course_details": {"title": "新", "summary": "新", "level": "beginner", "estimated_hours": 2},
        "lesson_media": {"action": "remove_video"},
        "send_back": {"general": "请修改"},
    }.get(name, {})
    return getattr(client, method)(url, data)


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_anonymous_is_sent_to_login(client, scene, name):
    response = request(client, name, scene)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_each_role_gets_what_the_matrix_says(client, scene, role, name):
    client.force_login(scene["users"][role])
    assert request(client, name, scene).status_code == MATRIX[name][2][ROLES.index(role)]


def test_post_only_urls_refuse_get(client, scene):
    client.force_login(scene["users"]["superuser"])
    for name, (method, keys, _statuses) in MATRIX.items():
        if method == "post":
            url = reverse(f"studio:{name}", args=[scene["args"][key] for key in keys])
            assert client.get(url).status_code == 405, name


def test_lists_show_only_the_users_tracks(client, scene, live, other_editor, publisher):
    client.force_login(other_editor)
    assert f'data-course="{live.pk}"' not in client.get(reverse("studio:home")).content.decode()
    client.force_login(publisher)
    page = client.get(reverse("studio:review_queue")).content.decode()
    assert f'data-revision="{scene["args"]["submitted"]}"' in page
    client.force_login(scene["users"]["other_publisher"])
    page = client.get(reverse("studio:review_queue")).content.decode()
    assert "data-revision=" not in page
