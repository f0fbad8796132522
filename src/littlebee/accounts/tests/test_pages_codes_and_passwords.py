"""Pages: the sign-up code on the registration page (with and without JavaScript), password
reset by code, and the change-password page reached from /me/."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from littlebee.accounts.models import SmsCode, SmsPurpose, User

from .conftest import City
from .factories import PASSWORD, sms_code_for, worker

pytestmark = pytest.mark.django_db

PHONE = "13812345678"
NEW_PASSWORD = "Fresh-honey-77"


def _text(response: Any) -> str:
    return response.content.decode()


def _registration(city: City, enterprise: Any, **overrides: Any) -> dict[str, Any]:
    data = {
        "phone": PHONE,
        "password": NEW_PASSWORD,
        "password_confirm": NEW_PASSWORD,
        "name": "朱涛",
        "worker_type": "courier",
        "enterprise": enterprise.pk,
        "outlet": "",
        "district": city.district.pk,
        "street": city.street.pk,
        "community": city.community.pk,
    }
    data.update(overrides)
    return data


def _no_inline_script(html: str) -> bool:
    """Every <script> has a src, and no element carries an on…= handler (the page runs under a
    Content-Security-Policy without 'unsafe-inline')."""
    scripts = re.findall(r"<script\b[^>]*>", html)
    return all("src=" in tag for tag in scripts) and not re.search(r"<[^>]+\son[a-z]+\s*=", html)


# --- Registration asks for the code ---------------------------------------------------------
def test_registering_without_a_code_says_so_on_the_code_field(city, enterprise) -> None:
    # when
    response = Client().post(reverse("accounts:register"), _registration(city, enterprise))

    # then
    assert response.status_code == 200
    assert "code" in response.context["form"].errors
    assert not User.objects.exists()


def test_registering_with_a_wrong_code_says_so_and_registers_nobody(city, enterprise) -> None:
    # given
    sms_code_for(PHONE)

    # when
    response = Client().post(reverse("accounts:register"), _registration(city, enterprise, code="000000"))

    # then
    assert response.status_code == 200
    assert response.context["form"].errors["code"] == ["验证码不正确或已过期。"]
    assert not User.objects.exists()


def test_without_javascript_the_send_button_texts_a_code_and_keeps_the_form(
    city, enterprise, sms_outbox, django_capture_on_commit_callbacks
) -> None:
    # given a worker who filled in the form, then pressed "获取验证码" (a submit button)
    client = Client()
    data = _registration(city, enterprise, send_code="1")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:register_sms_code"), data)

    # then the code is texted, the page comes back filled in but for the passwords
    assert response.status_code == 200
    html = _text(response)
    assert "验证码已发送，请查收短信。" in html
    assert 'value="朱涛"' in html
    assert NEW_PASSWORD not in html
    assert [m.phone for m in sms_outbox] == [PHONE]
    assert SmsCode.objects.get().purpose == SmsPurpose.REGISTER
    assert 'data-wait="60"' in html or 'data-wait="59"' in html

    # and with the texted code the registration goes through
    code = re.search(r"\b(\d{6})\b", sms_outbox[-1].message)
    assert code is not None
    done = client.post(reverse("accounts:register"), _registration(city, enterprise, code=code.group(1)))
    assert done.status_code == 302
    assert User.objects.filter(phone=PHONE).exists()


def test_with_javascript_the_send_button_gets_json(city, enterprise) -> None:
    # when littlebee.js posts the form in the background
    response = Client().post(
        reverse("accounts:register_sms_code"), _registration(city, enterprise), headers={"Accept": "application/json"}
    )
    again = Client().post(
        reverse("accounts:register_sms_code"), _registration(city, enterprise), headers={"Accept": "application/json"}
    )

    # then
    assert response.status_code == 202
    assert response.json() == {"detail": "验证码已发送，请查收短信。", "resend_after": 60}
    assert again.status_code == 429
    assert int(again["Retry-After"]) > 0


def test_sending_a_code_to_a_bad_number_says_so(city, enterprise) -> None:
    response = Client().post(reverse("accounts:register_sms_code"), _registration(city, enterprise, phone="123"))

    assert response.status_code == 200
    assert "请输入有效的中国大陆手机号码。" in _text(response)
    assert not SmsCode.objects.exists()


def test_the_registration_page_has_the_send_button_and_no_inline_script(city) -> None:
    html = _text(Client().get(reverse("accounts:register")))

    assert "data-sms-button" in html
    assert f'formaction="{reverse("accounts:register_sms_code")}"' in html
    assert _no_inline_script(html)


# --- Password reset -------------------------------------------------------------------------
def test_the_login_page_links_to_password_reset(db) -> None:
    assert reverse("accounts:password_reset") in _text(Client().get(reverse("accounts:login")))


def test_a_password_is_reset_with_a_texted_code(sms_outbox, django_capture_on_commit_callbacks) -> None:
    # given a worker signed in elsewhere
    user = worker(user__phone=PHONE)
    elsewhere = Client()
    elsewhere.force_login(user)
    client = Client()

    # when the code is requested without JavaScript, then the form is sent
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(reverse("accounts:password_reset_sms_code"), {"phone": PHONE})
    code = re.search(r"\b(\d{6})\b", sms_outbox[-1].message)
    assert code is not None
    response = client.post(
        reverse("accounts:password_reset"),
        {"phone": PHONE, "code": code.group(1), "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD},
    )

    # then
    assert sent.status_code == 200
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert elsewhere.get(reverse("accounts:profile")).status_code == 302


def test_a_reset_with_a_wrong_code_changes_nothing(db) -> None:
    user = worker(user__phone=PHONE)
    sms_code_for(PHONE, purpose=SmsPurpose.PASSWORD_RESET)

    response = Client().post(
        reverse("accounts:password_reset"),
        {"phone": PHONE, "code": "000000", "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["code"] == ["验证码不正确或已过期。"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_the_reset_page_has_no_inline_script(db) -> None:
    assert _no_inline_script(_text(Client().get(reverse("accounts:password_reset"))))


# --- Change password ------------------------------------------------------------------------
def test_the_change_password_page_is_reached_from_me_and_needs_a_login(db) -> None:
    user = worker()
    client = Client()

    anonymous = client.get(reverse("accounts:password_change"))
    client.force_login(user)
    profile = _text(client.get(reverse("accounts:profile")))

    assert anonymous.status_code == 302
    assert reverse("accounts:password_change") in profile


def test_changing_the_password_keeps_this_session_and_ends_the_others(db) -> None:
    # given
    user = worker()
    here, elsewhere = Client(), Client()
    here.force_login(user)
    elsewhere.force_login(user)

    # when
    response = here.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD},
        follow=True,
    )

    # then
    assert response.redirect_chain[-1][0] == reverse("accounts:profile")
    assert "密码已修改" in _text(response)
    assert here.get(reverse("accounts:profile")).status_code == 200
    assert elsewhere.get(reverse("accounts:profile")).status_code == 302


def test_a_wrong_old_password_is_shown_on_its_field(db) -> None:
    user = worker()
    client = Client()
    client.force_login(user)

    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "Wrong-pass-1", "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["old_password"] == ["原密码不正确。"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
