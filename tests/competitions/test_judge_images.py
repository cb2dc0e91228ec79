"""A judge sees the photos of the work assigned to them, blind: by number, never the file name
nor anything that names the entrant; nobody else gets them through the judging."""

from __future__ import annotations

import io

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from competitions.models import JudgeMark, RoundJudge
from competitions.services import entry_register, judging_assign
from practice import selectors as practice_selectors
from practice.models import Assignment, Submission, SubmissionImage
from tests import factories
from tests.competitions.conftest import enrol, learner_in, make_round

CRITERIA = [{"title": "卖点", "levels": ["无", "部分", "完整"]}]


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(out, "JPEG")
    return out.getvalue()


def hand_in(
    assignment, learner, course, *, photos: int, stem: str
) -> tuple[Submission, list[SubmissionImage]]:
    """A submission with ``photos`` photos stored under names that carry ``stem`` (as an
    upload named after the entrant would, were the names not replaced)."""
    submission = Submission.objects.create(
        assignment=assignment, enrollment=enrol(learner, course), text="见照片", submitted_at=timezone.now()
    )
    images = []
    for order in range(photos):
        image = SubmissionImage(submission=submission, order=order)
        image.image.save(f"{stem}_{order}.jpg", ContentFile(jpeg()), save=False)
        image.save()
        images.append(image)
    return submission, images


@pytest.fixture
def judged(settings, tmp_path, province_competition, county, course):
    """A county round with a judged assignment, two entrants who handed in photos, and three
    judges from another county, assigned by the service."""
    settings.MEDIA_ROOT = str(tmp_path)
    assignment = Assignment.objects.create(
        course=course, title="商品详情", brief="拍下您的作品。", criteria=CRITERIA, published=True
    )
    round = make_round(province_competition, county=county, assignment=assignment, judge_gap=30)
    zhang = learner_in(county, name="张小明")
    wang = learner_in(county, name="王芳芳")
    for learner in (zhang, wang):
        entry_register(competition=province_competition, learner=learner)
    submission, images = hand_in(assignment, zhang, course, photos=2, stem="zhangxiaoming")
    hand_in(assignment, wang, course, photos=1, stem="wangfangfang")
    chunan = factories.CountyFactory(code="330127", name="淳安县")
    judges = [factories.UserFactory(name=f"评委{number}") for number in (1, 2, 3)]
    for judge in judges:
        RoundJudge.objects.create(round=round, judge=judge, county=chunan)
    assert judging_assign(round=round) == 4
    marks = list(JudgeMark.objects.filter(submission=submission))
    outsider = next(judge for judge in judges if judge.pk not in {mark.judge_id for mark in marks})
    return {"round": round, "zhang": zhang, "images": images, "marks": marks, "outsider": outsider}


def signed_in(user, language: str = "") -> Client:
    client = Client()
    if language:
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(user)
    return client


def image_urls(images) -> list[str]:
    return [reverse("practice:submission_image", args=[image.pk]) for image in images]


def test_assigned_judges_see_the_photos_by_number_on_the_marking_page(judged):
    for mark in judged["marks"]:
        client = signed_in(mark.judge)
        page = client.get(reverse("competitions:judge_mark", args=[mark.pk])).content.decode()
        for number, url in enumerate(image_urls(judged["images"]), start=1):
            assert f'<a href="{url}"><img src="{url}" alt="作品第 {number} 张照片"' in page
            response = client.get(url)
            assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
            assert Image.open(io.BytesIO(b"".join(response.streaming_content))).format == "JPEG"


def test_the_marking_page_shows_no_file_name_and_nothing_of_the_entrant(judged):
    mark = judged["marks"][0]
    page = (
        signed_in(mark.judge, "en").get(reverse("competitions:judge_mark", args=[mark.pk])).content.decode()
    )
    assert 'alt="Photo 1 of the work"' in page and 'alt="Photo 2 of the work"' in page
    for image in judged["images"]:
        assert image.image.name not in page and image.image.url not in page
    assert "zhangxiaoming" not in page and ".jpg" not in page
    assert "张小明" not in page and "桐庐县" not in page


def test_only_the_judges_assigned_to_the_submission_get_its_photos(
    judged, province_competition, county, client
):
    urls = image_urls(judged["images"])
    outsider = judged["outsider"]
    # A judge of the same round, marking another entrant's work, sees neither the photos nor a link.
    own = JudgeMark.objects.get(judge=outsider)
    page = signed_in(outsider).get(reverse("competitions:judge_mark", args=[own.pk])).content.decode()
    assert not any(url in page for url in urls)
    elsewhere = make_round(province_competition, county=factories.CountyFactory(code="330182", name="建德市"))
    other_round_judge = factories.UserFactory(name="外场评委")
    RoundJudge.objects.create(round=elsewhere, judge=other_round_judge)
    classmate = learner_in(county, name="李同学")
    for user in (outsider, other_round_judge, classmate):
        visitor = signed_in(user)
        assert [visitor.get(url).status_code for url in urls] == [404, 404]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    owner = signed_in(judged["zhang"])
    assert [owner.get(url).status_code for url in urls] == [200, 200]


def test_a_judge_gets_a_photo_in_one_query(judged, django_assert_num_queries):
    judge = judged["marks"][0].judge
    photo = judged["images"][0]
    with django_assert_num_queries(1):
        assert practice_selectors.submission_image(user=judge, pk=photo.pk) == photo
    with django_assert_num_queries(1):
        assert practice_selectors.submission_image(user=judged["outsider"], pk=photo.pk) is None
