from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories

PICKER = "/counties/pick/"


@pytest.fixture
def divisions(db):
    zhejiang = factories.ProvinceFactory(code="33", name="浙江省")
    hangzhou = factories.PrefectureFactory(code="3301", name="杭州市", province=zhejiang)
    huzhou = factories.PrefectureFactory(code="3305", name="湖州市", province=zhejiang)
    beijing = factories.ProvinceFactory(code="11", name="北京市")
    districts = factories.PrefectureFactory(code="1101", name="市辖区", province=beijing)
    factories.CountyFactory(code="330122", name="桐庐县", prefecture=hangzhou)
    factories.CountyFactory(code="330127", name="淳安县", prefecture=hangzhou)
    factories.CountyFactory(code="330522", name="长兴县", prefecture=huzhou)
    factories.CountyFactory(code="110105", name="朝阳区", prefecture=districts)


def test_picker_starts_with_provinces(client, divisions):
    response = client.get(PICKER)
    assert [p.code for p in response.context["provinces"]] == ["11", "33"]
    assert "桐庐县" not in response.content.decode()


def test_province_lists_its_prefectures(client, divisions):
    response = client.get(PICKER, {"province": "33"})
    assert [p.name for p in response.context["prefectures"]] == ["杭州市", "湖州市"]


def test_municipality_with_one_prefecture_goes_straight_to_its_districts(client, divisions):
    response = client.get(PICKER, {"province": "11"})
    assert [county.name for county, _link in response.context["county_links"]] == ["朝阳区"]


def test_prefecture_lists_counties_linking_back_to_signup(client, divisions):
    response = client.get(PICKER, {"prefecture": "3301"})
    links = {county.code: link for county, link in response.context["county_links"]}
    assert links == {
        "330122": f"{reverse('account_signup')}?county=330122",
        "330127": f"{reverse('account_signup')}?county=330127",
    }


def test_links_keep_the_next_page_query(client, divisions):
    response = client.get(PICKER, {"prefecture": "3305", "next": "/accounts/signup/?next=/x/"})
    [(_county, link)] = response.context["county_links"]
    assert link == "/accounts/signup/?next=/x/&county=330522"


def test_foreign_next_url_is_ignored(client, divisions):
    response = client.get(PICKER, {"prefecture": "3305", "next": "https://evil.example.com/"})
    [(_county, link)] = response.context["county_links"]
    assert link == "/accounts/signup/?county=330522"


@pytest.mark.parametrize(
    ("query", "codes"), [("桐庐", ["330122"]), ("3301", ["330122", "330127"]), ("杭州", ["330122", "330127"])]
)
def test_search_by_name_code_or_prefecture(client, divisions, query, codes):
    response = client.get(PICKER, {"q": query})
    assert [county.code for county, _link in response.context["county_links"]] == codes


def test_search_with_no_match_says_so(client, divisions):
    response = client.get(PICKER, {"q": "不存在"})
    assert response.context["county_links"] == []
    assert "没有匹配的县区" in response.content.decode()


def test_search_results_are_paginated(client, db):
    prefecture = factories.PrefectureFactory(
        code="4401", name="广州市", province=factories.ProvinceFactory(code="44", name="广东省")
    )
    for n in range(35):
        factories.CountyFactory(code=f"4401{n:02d}", name=f"县{n}", prefecture=prefecture)
    first = client.get(PICKER, {"q": "4401"})
    second = client.get(PICKER, {"q": "4401", "page": 2})
    assert len(first.context["county_links"]) == 30
    assert len(second.context["county_links"]) == 5


def test_unknown_province_is_404(client, divisions):
    assert client.get(PICKER, {"province": "99"}).status_code == 404


def test_type_ahead_returns_at_most_20_counties_as_json(client, db):
    prefecture = factories.PrefectureFactory(
        code="4401", name="广州市", province=factories.ProvinceFactory(code="44", name="广东省")
    )
    for n in range(25):
        factories.CountyFactory(code=f"4401{n:02d}", name=f"县{n}", prefecture=prefecture)
    response = client.get("/counties/search.json", {"q": "4401"})
    results = response.json()["results"]
    assert len(results) == 20
    assert results[0] == {"code": "440100", "label": "广东省 广州市 县0"}
    assert "max-age=3600" in response["Cache-Control"]


def test_type_ahead_with_empty_query_returns_nothing(client, divisions):
    assert client.get("/counties/search.json", {"q": " "}).json() == {"results": []}


def test_picker_queries_stay_constant(client, divisions, django_assert_num_queries):
    with django_assert_num_queries(2):
        client.get(PICKER, {"prefecture": "3301"})
    hangzhou = factories.PrefectureFactory(code="3301")
    for n in range(50):
        factories.CountyFactory(code=f"3302{n:02d}", name=f"县{n}", prefecture=hangzhou)
    with django_assert_num_queries(2):
        client.get(PICKER, {"prefecture": "3301"})
