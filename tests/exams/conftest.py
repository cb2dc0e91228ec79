"""A course's question bank and the people who open its pages: an editor (staff with the
permission to add bank questions), staff without it, a learner and a coordinator."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from exams.models import QuestionBank
from tests import factories

# One question of every kind, as the template writes them (UTF-8 CSV).
HEADER = "题型,题干,选项A,选项B,选项C,选项D,答案,难度,知识点,解析\n"
ROWS = (
    "单选题,商品主图的推荐尺寸是？,800×800,100×100,300×200,,A,1,商品上架,主图需清晰\n"
    "多选题,哪些属于客服礼貌用语？,您好,请稍等,不知道,感谢您的耐心,ABD,3,客服、沟通,\n"
    "判断题,包邮商品不能设置运费模板。,,,,,错,2,商品上架,\n"
    '填空题,电商的英文缩写是____。,,,,,"E-commerce\nＥＣ",1,基础知识,\n'
    "简答题,简述直播带货的三个要点。,,,,,讲清卖点、互动、促单各得2分,3,直播,\n"
)
GOOD_CSV = HEADER + ROWS


@pytest.fixture
def course_bank(db):
    return QuestionBank.objects.create(title="农村电商运营 题库", course=factories.CourseFactory())


@pytest.fixture
def editor(db):
    user = factories.StaffFactory()
    user.user_permissions.add(Permission.objects.get(codename="add_bankquestion"))
    return user


@pytest.fixture
def editor_client(editor) -> Client:
    client = Client()
    client.force_login(editor)
    return client
