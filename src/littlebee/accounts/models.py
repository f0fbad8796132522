"""Users identified by phone, worker profiles with check-in, staff roles, tokens and SMS codes."""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from littlebee.core.models import TimeStampedModel
from littlebee.orgs.models import Organisation, Outlet, Region


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, phone: str, password: str | None = None, **extra: Any) -> User:
        user = self.model(phone=phone, **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, phone: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(phone, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    phone = models.CharField(_("手机号"), max_length=11, unique=True)
    name = models.CharField(_("姓名"), max_length=50)
    is_active = models.BooleanField(_("有效"), default=True)
    is_staff = models.BooleanField(_("可进入管理后台"), default=False)
    date_joined = models.DateTimeField(_("注册时间"), default=timezone.now)
    # Rotated to sign the user out everywhere (sessions and tokens) without changing the password.
    security_stamp = models.CharField(max_length=32, blank=True, default="", editable=False)
    # The language the person last chose on the site (blank: the city's, LANGUAGE_CODE). Texts sent
    # to them (SMS) are written in it; pages and the API follow the request's language.
    language = models.CharField(_("语言"), max_length=10, blank=True, default="", choices=settings.LANGUAGES)

    USERNAME_FIELD = "phone"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["name"]

    objects = UserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return f"{self.name} ({self.phone})"

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name

    def credentials_stamp(self) -> str:
        """Changes whenever the password does or the security stamp is rotated. A token carries
        the stamp it was issued under, so a password changed anywhere (a service, the admin,
        `manage.py changepassword`) ends every older token, as Django ends older sessions."""
        return hashlib.sha256(f"{self.password}|{self.security_stamp}".encode()).hexdigest()[:32]

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        # Django's session hash covers the password; add the stamp so "sign out everywhere"
        # ends sessions too. Without a stamp the hash is Django's own, so no session is lost.
        key_salt = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"
        value = f"{self.password}|{self.security_stamp}" if self.security_stamp else self.password
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()


class WorkerType(models.TextChoices):
    COURIER = "courier", _("快递员")
    FOOD_DELIVERY = "food_delivery", _("外卖骑手")
    RIDE_HAILING = "ride_hailing", _("网约车司机")
    OTHER = "other", _("其他")


class CheckinStatus(models.TextChoices):
    PENDING = "pending", _("待社区确认")
    CONFIRMED = "confirmed", _("已报到")
    REJECTED = "rejected", _("未通过")


class EmploymentStatus(models.TextChoices):
    PENDING = "pending", _("待企业确认")
    CONFIRMED = "confirmed", _("企业已确认")
    REJECTED = "rejected", _("企业未确认")


class WorkerProfile(TimeStampedModel):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="worker_profile")
    worker_type = models.CharField(_("从业类型"), max_length=20, choices=WorkerType.choices)
    enterprise = models.ForeignKey(
        Organisation,
        verbose_name=_("所属企业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="workers",
        limit_choices_to={"kind": "enterprise"},
    )
    outlet = models.ForeignKey(
        Outlet, verbose_name=_("网点"), null=True, blank=True, on_delete=models.SET_NULL, related_name="workers"
    )
    community = models.ForeignKey(
        Region,
        verbose_name=_("报到社区"),
        on_delete=models.PROTECT,
        related_name="workers",
        limit_choices_to={"level": "community"},
    )
    party_member = models.BooleanField(_("党员"), default=False)

    checkin_status = models.CharField(
        _("社区报到"), max_length=16, choices=CheckinStatus.choices, default=CheckinStatus.PENDING
    )
    checkin_decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    checkin_decided_at = models.DateTimeField(null=True, blank=True)
    checkin_note = models.CharField(_("社区意见"), max_length=255, blank=True)

    employment_status = models.CharField(
        _("企业确认"), max_length=16, choices=EmploymentStatus.choices, default=EmploymentStatus.PENDING
    )
    employment_decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    employment_decided_at = models.DateTimeField(null=True, blank=True)
    employment_note = models.CharField(_("企业意见"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("新就业群体档案")
        verbose_name_plural = _("新就业群体档案")
        indexes = [
            models.Index(fields=["community", "checkin_status", "created_at"], name="profile_checkin_queue_idx"),
            models.Index(fields=["enterprise", "employment_status", "created_at"], name="profile_employ_queue_idx"),
        ]

    def __str__(self) -> str:
        return str(self.user)

    @property
    def verified(self) -> bool:
        return self.checkin_status == CheckinStatus.CONFIRMED

    def can_decide_checkin(self) -> bool:
        return self.checkin_status == CheckinStatus.PENDING

    def can_decide_employment(self) -> bool:
        return self.employment_status == EmploymentStatus.PENDING and self.enterprise_id is not None


class ProfileEventAction(models.TextChoices):
    REGISTERED = "registered", _("注册报到")
    CHECKIN_CONFIRMED = "checkin_confirmed", _("社区确认报到")
    CHECKIN_REJECTED = "checkin_rejected", _("社区退回报到")
    EMPLOYMENT_CONFIRMED = "employment_confirmed", _("企业确认在职")
    EMPLOYMENT_REJECTED = "employment_rejected", _("企业未确认在职")
    RESUBMITTED = "resubmitted", _("重新提交报到")


class ProfileEvent(models.Model):
    """Append-only timeline of a worker's registration and check-in."""

    profile = models.ForeignKey(WorkerProfile, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=32, choices=ProfileEventAction.choices)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_role = models.CharField(max_length=32, blank=True)
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    note = models.CharField(max_length=255, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("报到记录")
        verbose_name_plural = _("报到记录")

    def __str__(self) -> str:
        return f"{self.get_action_display()} @ {self.at:%Y-%m-%d %H:%M}"


class Role(models.TextChoices):
    HANDLER = "handler", _("经办人")
    ADMIN = "admin", _("管理员")
    KEEPER = "keeper", _("蜂巢站长")
    CITY_ADMIN = "city_admin", _("市级管理员")


class Membership(TimeStampedModel):
    """A staff role: a user acting for an organisation. One user may hold several."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices)
    granted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("岗位")
        verbose_name_plural = _("岗位")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="membership_unique_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.organisation} · {self.get_role_display()}"


class ApiToken(models.Model):
    """A bearer token for mobile clients. Only the SHA-256 of the secret is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    name = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Sliding expiry: a token unused for API_TOKEN_TTL_DAYS is dead. Set at issue.
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # The user's credentials_stamp() when issued: a changed password ends the token.
    credentials = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class SmsPurpose(models.TextChoices):
    LOGIN = "login", _("登录")
    REGISTER = "register", _("注册")
    PASSWORD_RESET = "password_reset", _("找回密码")


class SmsCode(models.Model):
    """A one-time code. The code itself is never stored, only its hash."""

    phone = models.CharField(max_length=11)
    purpose = models.CharField(max_length=16, choices=SmsPurpose.choices, default=SmsPurpose.LOGIN)
    code_hash = models.CharField(max_length=128)
    requested_ip = models.CharField(max_length=45, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["phone", "created_at"], name="smscode_phone_idx"),
            models.Index(fields=["requested_ip", "created_at"], name="smscode_ip_idx"),
        ]

    def __str__(self) -> str:
        # Never the code: only when and for whom.
        return f"SMS code for {self.phone[:3]}****{self.phone[-4:]} at {self.created_at:%Y-%m-%d %H:%M}"


class AuthAttempt(models.Model):
    """Each login attempt: the source of truth for lock-outs across processes."""

    phone = models.CharField(max_length=20)
    ip = models.CharField(max_length=45, blank=True)
    method = models.CharField(max_length=16)
    succeeded = models.BooleanField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["phone", "at"], name="authattempt_phone_idx"),
            models.Index(fields=["ip", "at"], name="authattempt_ip_idx"),
        ]
        constraints = [models.CheckConstraint(condition=~Q(method=""), name="authattempt_method_set")]

    def __str__(self) -> str:
        return f"{self.method} {'ok' if self.succeeded else 'failed'} @ {self.at:%Y-%m-%d %H:%M}"
