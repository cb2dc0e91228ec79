"""Fixes from the review of the practice lab: only the picture formats we name are decoded, an
upload is weighed before it is read, stored names say nothing, photos of handed-in work are not
public."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from practice import views
from practice.models import Assignment, Submission
from talentportal.images import MAX_PIXELS
from tests import factories

from .conftest import english_client, make_set, picture
from .test_authoring import _upload, _zip


@pytest.fixture
def cohort(course):
    return factories.CohortFactory(course=course)


@pytest.fixture
def member(cohort):
    return factories.EnrollmentFactory(course=cohort.course, cohort=cohort, county=cohort.county)


@pytest.fixture
def assignment(course, practice_lesson):
    return Assignment.objects.create(
        course=course,
        lesson=practice_lesson,
        title="为本县的茶写商品详情",
        brief="写标题和卖点，配五张照片。",
        criteria=[{"title": "照片", "levels": ["不足", "清晰"]}],
        published=True,
    )


def _hand_in(client, assignment, files):
    return client.post(reverse("practice:assignment", args=[assignment.pk]), {"text": "茶", "images": files})


@pytest.mark.parametrize("fmt", ["BMP", "TIFF", "EPS"])
def test_a_picture_format_we_do_not_name_is_refused(assignment, member, fmt):
    data = picture(fmt=fmt)
    response = _hand_in(english_client(member.learner), assignment, [SimpleUploadedFile(f"a.{fmt}", data)])
    assert "This file is not a picture (JPEG, PNG, WebP or GIF)." in response.content.decode()
    assert not Submission.objects.exists()


def test_a_bmp_in_a_zip_of_items_is_a_row_error(editor_client, course):
    item_set = make_set(course, labels=["猫", "狗"])
    data = _zip({"a.png": picture(fmt="BMP"), "labels.csv": "file,labels\na.png,猫\n".encode()})
    page = _upload(editor_client, item_set, "set.zip", data).content.decode()
    assert "This file is not a picture" in page
    assert not item_set.items.exists()


def test_a_picture_of_too_many_pixels_is_refused(assignment, member):
    side = int(MAX_PIXELS**0.5) + 10
    assert MAX_PIXELS <= 24_000_000
    big = picture(size=(side, side))
    response = _hand_in(english_client(member.learner), assignment, [SimpleUploadedFile("big.png", big)])
    assert "The image has too many pixels to open safely." in response.content.decode()


def test_a_turned_phone_photo_stays_upright(assignment, member):
    image = Image.new("RGB", (1600, 800), "red")
    exif = image.getexif()
    exif[0x0112] = 6  # the phone was held upright: turn by 90°
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    _hand_in(english_client(member.learner), assignment, [SimpleUploadedFile("p.jpg", out.getvalue())])
    stored = Submission.objects.get().images.get()
    assert Image.open(stored.image.path).size == (400, 800)


def test_a_photo_is_weighed_before_it_is_read(assignment, member, monkeypatch):
    opened = []
    monkeypatch.setattr(views, "MAX_IMAGE_BYTES", 10)
    monkeypatch.setattr(views, "compress", lambda data, name: opened.append(name))
    response = _hand_in(english_client(member.learner), assignment, [SimpleUploadedFile("a.png", picture())])
    assert "The image is larger than 10 MB." in response.content.decode()
    assert opened == []


def test_an_item_file_is_weighed_before_it_is_read(editor_client, course, monkeypatch):
    item_set = make_set(course, task="text_class", labels=["好", "差"])
    monkeypatch.setattr(views, "MAX_UPLOAD_BYTES", 10)
    monkeypatch.setattr(views, "parse_upload", lambda *a, **k: pytest.fail("the file was read"))
    page = _upload(editor_client, item_set, "a.csv", "text,labels\n很好,好\n".encode()).content.decode()
    assert "The file is larger than 50 MB" in page


def test_photos_waiting_for_marking_are_not_decoded(assignment, member, monkeypatch):
    learner = english_client(member.learner)
    _hand_in(learner, assignment, [SimpleUploadedFile("a.png", picture())])
    opened = []
    monkeypatch.setattr(views, "compress", lambda data, name: opened.append(name))
    response = _hand_in(learner, assignment, [SimpleUploadedFile("b.png", picture())])
    assert response.status_code == 302
    assert "Your work is waiting for marking." in learner.get(response["Location"]).content.decode()
    assert opened == []


def test_stored_names_say_nothing(editor_client, course, assignment, member):
    item_set = make_set(course, labels=["猫", "狗"])
    data = _zip({"猫_001.png": picture(), "labels.csv": "file,labels\n猫_001.png,猫\n".encode()})
    assert _upload(editor_client, item_set, "set.zip", data).status_code == 302
    item = item_set.items.get()
    assert item.source_name == "猫_001.png"
    assert "猫" not in item.image.name and "001" not in item.image.name
    assert len(item.image.name.rsplit("/", 1)[-1]) == len("0123456789abcdef0123456789abcdef.jpg")
    _hand_in(english_client(member.learner), assignment, [SimpleUploadedFile("wang_fang.png", picture())])
    photo = Submission.objects.get().images.get()
    assert "wang" not in photo.image.name


def test_a_photo_of_handed_in_work_is_shown_to_its_owner_and_their_coordinator_only(
    assignment, member, cohort
):
    learner = english_client(member.learner)
    _hand_in(learner, assignment, [SimpleUploadedFile("a.png", picture())])
    photo = Submission.objects.get().images.get()
    url = reverse("practice:submission_image", args=[photo.pk])
    page = learner.get(reverse("practice:assignment", args=[assignment.pk])).content.decode()
    assert f'src="{url}"' in page and photo.image.url not in page

    response = learner.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(b"".join(response.streaming_content))).format == "JPEG"

    classmate = factories.EnrollmentFactory(course=cohort.course, cohort=cohort, county=cohort.county)
    assert english_client(classmate.learner).get(url).status_code == 404
    elsewhere = factories.CoordinatorAssignmentFactory().coordinator
    assert english_client(elsewhere).get(url).status_code == 404
    own = factories.CoordinatorAssignmentFactory(county=cohort.county).coordinator
    assert english_client(own).get(url).status_code == 200
    staff = factories.UserFactory(is_staff=True)
    assert english_client(staff).get(url).status_code == 200
    assert english_client(factories.UserFactory()).get(url + "x").status_code == 404


# --- runs: one hand-in per job, clearing an answer, locking, nothing to grade -----------------


def _start(client, item_set):
    from practice.models import Run

    client.post(reverse("practice:run_start", args=[item_set.pk]))
    return Run.objects.latest("pk")


def _job(course):
    from practice.models import ItemSet

    from .conftest import add_items

    item_set = make_set(course, task=ItemSet.Task.TEXT_CLASS, labels=["正面", "负面"], mode=ItemSet.Mode.JOB)
    items = add_items(item_set, [{"labels": ["正面"]}, None], texts=["好", "一般"], honeypots=[True, False])
    return item_set, items


def test_a_job_batch_is_handed_in_once(learner_client, course):
    from practice.models import Run

    item_set, _items = _job(course)
    run = _start(learner_client, item_set)
    learner_client.post(reverse("practice:run", args=[run.pk]), {"page": 1, "submit": "1"})
    response = learner_client.post(reverse("practice:run_start", args=[item_set.pk]))
    assert response.url == reverse("practice:item_set", args=[item_set.pk])
    assert Run.objects.filter(item_set=item_set).count() == 1
    page = learner_client.get(response.url).content.decode()
    assert "You have handed in this job batch: a job is done once." in page
    assert reverse("practice:run_start", args=[item_set.pk]) not in page


def test_an_emptied_answer_is_forgotten(learner_client, class_set):
    from practice.models import Answer

    items = list(class_set.items.order_by("order"))
    run = _start(learner_client, class_set)
    url = reverse("practice:run", args=[run.pk])
    learner_client.post(url, {"page": 1, f"i{items[0].pk}": "猫", f"i{items[1].pk}": "狗"})
    assert Answer.objects.filter(run=run).count() == 2
    learner_client.post(url, {"page": 1, f"i{items[1].pk}": "狗"})  # the first one unticked
    assert list(Answer.objects.filter(run=run).values_list("item_id", flat=True)) == [items[1].pk]


def test_answers_to_a_run_handed_in_meanwhile_are_refused(learner_client, class_set):
    from practice import services
    from practice.models import Answer

    items = list(class_set.items.order_by("order"))
    run = _start(learner_client, class_set)
    stale = type(run).objects.get(pk=run.pk)  # read before the other tab handed it in
    services.run_submit(run=run)
    with pytest.raises(services.PracticeError):
        services.run_answers_save(run=stale, answers={items[0].pk: {"labels": ["猫"]}})
    assert not Answer.objects.filter(run=run).exists()
    response = learner_client.post(
        reverse("practice:run", args=[run.pk]), {"page": 1, f"i{items[0].pk}": "猫"}
    )
    assert response.url == reverse("practice:run_result", args=[run.pk])
    assert services.run_submit(run=stale).submitted_at == type(run).objects.get(pk=run.pk).submitted_at


def test_a_set_without_gold_is_not_published(editor_client, course):
    from practice.models import ItemSet

    from .conftest import add_items

    item_set = make_set(course, task=ItemSet.Task.TEXT_CLASS, labels=["正面", "负面"])
    ItemSet.objects.filter(pk=item_set.pk).update(published=False)
    add_items(item_set, [None, None], texts=["好", "一般"])
    data = {
        "course": course.pk,
        "title": item_set.title,
        "task": item_set.task,
        "mode": item_set.mode,
        "labels_text": "正面\n负面",
        "min_score": 80,
        "iou_threshold": 0.5,
        "published": "on",
        "save": "1",
    }
    page = editor_client.post(reverse("practice:studio_set", args=[item_set.pk]), data).content.decode()
    assert "A set is published once it has items with gold labels" in page
    item_set.refresh_from_db()
    assert not item_set.published


def test_a_run_with_nothing_graded_has_no_score(learner_client, course):
    from practice import services

    item_set, items = _job(course)
    items[0].gold, items[0].is_honeypot = None, False
    items[0].save()
    run = _start(learner_client, item_set)
    run = services.run_submit(run=run)
    assert run.score is None and not run.passed
    page = learner_client.get(reverse("practice:run_result", args=[run.pk])).content.decode()
    assert "None%" not in page


# --- Label Studio gold checked as the CSV's; boxes at the edge -------------------------------


def _ls_upload(editor_client, item_set, tasks):
    import json

    data = json.dumps(tasks, ensure_ascii=False).encode()
    return _upload(editor_client, item_set, "export.json", data)


def _ls_task(text, results):
    return {"data": {"text": text}, "annotations": [{"result": results}]}


def test_a_label_studio_export_is_checked_like_a_csv(editor_client, course):
    spans = make_set(course, task="text_span", labels=["品牌", "规格"])
    tasks = [
        _ls_task("农夫山泉", [{"value": {"start": 0, "end": 9, "labels": ["品牌"]}}]),  # past the end
        _ls_task("农夫山泉", [{"value": {"start": 3, "end": 3, "labels": ["品牌"]}}]),  # empty
        _ls_task("农夫山泉", []),  # labels nothing: no gold in a practice set
    ]
    page = _ls_upload(editor_client, spans, tasks).content.decode()
    assert page.count("A span lies outside the text.") == 2
    assert "The gold label is missing." in page
    assert not spans.items.exists()

    single = make_set(course, task="text_class", labels=["正面", "负面"])
    tasks = [_ls_task("好", [{"value": {"choices": ["正面", "负面"]}}])]
    assert (
        "Only one label per item in this item set."
        in _ls_upload(editor_client, single, tasks).content.decode()
    )
    assert not single.items.exists()


def test_a_label_studio_box_outside_the_image_is_a_row_error(editor_client, course):
    import json

    item_set = make_set(course, task="bbox", labels=["车辆"])

    def task(name, x, w):
        value = {"x": x, "y": 10, "width": w, "height": 10, "rectanglelabels": ["车辆"]}
        return {"data": {"image": name}, "annotations": [{"result": [{"value": value}]}]}

    export = [task("a.png", 90, 20), task("b.png", 10, 0)]
    data = _zip({"a.png": picture(), "b.png": picture(), "export.json": json.dumps(export).encode()})
    page = _upload(editor_client, item_set, "ls.zip", data).content.decode()
    assert page.count("A box lies outside the image.") == 2
    export = [task("a.png", 66.7, 33.4)]  # rounding past the edge: clipped
    data = _zip({"a.png": picture(), "export.json": json.dumps(export).encode()})
    assert _upload(editor_client, item_set, "ls.zip", data).status_code == 302
    assert item_set.items.get().gold["boxes"][0][2] == pytest.approx(0.333)


def test_a_box_answer_a_hair_past_the_edge_is_clipped(learner_client, course):
    from practice.models import Answer

    from .conftest import add_items

    item_set = make_set(course, task="bbox", labels=["车辆"])
    (item,) = add_items(item_set, [{"boxes": [[0.5, 0.5, 0.5, 0.5, "车辆"]]}])
    run = _start(learner_client, item_set)
    url = reverse("practice:run", args=[run.pk])
    response = learner_client.post(url, {"page": 1, f"i{item.pk}": "车辆:50,50,50.1,50.1"})
    assert response.status_code == 302
    assert Answer.objects.get(run=run).value == {"boxes": [[0.5, 0.5, 0.5, 0.5, "车辆"]]}
    page = learner_client.post(url, {"page": 1, f"i{item.pk}": "车辆:50,50,51,50"}).content.decode()
    assert "A box lies outside the image." in page


# --- files leave storage with their rows -----------------------------------------------------


def test_deleting_a_set_or_an_enrolment_deletes_their_files(
    course, assignment, member, django_capture_on_commit_callbacks
):
    from django.core.files.storage import default_storage

    from .conftest import add_items

    item_set = make_set(course)
    (item,) = add_items(item_set, [{"labels": ["猫"]}])
    _hand_in(english_client(member.learner), assignment, [SimpleUploadedFile("a.png", picture())])
    photo = Submission.objects.get().images.get()
    names = [item.image.name, photo.image.name]
    assert all(default_storage.exists(name) for name in names)
    with django_capture_on_commit_callbacks(execute=True):
        item_set.delete()
        member.delete()
    assert not any(default_storage.exists(name) for name in names)


def test_a_label_the_gold_uses_cannot_be_removed(editor_client, course, class_set):
    data = {
        "course": course.pk,
        "title": class_set.title,
        "task": class_set.task,
        "mode": class_set.mode,
        "labels_text": "猫\n兔",
        "min_score": 75,
        "iou_threshold": 0.5,
        "published": "on",
        "save": "1",
    }
    page = editor_client.post(reverse("practice:studio_set", args=[class_set.pk]), data).content.decode()
    assert "These labels are used by gold labels of the items: 狗." in page
    class_set.refresh_from_db()
    assert class_set.labels == ["猫", "狗"]
    data["labels_text"] = "猫\n狗\n兔"
    assert editor_client.post(reverse("practice:studio_set", args=[class_set.pk]), data).status_code == 302


def test_a_span_keeps_its_position(learner_client, course):
    from practice.models import Answer

    from .conftest import add_items

    item_set = make_set(course, task="text_span", labels=["规格"])
    text = "500g装两袋500g"  # the second 500g is at 7-11
    (item,) = add_items(item_set, [{"spans": [[7, 11, "规格"]]}], texts=[text])
    run = _start(learner_client, item_set)
    url = reverse("practice:run", args=[run.pk])
    learner_client.post(url, {"page": 1, f"i{item.pk}": "规格:7-11:500g"})
    assert Answer.objects.get(run=run).value == {"spans": [[7, 11, "规格"]]}
    page = learner_client.get(url).content.decode()
    assert "规格:7-11:500g" in page  # and so it stays the second on the way back
    page = learner_client.post(url, {"page": 1, f"i{item.pk}": "规格:10-40:500g"}).content.decode()
    assert "A span lies outside the text." in page
