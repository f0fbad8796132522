"""认真学: learning items (articles, audio, video, quizzes), the question bank, and the worker's
learning sessions, whose server-side timing decides whether an item is credited.

An item is written by staff and travels draft → review → published → archived, each step a row of
its timeline (ItemEvent). A session is one worker's opening of one item: the server measures the
time it was visible from the session's start and the client's heartbeats, and a quiz session
holds the questions drawn for it, so answers are checked against what was asked.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from littlebee.core.models import TimeStampedModel
from littlebee.core.texts import in_language
from littlebee.orgs.models import Organisation, Region


class Topic(models.TextChoices):
    PARTY = "party", _("党建知识")
    POLICY = "policy", _("政策法规")
    TRAFFIC = "traffic", _("交通安全")
    FIRE = "fire", _("安全生产与消防")
    RIGHTS = "rights", _("劳动权益")
    SKILLS = "skills", _("技能与服务")


class ItemKind(models.TextChoices):
    ARTICLE = "article", _("文章")
    AUDIO = "audio", _("音频")
    VIDEO = "video", _("视频")
    QUIZ = "quiz", _("答题")


class ItemStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    REVIEW = "review", _("待审核")
    PUBLISHED = "published", _("已发布")
    ARCHIVED = "archived", _("已归档")


class QuizKind(models.TextChoices):
    DAILY = "daily", _("每日答题")
    WEEKLY = "weekly", _("每周答题")
    SPECIAL = "special", _("专项考试")
    CHALLENGE = "challenge", _("挑战答题")


class Activity(models.TextChoices):
    """What earns learning points: the category of the points app's earning rule (source
    article_read for the first two, quiz_passed for the others), each with its daily cap."""

    READING = "reading", _("阅读文章")
    LISTENING = "listening", _("视听学习")
    DAILY_QUIZ = "daily_quiz", _("每日答题")
    WEEKLY_QUIZ = "weekly_quiz", _("每周答题")
    SPECIAL_EXAM = "special_exam", _("专项考试")
    CHALLENGE = "challenge", _("挑战答题")


QUIZ_ACTIVITIES = {
    QuizKind.DAILY: Activity.DAILY_QUIZ,
    QuizKind.WEEKLY: Activity.WEEKLY_QUIZ,
    QuizKind.SPECIAL: Activity.SPECIAL_EXAM,
    QuizKind.CHALLENGE: Activity.CHALLENGE,
}


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("单选题")
    MULTIPLE = "multiple", _("多选题")
    TRUE_FALSE = "true_false", _("判断题")


class Question(TimeStampedModel):
    """One question of the bank, with its choices (one or more correct) and the explanation shown
    after the attempt."""

    topic = models.CharField(_("主题"), max_length=16, choices=Topic.choices)
    kind = models.CharField(_("题型"), max_length=16, choices=QuestionKind.choices)
    text = models.CharField(_("题目"), max_length=500)
    explanation = models.TextField(_("解析"), blank=True)
    # English (core.texts): blank shows the Chinese under English too.
    text_en = models.CharField(_("英文题目"), max_length=700, blank=True)
    explanation_en = models.TextField(_("英文解析"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("题目")
        verbose_name_plural = _("题库")
        ordering = ["id"]
        indexes = [models.Index(fields=["is_active", "topic"], name="learning_question_topic_idx")]

    def __str__(self) -> str:
        return self.text[:40]

    @property
    def local_text(self) -> str:
        return in_language(self.text, self.text_en)

    @property
    def local_explanation(self) -> str:
        return in_language(self.explanation, self.explanation_en)


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    text = models.CharField(_("选项"), max_length=200)
    text_en = models.CharField(_("英文选项"), max_length=300, blank=True)
    correct = models.BooleanField(_("正确"), default=False)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.text

    @property
    def local_text(self) -> str:
        return in_language(self.text, self.text_en)


class LearningItem(TimeStampedModel):
    """An article, an audio or video lesson, or a quiz, for the audience it names (everyone when
    it names no worker type, region or enterprise), inside its publication window."""

    kind = models.CharField(_("类型"), max_length=16, choices=ItemKind.choices)
    title = models.CharField(_("标题"), max_length=120)
    topic = models.CharField(_("主题"), max_length=16, choices=Topic.choices)
    summary = models.CharField(_("摘要"), max_length=200, blank=True)
    # English (core.texts): blank shows the Chinese under English too. The minimum reading time
    # is measured on the Chinese text, whichever the reader gets.
    title_en = models.CharField(_("英文标题"), max_length=160, blank=True)
    summary_en = models.CharField(_("英文摘要"), max_length=300, blank=True)
    body_en = models.TextField(_("英文正文"), blank=True)
    # The article's text, paragraphs separated by blank lines; for audio and video, a transcript
    # or notes. Plain text: the page renders paragraphs, nothing a writer typed runs as HTML.
    body = models.TextField(_("正文"), blank=True)
    media = models.FileField(_("音视频文件"), upload_to="learning/media/%Y/%m/", blank=True)
    media_type = models.CharField(max_length=40, blank=True)
    # Entered by the writer: what "80 % played" is measured against.
    duration_seconds = models.PositiveIntegerField(_("时长（秒）"), null=True, blank=True)
    # The audience: worker types as space-separated codes (blank: every type), regions (the
    # worker's community lies under one of them) and enterprises; none named means everyone.
    worker_types = models.CharField(_("面向从业类型"), max_length=80, blank=True)
    regions = models.ManyToManyField(Region, verbose_name=_("面向区域"), blank=True, related_name="+")
    enterprises = models.ManyToManyField(
        Organisation, verbose_name=_("面向企业"), blank=True, related_name="+", limit_choices_to={"kind": "enterprise"}
    )
    publish_from = models.DateTimeField(_("发布时间"), null=True, blank=True)
    publish_until = models.DateTimeField(_("下线时间"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=ItemStatus.choices, default=ItemStatus.DRAFT)
    # The party organisation (city or district) the item belongs to; null: the city admins'.
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("发布单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    # Quizzes.
    quiz_kind = models.CharField(_("答题类型"), max_length=16, choices=QuizKind.choices, blank=True)
    question_count = models.PositiveSmallIntegerField(_("题目数量"), default=5)
    pass_mark = models.PositiveSmallIntegerField(_("及格线（%）"), default=60)
    # Special exams: how many attempts a worker has (0: as many as they like).
    max_attempts = models.PositiveSmallIntegerField(_("可答次数"), default=1)
    seconds_per_question = models.PositiveSmallIntegerField(_("每题限时（秒）"), default=20)
    # Special exams ask these, in this order; the other quizzes draw from the bank.
    questions = models.ManyToManyField(Question, verbose_name=_("固定题目"), blank=True, related_name="items")

    class Meta:
        verbose_name = _("学习内容")
        verbose_name_plural = _("学习内容")
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["status", "kind", "topic"], name="learning_item_listing_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="quiz", quiz_kind__in=QuizKind.values) | (~Q(kind="quiz") & Q(quiz_kind="")),
                name="learning_item_quiz_kind_iff_quiz",
            ),
            models.CheckConstraint(
                condition=Q(publish_until__isnull=True)
                | Q(publish_from__isnull=True)
                | Q(publish_from__lt=models.F("publish_until")),
                name="learning_item_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def local_title(self) -> str:
        """The title in the reader's language."""
        return in_language(self.title, self.title_en)

    @property
    def local_summary(self) -> str:
        return in_language(self.summary, self.summary_en)

    @property
    def activity(self) -> str:
        if self.kind == ItemKind.ARTICLE:
            return Activity.READING
        if self.kind in (ItemKind.AUDIO, ItemKind.VIDEO):
            return Activity.LISTENING
        return QUIZ_ACTIVITIES[QuizKind(self.quiz_kind)]

    @property
    def min_seconds(self) -> int:
        """How long the item must be open and visible (or playing) before it is credited: for
        text 3 s per 100 characters within 10–60 s (LEARNING_READ_*), for audio and video the
        share LEARNING_MEDIA_SHARE_PERCENT of its duration; quizzes have none."""
        if self.kind == ItemKind.QUIZ:
            return 0
        if self.kind in (ItemKind.AUDIO, ItemKind.VIDEO) and self.duration_seconds:
            return math.ceil(self.duration_seconds * settings.LEARNING_MEDIA_SHARE_PERCENT / 100)
        chars = len("".join(self.body.split())) + len(self.title)
        seconds = math.ceil(chars * settings.LEARNING_READ_SECONDS_PER_100_CHARS / 100)
        return max(settings.LEARNING_READ_MIN_SECONDS, min(settings.LEARNING_READ_MAX_SECONDS, seconds))

    @property
    def minutes(self) -> int:
        """About how long it takes, for the list: at least one minute."""
        if self.kind == ItemKind.QUIZ:
            count = self.question_count if self.quiz_kind != QuizKind.SPECIAL else max(self.question_count, 1)
            return max(1, math.ceil(count * self.seconds_per_question / 60))
        if self.kind in (ItemKind.AUDIO, ItemKind.VIDEO) and self.duration_seconds:
            return max(1, math.ceil(self.duration_seconds / 60))
        # About 400 characters a minute, read with attention.
        return max(1, math.ceil(len(self.body) / 400))

    @property
    def local_body(self) -> str:
        return in_language(self.body, self.body_en)

    @property
    def paragraphs(self) -> list[str]:
        """The text in the reader's language, paragraph by paragraph."""
        return [p.strip() for p in self.local_body.replace("\r\n", "\n").split("\n\n") if p.strip()]

    def worker_type_codes(self) -> list[str]:
        return self.worker_types.split()


class ItemEvent(models.Model):
    """The item's timeline: who moved it from which status to which, when, and why."""

    item = models.ForeignKey(LearningItem, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=16)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    note = models.CharField(max_length=255, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.item_id} {self.from_status}→{self.to_status}"


class SessionStatus(models.TextChoices):
    OPEN = "open", _("进行中")
    CREDITED = "credited", _("已计分")
    # Finished, no points: the daily cap was reached, the item was credited before, a quiz not passed.
    COMPLETED = "completed", _("已完成")
    # Finished, no points, and shown to staff: parallel sessions, a finish without heartbeats.
    FLAGGED = "flagged", _("异常")


class SessionFlag(models.TextChoices):
    PARALLEL = "parallel", _("同时打开多项内容")
    NO_HEARTBEAT = "no_heartbeat", _("未见页面在前台")
    TOO_FAST = "too_fast", _("答题过快")


class LearningSession(models.Model):
    """One worker's opening of one item. Visible time is measured here, not trusted from the
    client: each heartbeat adds the time since the previous one (at most
    LEARNING_HEARTBEAT_MAX_GAP_SECONDS, so a page left in the background earns nothing)."""

    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="learning_sessions")
    item = models.ForeignKey(LearningItem, on_delete=models.CASCADE, related_name="sessions")
    activity = models.CharField(max_length=16, choices=Activity.choices)
    status = models.CharField(max_length=16, choices=SessionStatus.choices, default=SessionStatus.OPEN)
    flag = models.CharField(max_length=16, choices=SessionFlag.choices, blank=True)
    started_at = models.DateTimeField()
    last_seen_at = models.DateTimeField(null=True, blank=True)
    heartbeats = models.PositiveIntegerField(default=0)
    visible_ms = models.PositiveIntegerField(default=0)
    # Audio and video: the furthest position played the server accepted (seconds).
    position_seconds = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Quizzes: the questions asked, in order, the answers given, what was right.
    question_ids = models.JSONField(default=list, blank=True)
    answers = models.JSONField(default=dict, blank=True)
    # A challenge hands out one question at a time: when the one being answered now was handed
    # out, so the server can refuse an answer that came after its time limit.
    asked_at = models.DateTimeField(null=True, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    points = models.PositiveIntegerField(default=0)
    # Why nothing was credited (a stable code: daily_cap, already_credited, not_passed, flagged…).
    reason = models.CharField(max_length=32, blank=True)
    # One credit per worker and item (per day for the daily quiz, per week for the weekly one):
    # the database refuses a second session with the same key.
    credit_key = models.CharField(max_length=96, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["worker", "status", "finished_at"], name="learning_session_worker_idx"),
            models.Index(fields=["item", "status"], name="learning_session_item_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", finished_at__isnull=True)
                | (~Q(status="open") & Q(finished_at__isnull=False)),
                name="learning_session_finished_iff_closed",
            ),
            models.CheckConstraint(
                condition=Q(credit_key__isnull=True) | Q(status="credited"), name="learning_session_key_only_credited"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worker_id} · {self.item_id} · {self.status}"
