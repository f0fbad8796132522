"""Server-rendered pages: registration, login, the worker's profile and the staff review queues.

The home page and the staff dashboard, which gather from other apps, are in `littlebee.web`.

Views parse the request, call a service (every write) or a selector (every read with rules),
and render. A service's refusal comes back as a DomainError and is shown on the form.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, Concatenate, ParamSpec
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet, TextChoices
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.i18n import set_language

from littlebee.core.errors import DomainError, NotFound, TooManyRequests
from littlebee.core.requests import client_ip

from . import selectors, services
from .api import remember_language, sms_sent_detail
from .forms import (
    CheckinResubmitForm,
    CodeLoginForm,
    DecisionForm,
    PasswordChangeForm,
    PasswordLoginForm,
    PasswordResetForm,
    ProfileEditForm,
    RegistrationForm,
    SmsCodeRequestForm,
    apply_domain_error,
)
from .models import CheckinStatus, EmploymentStatus, SmsPurpose, User, WorkerProfile
from .requests import request_user
from .selectors import StaffAccess

P = ParamSpec("P")

LOGIN_BACKEND = "littlebee.accounts.backends.PhonePasswordBackend"
QUEUE_PAGE_SIZE = 20

# The SMS login remembers, for the no-JavaScript path, which phone asked for a code and when.
SESSION_SMS_PHONE = "littlebee.sms_phone"
SESSION_SMS_SENT_AT = "littlebee.sms_sent_at"

# Form fields that must never be echoed back into a page.
_SECRET_FIELDS = frozenset(
    {
        "csrfmiddlewaretoken",
        "password",
        "password_confirm",
        "old_password",
        "new_password",
        "new_password_confirm",
        "code",
        "refresh",
    }
)


def _safe_next(request: HttpRequest, fallback: str, *, under: str = "") -> str:
    """The `next` the page asked to return to, if it is on this site (and under `under`)."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if (
        candidate
        and candidate.startswith(under or "/")
        and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return candidate
    return resolve_url(fallback)


def _refresh_initial(data: QueryDict) -> dict[str, Any]:
    """What a worker filled in so far, to redraw a form with new pick-lists (no-JS path)."""
    initial: dict[str, Any] = {k: v for k, v in data.items() if k not in _SECRET_FIELDS}
    if "party_member" in initial:
        initial["party_member"] = True
    return initial


# --- Registration ---------------------------------------------------------------------------
# The pages whose form asks for a texted code: each purpose has its own page and form.
_CODE_PAGES: dict[str, tuple[str, type[RegistrationForm] | type[PasswordResetForm]]] = {
    SmsPurpose.REGISTER: ("accounts/register.html", RegistrationForm),
    SmsPurpose.PASSWORD_RESET: ("accounts/password_reset.html", PasswordResetForm),
}


def _render_code_page(
    request: HttpRequest,
    purpose: str,
    form: RegistrationForm | PasswordResetForm,
    *,
    sms_errors: list[str] | None = None,
    status: int = 200,
    retry_after: int | None = None,
) -> HttpResponse:
    context = {
        "form": form,
        "sms_errors": sms_errors or [],
        "sms_wait": _sms_wait_seconds(request, purpose),
        "sms_resend_seconds": settings.SMS_CODE_RESEND_SECONDS,
    }
    response = render(request, _CODE_PAGES[purpose][0], context, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def _code_page_send(request: HttpRequest, purpose: str) -> HttpResponse:
    """The "获取验证码" button of a page with a code: JSON for littlebee.js; without
    JavaScript the whole form comes back filled in (but for the passwords) with the code sent."""
    sent, errors, status, retry_after = _send_code(request, purpose)
    if _wants_json(request):
        return _code_json(sent, errors, status, retry_after, purpose)
    if sent:
        messages.info(request, sms_sent_detail(purpose))
    form = _CODE_PAGES[purpose][1](initial=_refresh_initial(request.POST))
    return _render_code_page(request, purpose, form, sms_errors=errors, status=429 if status == 429 else 200)


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    if request.method != "POST":
        initial = {"phone": request.session.get(_sms_phone_key(SmsPurpose.REGISTER), "")}
        return _render_code_page(request, SmsPurpose.REGISTER, RegistrationForm(initial=initial))
    if "refresh" in request.POST:
        # Without JavaScript the district → street → community lists fill in one step at a time.
        return _render_code_page(request, SmsPurpose.REGISTER, RegistrationForm(initial=_refresh_initial(request.POST)))
    form = RegistrationForm(request.POST)
    if form.is_valid():
        try:
            user = services.worker_register(data=form.to_input(), ip=client_ip(request))
        except TooManyRequests as exc:
            form.add_error(None, str(exc.detail))
            return _render_code_page(request, SmsPurpose.REGISTER, form, status=429, retry_after=exc.retry_after)
        except DomainError as exc:
            apply_domain_error(form, exc, field_for_code={"already_registered": "phone"})
        else:
            _forget_sms(request, SmsPurpose.REGISTER)
            login(request, user, backend=LOGIN_BACKEND)
            remember_language(request, user)
            messages.success(request, _("注册成功！社区确认报到后即可参与平台各项活动。"))
            return redirect("accounts:profile")
    return _render_code_page(request, SmsPurpose.REGISTER, form)


@require_POST
def register_sms_code(request: HttpRequest) -> HttpResponse:
    """The "获取验证码" button of the registration page."""
    return _code_page_send(request, SmsPurpose.REGISTER)


# --- One-time codes for pages ---------------------------------------------------------------
def _sms_phone_key(purpose: str) -> str:
    return SESSION_SMS_PHONE if purpose == SmsPurpose.LOGIN else f"{SESSION_SMS_PHONE}.{purpose}"


def _sms_sent_key(purpose: str) -> str:
    return SESSION_SMS_SENT_AT if purpose == SmsPurpose.LOGIN else f"{SESSION_SMS_SENT_AT}.{purpose}"


def _forget_sms(request: HttpRequest, purpose: str) -> None:
    request.session.pop(_sms_phone_key(purpose), None)
    request.session.pop(_sms_sent_key(purpose), None)


def _send_code(request: HttpRequest, purpose: str) -> tuple[bool, list[str], int, int | None]:
    """Send a code for the page's phone field: (sent, error messages, status, retry-after)."""
    form = SmsCodeRequestForm(request.POST, auto_id="sms_%s")
    if not form.is_valid():
        return False, [str(m) for found in form.errors.values() for m in found], 400, None
    try:
        services.sms_code_send(phone=form.cleaned_data["phone"], ip=client_ip(request), purpose=purpose)
    except DomainError as exc:
        retry_after = exc.retry_after if isinstance(exc, TooManyRequests) else None
        messages_ = [str(e.detail) for e in exc.errors] or [str(exc.detail)]
        return False, messages_, exc.status, retry_after
    request.session[_sms_phone_key(purpose)] = form.cleaned_data["phone"]
    request.session[_sms_sent_key(purpose)] = time.time()
    return True, [], 202, None


def _code_json(sent: bool, errors: list[str], status: int, retry_after: int | None, purpose: str) -> HttpResponse:
    if sent:
        return JsonResponse(
            {"detail": sms_sent_detail(purpose), "resend_after": settings.SMS_CODE_RESEND_SECONDS}, status=202
        )
    response = JsonResponse({"detail": errors[0] if errors else _("请检查填写的内容。")}, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


# --- Login and logout -----------------------------------------------------------------------
def _sms_wait_seconds(request: HttpRequest, purpose: str = SmsPurpose.LOGIN) -> int:
    sent_at = request.session.get(_sms_sent_key(purpose))
    if not isinstance(sent_at, int | float):
        return 0
    return max(0, int(settings.SMS_CODE_RESEND_SECONDS - (time.time() - sent_at)))


def _render_login(
    request: HttpRequest,
    *,
    method: str,
    password_form: PasswordLoginForm | None = None,
    code_form: CodeLoginForm | None = None,
    sms_request_form: SmsCodeRequestForm | None = None,
    status: int = 200,
    retry_after: int | None = None,
) -> HttpResponse:
    remembered_phone = request.session.get(SESSION_SMS_PHONE, "")
    context = {
        "method": method,
        "password_form": password_form or PasswordLoginForm(auto_id="pw_%s"),
        "code_form": code_form or CodeLoginForm(auto_id="sms_%s", initial={"phone": remembered_phone}),
        "sms_request_form": sms_request_form,
        "sms_wait": _sms_wait_seconds(request),
        "sms_resend_seconds": settings.SMS_CODE_RESEND_SECONDS,
        "next": _safe_next(request, "home") if (request.POST.get("next") or request.GET.get("next")) else "",
    }
    response = render(request, "accounts/login.html", context, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def _login_method(request: HttpRequest) -> str:
    method = request.POST.get("method") or request.GET.get("method") or "password"
    return method if method in {"password", "sms"} else "password"


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(_safe_next(request, "home"))
    method = _login_method(request)
    if request.method != "POST":
        return _render_login(request, method=method)

    form: PasswordLoginForm | CodeLoginForm
    if method == "password":
        form = PasswordLoginForm(request.POST, auto_id="pw_%s")
    else:
        form = CodeLoginForm(request.POST, auto_id="sms_%s")
    forms_by_method: dict[str, Any] = {"password_form": form} if method == "password" else {"code_form": form}
    if not form.is_valid():
        return _render_login(request, method=method, **forms_by_method)
    ip = client_ip(request)
    try:
        if method == "password":
            user = services.login_with_password(
                phone=form.cleaned_data["phone"], password=form.cleaned_data["password"], ip=ip
            )
        else:
            user = services.login_with_code(phone=form.cleaned_data["phone"], code=form.cleaned_data["code"], ip=ip)
    except TooManyRequests as exc:
        form.add_error(None, str(exc.detail))
        return _render_login(request, method=method, status=429, retry_after=exc.retry_after, **forms_by_method)
    except DomainError as exc:
        apply_domain_error(form, exc)
        return _render_login(request, method=method, **forms_by_method)
    destination = _safe_next(request, "home")
    login(request, user, backend=LOGIN_BACKEND)
    remember_language(request, user)
    request.session.pop(SESSION_SMS_PHONE, None)
    request.session.pop(SESSION_SMS_SENT_AT, None)
    return redirect(destination)


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@require_POST
def sms_code_request(request: HttpRequest) -> HttpResponse:
    """Send a login code. Called by littlebee.js (JSON) or, without JavaScript, as a form post
    from the SMS tab of the login page (the "获取验证码" button is a second submit button)."""
    form = SmsCodeRequestForm(request.POST, auto_id="sms_%s")
    status, retry_after = 400, None
    if form.is_valid():
        try:
            services.sms_code_send(phone=form.cleaned_data["phone"], ip=client_ip(request))
        except DomainError as exc:
            apply_domain_error(form, exc)
            status = exc.status
            retry_after = exc.retry_after if isinstance(exc, TooManyRequests) else None
        else:
            request.session[SESSION_SMS_PHONE] = form.cleaned_data["phone"]
            request.session[SESSION_SMS_SENT_AT] = time.time()
            # The same answer whether or not the number is registered: numbers cannot be probed.
            detail = _("如果该手机号已注册，验证码将以短信发送。")
            if _wants_json(request):
                return JsonResponse({"detail": detail, "resend_after": settings.SMS_CODE_RESEND_SECONDS}, status=202)
            messages.info(request, detail)
            query = {"method": "sms"}
            if request.POST.get("next"):
                query["next"] = _safe_next(request, "home")
            return redirect(f"{reverse('accounts:login')}?{urlencode(query)}")

    errors = [str(message) for messages_ in form.errors.values() for message in messages_]
    if _wants_json(request):
        response: HttpResponse = JsonResponse(
            {
                "detail": errors[0] if errors else _("请检查填写的内容。"),
                "errors": {name: [str(m) for m in found] for name, found in form.errors.items()},
            },
            status=status,
        )
        if retry_after:
            response["Retry-After"] = str(retry_after)
        return response
    code_form = CodeLoginForm(auto_id="sms_%s", initial={"phone": request.POST.get("phone", "")})
    return _render_login(
        request,
        method="sms",
        code_form=code_form,
        sms_request_form=form,
        status=429 if status == 429 else 200,
        retry_after=retry_after,
    )


# --- Password reset and change --------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    """Forgot the password: a code texted to the phone sets a new one and signs out every
    device. The answer never says whether the number has an account."""
    if request.method != "POST":
        initial = {"phone": request.session.get(_sms_phone_key(SmsPurpose.PASSWORD_RESET), "")}
        return _render_code_page(request, SmsPurpose.PASSWORD_RESET, PasswordResetForm(initial=initial))
    form = PasswordResetForm(request.POST)
    if form.is_valid():
        try:
            services.password_reset(
                phone=form.cleaned_data["phone"],
                code=form.cleaned_data["code"],
                new_password=form.cleaned_data["new_password"],
                ip=client_ip(request),
            )
        except TooManyRequests as exc:
            form.add_error(None, str(exc.detail))
            return _render_code_page(request, SmsPurpose.PASSWORD_RESET, form, status=429, retry_after=exc.retry_after)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            _forget_sms(request, SmsPurpose.PASSWORD_RESET)
            messages.success(request, _("密码已重置，请使用新密码登录。"))
            return redirect("accounts:login")
    return _render_code_page(request, SmsPurpose.PASSWORD_RESET, form)


@require_POST
def password_reset_sms_code(request: HttpRequest) -> HttpResponse:
    return _code_page_send(request, SmsPurpose.PASSWORD_RESET)


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    """Change the password: every other device is signed out, this one stays signed in."""
    if request.method != "POST":
        return render(request, "accounts/password_change.html", {"form": PasswordChangeForm()})
    form = PasswordChangeForm(request.POST)
    status = 200
    if form.is_valid():
        try:
            user = services.password_change(
                user=request_user(request),
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
                ip=client_ip(request),
            )
        except TooManyRequests as exc:
            form.add_error(None, str(exc.detail))
            status = 429
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, _("密码已修改，其他设备上的登录已退出。"))
            return redirect("accounts:profile")
    return render(request, "accounts/password_change.html", {"form": form}, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("您已安全退出。"))
    return redirect("home")


@require_POST
@login_required
def logout_everywhere_view(request: HttpRequest) -> HttpResponse:
    """A lost phone: every session and API token of the person ends, this browser's too."""
    services.sign_out_everywhere(user=request_user(request))
    logout(request)
    messages.info(request, _("已在所有设备上退出登录。"))
    return redirect("home")


# --- The worker's profile -------------------------------------------------------------------
def _render_profile(
    request: HttpRequest,
    *,
    edit_form: ProfileEditForm | None = None,
    resubmit_form: CheckinResubmitForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request_user(request)
    profile = selectors.worker_profile_of(user)
    if edit_form is None:
        edit_form = ProfileEditForm(
            initial={"name": user.name, "outlet": profile.outlet_id if profile else None},
            enterprise=profile.enterprise if profile else None,
            has_outlet=bool(profile and profile.outlet_id),
        )
    context: dict[str, Any] = {"profile": profile, "edit_form": edit_form, "timeline": []}
    if profile is not None:
        context["timeline"] = list(selectors.profile_timeline(profile))
        if profile.checkin_status == CheckinStatus.REJECTED:
            street = profile.community.parent
            context["resubmit_form"] = resubmit_form or CheckinResubmitForm(
                initial={"district": street.parent_id if street else None, "street": street and street.pk}
            )
    return render(request, "accounts/profile.html", context, status=status)


@login_required
@require_safe
def profile(request: HttpRequest) -> HttpResponse:
    return _render_profile(request)


@login_required
@require_POST
def profile_edit(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    worker = selectors.worker_profile_of(user)
    form = ProfileEditForm(
        request.POST,
        enterprise=worker.enterprise if worker else None,
        has_outlet=bool(worker and worker.outlet_id),
    )
    if form.is_valid():
        try:
            services.profile_update(
                user=user, name=form.cleaned_data["name"], outlet_id=form.cleaned_data.get("outlet")
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("资料已保存。"))
            return redirect("accounts:profile")
    return _render_profile(request, edit_form=form)


@login_required
@require_POST
def checkin_resubmit(request: HttpRequest) -> HttpResponse:
    if "refresh" in request.POST:
        return _render_profile(request, resubmit_form=CheckinResubmitForm(initial=_refresh_initial(request.POST)))
    form = CheckinResubmitForm(request.POST)
    if form.is_valid():
        try:
            services.checkin_resubmit(worker=request_user(request), community_id=form.cleaned_data["community"])
        except NotFound:
            raise  # the 404 page (core.error_pages), not the handler below
        except DomainError as exc:
            if exc.errors:
                apply_domain_error(form, exc)
                return _render_profile(request, resubmit_form=form)
            messages.error(request, str(exc.detail))
            return redirect("accounts:profile")
        messages.success(request, _("已重新提交报到，请等待社区确认。"))
        return redirect("accounts:profile")
    return _render_profile(request, resubmit_form=form)


# --- Staff console --------------------------------------------------------------------------
def staff_required(
    view: Callable[Concatenate[HttpRequest, StaffAccess, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """Signed-in staff only: anonymous visitors go to the login page, others get a 403 page.
    The view receives what the person may do, read once."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        access = selectors.staff_access_of(request_user(request))
        if not access.is_staff:
            raise PermissionDenied(_("工作台仅向社区、街道、企业党组织的工作人员开放。"))
        return view(request, access, *args, **kwargs)

    return login_required(wrapper)


@dataclass(frozen=True)
class Queue:
    """One of the staff queues: check-ins decided by communities, employment by enterprises."""

    key: str
    title: str | Promise
    status_field: str
    statuses: type[TextChoices]
    url_name: str
    confirm_url: str
    reject_url: str
    reviewable_by: Callable[[User], QuerySet[WorkerProfile]]
    confirm: Callable[..., WorkerProfile]
    reject: Callable[..., WorkerProfile]
    allowed: Callable[[StaffAccess], bool]
    confirmed_message: str | Promise
    rejected_message: str | Promise
    description: str | Promise
    confirm_label: str | Promise
    reject_label: str | Promise
    reject_prompt: str | Promise
    empty_pending: str | Promise


CHECKIN_QUEUE = Queue(
    key="checkins",
    title=gettext_lazy("社区报到审核"),
    status_field="checkin_status",
    statuses=CheckinStatus,
    url_name="accounts:checkin_queue",
    confirm_url="accounts:checkin_confirm",
    reject_url="accounts:checkin_reject",
    reviewable_by=selectors.checkins_reviewable_by,
    confirm=services.checkin_confirm,
    reject=services.checkin_reject,
    allowed=lambda access: access.can_review_checkins,
    confirmed_message=gettext_lazy("已确认%(name)s的社区报到。"),
    rejected_message=gettext_lazy("已退回%(name)s的社区报到。"),
    description=gettext_lazy("核对信息后确认报到；不属于本社区或信息有误的，请写明原因退回。"),
    confirm_label=gettext_lazy("确认报到"),
    reject_label=gettext_lazy("退回"),
    reject_prompt=gettext_lazy("退回原因（小哥会看到）"),
    empty_pending=gettext_lazy("新的报到提交后会出现在这里。"),
)

EMPLOYMENT_QUEUE = Queue(
    key="employment",
    title=gettext_lazy("在职确认"),
    status_field="employment_status",
    statuses=EmploymentStatus,
    url_name="accounts:employment_queue",
    confirm_url="accounts:employment_confirm",
    reject_url="accounts:employment_reject",
    reviewable_by=selectors.employment_reviewable_by,
    confirm=services.employment_confirm,
    reject=services.employment_reject,
    allowed=lambda access: access.can_review_employment,
    confirmed_message=gettext_lazy("已确认%(name)s在职。"),
    rejected_message=gettext_lazy("已将%(name)s标记为企业未确认。"),
    description=gettext_lazy("确认这些小哥是否在本企业从业；无法确认的，请写明原因。"),
    confirm_label=gettext_lazy("确认在职"),
    reject_label=gettext_lazy("不予确认"),
    reject_prompt=gettext_lazy("不予确认的原因（小哥会看到）"),
    empty_pending=gettext_lazy("本企业小哥注册后会出现在这里。"),
)


def _queue_page(request: HttpRequest, access: StaffAccess, queue: Queue) -> HttpResponse:
    if not queue.allowed(access):
        raise PermissionDenied(_("您的岗位不负责这项审核。"))
    status = request.GET.get("status", "pending")
    if status not in queue.statuses.values:
        status = "pending"
    reviewable = queue.reviewable_by(request_user(request))
    counts = selectors.queue_counts(reviewable, queue.status_field, list(queue.statuses.values))
    rows = selectors.queue_page_rows(reviewable, queue.status_field, status)
    page = Paginator(rows, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    tabs = [
        {"value": value, "label": label, "count": counts.get(value, 0), "active": value == status}
        for value, label in queue.statuses.choices
    ]
    context = {
        "access": access,
        "queue": queue,
        "status": status,
        "tabs": tabs,
        "page": page,
        "decision_form": DecisionForm(),
    }
    return render(request, "staff/queue.html", context)


def _decide(request: HttpRequest, access: StaffAccess, queue: Queue, profile_id: int, *, confirm: bool) -> HttpResponse:
    if not queue.allowed(access):
        raise PermissionDenied(_("您的岗位不负责这项审核。"))
    back = _safe_next(request, queue.url_name, under=reverse(queue.url_name))
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("意见不能超过 255 个字。"))
        return redirect(back)
    action = queue.confirm if confirm else queue.reject
    try:
        decided = action(profile_id=profile_id, actor=request_user(request), note=form.cleaned_data["note"])
    except NotFound:
        raise  # the 404 page (core.error_pages), not the handler below
    except DomainError as exc:
        messages.error(request, str(exc.detail))
        return redirect(back)
    template = queue.confirmed_message if confirm else queue.rejected_message
    messages.success(request, str(template) % {"name": decided.user.name})
    return redirect(back)


@staff_required
@require_safe
def checkin_queue(request: HttpRequest, access: StaffAccess) -> HttpResponse:
    return _queue_page(request, access, CHECKIN_QUEUE)


@staff_required
@require_POST
def checkin_confirm(request: HttpRequest, access: StaffAccess, profile_id: int) -> HttpResponse:
    return _decide(request, access, CHECKIN_QUEUE, profile_id, confirm=True)


@staff_required
@require_POST
def checkin_reject(request: HttpRequest, access: StaffAccess, profile_id: int) -> HttpResponse:
    return _decide(request, access, CHECKIN_QUEUE, profile_id, confirm=False)


@staff_required
@require_safe
def employment_queue(request: HttpRequest, access: StaffAccess) -> HttpResponse:
    return _queue_page(request, access, EMPLOYMENT_QUEUE)


@staff_required
@require_POST
def employment_confirm(request: HttpRequest, access: StaffAccess, profile_id: int) -> HttpResponse:
    return _decide(request, access, EMPLOYMENT_QUEUE, profile_id, confirm=True)


@staff_required
@require_POST
def employment_reject(request: HttpRequest, access: StaffAccess, profile_id: int) -> HttpResponse:
    return _decide(request, access, EMPLOYMENT_QUEUE, profile_id, confirm=False)


def admin_login_redirect(request: HttpRequest) -> HttpResponse:
    """Send /admin/login/ to the platform's login page, keeping where to go afterwards."""
    target = request.GET.get("next", "/admin/")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/admin/"
    return redirect(f"{reverse('accounts:login')}?{urlencode({'next': target})}")


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Django's set_language (the language switch), which also remembers a signed-in person's
    choice: the texts sent to them (SMS) are written in it."""
    response = set_language(request)
    if request.user.is_authenticated:
        services.user_language_set(user=request_user(request), language=request.POST.get("language", ""))
    return response
