from __future__ import annotations

from django.conf import settings


def test_portal_defaults_to_simplified_chinese(client, db):
    content = client.get("/").content.decode()
    assert '<html lang="zh-Hans">' in content
    assert "注册" in content


def test_browser_asking_for_english_gets_english(client, db):
    content = client.get("/", headers={"accept-language": "en"}).content.decode()
    assert "Sign up" in content


def test_language_switch_sets_cookie_and_returns_to_page(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/privacy/"})
    assert response.status_code == 302
    assert response.url == "/privacy/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "Privacy notice" in client.get("/privacy/").content.decode()

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "隐私政策" in client.get("/privacy/").content.decode()


def test_language_switch_is_saved_on_the_account(client, learner):
    client.force_login(learner)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    learner.refresh_from_db()
    assert learner.preferred_language == "en"


def test_account_language_follows_the_user_to_a_new_browser(client, learner):
    learner.preferred_language = "en"
    learner.save()
    client.force_login(learner)
    content = client.get("/", headers={"accept-language": "zh-CN"}).content.decode()
    assert '<html lang="en">' in content


def test_unknown_language_is_ignored(client, learner):
    client.force_login(learner)
    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    learner.refresh_from_db()
    assert learner.preferred_language == "zh-hans"


def test_language_switch_is_a_plain_link(client, db):
    content = client.get("/privacy/").content.decode()
    assert 'href="/i18n/setlang/?language=en&amp;next=/privacy/"' in content
    response = client.get("/i18n/setlang/", {"language": "en", "next": "/privacy/"})
    assert response.url == "/privacy/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_language_switch_never_redirects_to_another_site(client, db):
    response = client.get("/i18n/setlang/", {"language": "en", "next": "https://evil.example.com/"})
    assert response.url == "/"
