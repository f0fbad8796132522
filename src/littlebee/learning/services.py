"""Every write of 认真学: items and their review workflow, media, the question bank and its Excel
import, and learning sessions (start, heartbeat, finish) with their credit.

Points go through points.services.points_award only, one ledger entry per credit key (an
article once per worker, the daily quiz once per day, the weekly once per week), under the
earning rule of the activity, whose daily cap the points service applies.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from littlebee.accounts.models import User, WorkerProfile
from littlebee.core.counted import Counted, counted_rows_changed
from littlebee.core.errors import Conflict, DomainError, FieldError, InvalidInput, NotFound, PayloadTooLarge
from littlebee.core.errors import PermissionDenied as Forbidden
from littlebee.core.texts import names
from littlebee.points.services import AwardResult, points_award

from . import media, selectors
from .models import (
    Activity,
    Choice,
    ItemEvent,
    ItemKind,
    ItemStatus,
    LearningItem,
    LearningSession,
    Question,
    QuestionKind,
    QuizKind,
    SessionFlag,
    SessionStatus,
    Topic,
)

CHALLENGE_QUESTIONS = 30
# A challenge answer may arrive this much after its question's time limit (the network, the tap).
CHALLENGE_GRACE_SECONDS = 2


class TooFast(Conflict):
    """Finished before the minimum time; `seconds_left` says how long is left."""

    def __init__(self, seconds_left: int, detail: Any = None) -> None:
        super().__init__(
            "too_fast",
            detail or _("学习时间还不够，请再看 %(seconds)d 秒后完成。") % {"seconds": seconds_left},
        )
        self.seconds_left = seconds_left


# --- The item workflow ---------------------------------------------------------------------------
# action → (from statuses, to status)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "submit": ((ItemStatus.DRAFT,), ItemStatus.REVIEW),
    "return": ((ItemStatus.REVIEW,), ItemStatus.DRAFT),
    "publish": ((ItemStatus.REVIEW,), ItemStatus.PUBLISHED),
    "archive": ((ItemStatus.PUBLISHED,), ItemStatus.ARCHIVED),
}


def _event(item: LearningItem, *, actor: User, action: str, from_status: str, note: str = "") -> None:
    ItemEvent.objects.create(
        item=item,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=item.status,
        note=note[:255],
        at=timezone.now(),
    )


def _editable(actor: User, item_id: int) -> LearningItem:
    editor = selectors.learning_editor_of(actor)
    if not editor.edits_any:
        raise Forbidden(_("学习内容由市、区党组织的工作人员编写和审核。"))
    return selectors.item_editable(editor, item_id)


def item_save(
    *,
    actor: User,
    item: LearningItem,
    regions: list[Any] | None = None,
    enterprises: list[Any] | None = None,
    questions: list[Question] | None = None,
) -> LearningItem:
    """Create an item (as a draft, with the actor as its author) or change a draft."""
    editor = selectors.learning_editor_of(actor)
    if not editor.edits_any:
        raise Forbidden(_("学习内容由市、区党组织的工作人员编写和审核。"))
    if not editor.covers(item.organisation_id):
        raise Forbidden(_("您只能编写本单位的学习内容。"))
    if item.pk is not None:
        current = selectors.item_editable(editor, item.pk)
        if current.status != ItemStatus.DRAFT:
            raise Conflict("invalid_transition", _("只有草稿可以修改；已发布的内容请先归档再新建。"))
    else:
        item.author = actor
        item.status = ItemStatus.DRAFT
    if item.kind != ItemKind.QUIZ:
        item.quiz_kind = ""
    elif not item.quiz_kind:
        raise InvalidInput.one("quiz_kind", _("请选择答题类型。"))
    try:
        item.full_clean(exclude=["media", "author", "reviewer", "organisation"])
    except ValidationError as exc:
        raise InvalidInput.from_django(exc) from exc
    with transaction.atomic():
        created = item.pk is None
        item.save()
        if regions is not None:
            item.regions.set(regions)
        if enterprises is not None:
            item.enterprises.set(enterprises)
        if questions is not None:
            exam_questions_set(item, questions)
        if created:
            _event(item, actor=actor, action="create", from_status="")
    return item


def _ready_errors(item: LearningItem) -> list[FieldError]:
    errors: list[FieldError] = []
    if item.kind == ItemKind.ARTICLE and not item.body.strip():
        errors.append(FieldError("body", _("文章需要正文。")))
    if item.kind in (ItemKind.AUDIO, ItemKind.VIDEO) and (not item.media or not item.duration_seconds):
        errors.append(FieldError("media", _("请先上传音视频文件。")))
    if item.kind == ItemKind.QUIZ and item.quiz_kind == QuizKind.SPECIAL and not item.questions.exists():
        errors.append(FieldError("questions", _("专项考试需要选定题目。")))
    return errors


@transaction.atomic
def item_transition(*, actor: User, item_id: int, action: str, note: str = "") -> LearningItem:
    """Move an item along its workflow. Publishing is the review: the reviewer may not be the
    author. Every step writes a timeline row."""
    if action not in TRANSITIONS:
        raise InvalidInput.one("action", _("未知的操作。"))
    item = _editable(actor, item_id)
    item = LearningItem.objects.select_for_update().get(pk=item.pk)
    sources, target = TRANSITIONS[action]
    if item.status not in sources:
        raise Conflict("invalid_transition", _("该内容当前状态下不能执行此操作。"))
    if action in ("publish", "return") and item.author_id == actor.pk:
        raise Forbidden(_("审核须由作者以外的工作人员进行。"))
    if action == "submit":
        errors = _ready_errors(item)
        if errors:
            raise InvalidInput(errors)
    if action == "return" and not note.strip():
        raise InvalidInput.one("note", _("请写明退回的原因。"))
    from_status = item.status
    item.status = target
    fields = ["status", "updated_at"]
    if action == "publish":
        item.reviewer = actor
        item.published_at = timezone.now()
        fields += ["reviewer", "published_at"]
    item.save(update_fields=fields)
    _event(item, actor=actor, action=action, from_status=from_status, note=note)
    return item


# --- Media ---------------------------------------------------------------------------------------
# Leading bytes of the containers we accept, and what they are.
def media_sniff(head: bytes) -> tuple[str, str] | None:
    """(kind, content type) of audio or video from its first bytes, or None."""
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return ItemKind.AUDIO, "audio/mpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return ItemKind.AUDIO, "audio/wav"
    if head.startswith(b"OggS"):
        return ItemKind.AUDIO, "audio/ogg"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"M4A ", b"M4B "):
            return ItemKind.AUDIO, "audio/mp4"
        return ItemKind.VIDEO, "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return ItemKind.VIDEO, "video/webm"
    return None


# (FFmpeg's container, what it holds) → the type it is served as.
MEDIA_TYPES: dict[tuple[str, str], str] = {
    ("mp3", ItemKind.AUDIO): "audio/mpeg",
    ("wav", ItemKind.AUDIO): "audio/wav",
    ("ogg", ItemKind.AUDIO): "audio/ogg",
    ("mov,mp4,m4a,3gp,3g2,mj2", ItemKind.AUDIO): "audio/mp4",
    ("mov,mp4,m4a,3gp,3g2,mj2", ItemKind.VIDEO): "video/mp4",
    ("matroska,webm", ItemKind.VIDEO): "video/webm",
}
MEDIA_EXTENSIONS = {
    "audio/mpeg": "mp3",
    "audio/wav": "wav",
    "audio/ogg": "ogg",
    "audio/mp4": "m4a",
    "video/mp4": "mp4",
    "video/webm": "webm",
}


def item_media_attach(*, actor: User, item_id: int, upload: UploadedFile | IO[bytes]) -> LearningItem:
    """Store the audio or video of a draft after checking it is real media of the item's kind
    (by its bytes, not its name or declared type) and not too large."""
    item = _editable(actor, item_id)
    if item.status != ItemStatus.DRAFT:
        raise Conflict("invalid_transition", _("只有草稿可以修改；已发布的内容请先归档再新建。"))
    if item.kind not in (ItemKind.AUDIO, ItemKind.VIDEO):
        raise InvalidInput.one("media", _("只有音频和视频内容可以上传文件。"))
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, 2)
        size = upload.tell()
    if size > settings.LEARNING_MEDIA_MAX_MB * 1024 * 1024:
        raise PayloadTooLarge(_("文件不能超过 %(mb)d MB。") % {"mb": settings.LEARNING_MEDIA_MAX_MB})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    # The leading bytes first (cheap, and FFmpeg never sees what is plainly not media), then
    # FFmpeg's own reading: the streams, a frame that decodes, and the length the file plays.
    found = media_sniff(head)
    facts = media.media_facts(upload) if found is not None else None
    content_type = MEDIA_TYPES.get((facts.container, facts.kind)) if facts is not None else None
    if facts is None or content_type is None or facts.kind != item.kind:
        expected = _("音频（MP3、M4A、OGG、WAV）") if item.kind == ItemKind.AUDIO else _("视频（MP4、WebM）")
        raise InvalidInput.one("media", _("这不是有效的%(what)s文件。") % {"what": expected})
    from django.core.files import File

    name = f"item-{item.pk}.{MEDIA_EXTENSIONS[content_type]}"
    with transaction.atomic():
        item = LearningItem.objects.select_for_update().get(pk=item.pk)
        item.media.save(name, File(upload, name=name), save=False)
        item.media_type = content_type
        # What "80 % played" is measured against: the file's own length, never a number typed in.
        item.duration_seconds = facts.duration_seconds
        item.save(update_fields=["media", "media_type", "duration_seconds", "updated_at"])
    return item


# --- The question bank ---------------------------------------------------------------------------
@dataclass
class QuestionDraft:
    topic: str
    kind: str
    text: str
    choices: list[tuple[str, bool]]
    explanation: str = ""
    # English (blank: the Chinese is shown); choices_en lines up with choices.
    text_en: str = ""
    explanation_en: str = ""
    choices_en: list[str] = field(default_factory=list)


def _question_errors(draft: QuestionDraft) -> list[str]:
    errors: list[str] = []
    if draft.topic not in Topic.values:
        errors.append(str(_("主题不正确。")))
    if draft.kind not in QuestionKind.values:
        errors.append(str(_("题型不正确（单选、多选或判断）。")))
    if not draft.text.strip():
        errors.append(str(_("题目不能为空。")))
    elif len(draft.text) > 500:
        errors.append(str(_("题目不能超过 500 字。")))
    if any(len(text) > 200 for text, _correct in draft.choices):
        errors.append(str(_("选项不能超过 200 字。")))
    if len(draft.text_en) > 700 or any(len(text) > 300 for text in draft.choices_en):
        errors.append(str(_("英文题目不能超过 700 字符，英文选项不能超过 300 字符。")))
    correct = sum(1 for _text, ok in draft.choices if ok)
    if len(draft.choices) < 2:
        errors.append(str(_("至少需要两个选项。")))
    elif draft.kind == QuestionKind.TRUE_FALSE and len(draft.choices) != 2:
        errors.append(str(_("判断题只有“正确”“错误”两个选项。")))
    if correct == 0:
        errors.append(str(_("请标出正确答案。")))
    elif draft.kind in (QuestionKind.SINGLE, QuestionKind.TRUE_FALSE) and correct != 1:
        errors.append(str(_("单选题和判断题只能有一个正确答案。")))
    return errors


def _question_insert(draft: QuestionDraft, actor: User | None) -> Question:
    question = Question.objects.create(
        topic=draft.topic,
        kind=draft.kind,
        text=draft.text.strip(),
        explanation=draft.explanation.strip(),
        text_en=draft.text_en.strip(),
        explanation_en=draft.explanation_en.strip(),
        created_by=actor,
    )
    english = [*draft.choices_en, *([""] * len(draft.choices))]
    Choice.objects.bulk_create(
        Choice(question=question, text=text.strip(), text_en=english[i].strip(), correct=ok, order=i)
        for i, (text, ok) in enumerate(draft.choices)
    )
    return question


def question_create(*, actor: User, draft: QuestionDraft) -> Question:
    if not selectors.learning_editor_of(actor).edits_any:
        raise Forbidden(_("题库由市、区党组织的工作人员维护。"))
    errors = _question_errors(draft)
    if errors:
        raise InvalidInput([FieldError("question", e) for e in errors])
    with transaction.atomic():
        return _question_insert(draft, actor)


IMPORT_MAX_ROWS = 2000
IMPORT_HEADER = (
    "主题",
    "题型",
    "题目",
    "选项A",
    "选项B",
    "选项C",
    "选项D",
    "选项E",
    "选项F",
    "答案",
    "解析",
    # English, optional (a sheet without these columns imports as before).
    "英文题目",
    "英文选项A",
    "英文选项B",
    "英文选项C",
    "英文选项D",
    "英文选项E",
    "英文选项F",
    "英文解析",
)
_TOPIC_BY_NAME = {str(label): value for value, label in Topic.choices} | {v: v for v in Topic.values}
_KIND_BY_NAME = {
    "单选": QuestionKind.SINGLE,
    "单选题": QuestionKind.SINGLE,
    "多选": QuestionKind.MULTIPLE,
    "多选题": QuestionKind.MULTIPLE,
    "判断": QuestionKind.TRUE_FALSE,
    "判断题": QuestionKind.TRUE_FALSE,
} | {v: v for v in QuestionKind.values}
_TRUE_WORDS = {"对", "正确", "是", "√", "true", "t", "yes", "y"}
_FALSE_WORDS = {"错", "错误", "否", "×", "false", "f", "no", "n"}


def _cell(value: Any) -> str:
    return "" if value is None else str(value).strip()


def row_draft(row: tuple[Any, ...]) -> QuestionDraft:
    cells = [_cell(v) for v in (*row, *([None] * len(IMPORT_HEADER)))][: len(IMPORT_HEADER)]
    topic_name, kind_name, text = cells[:3]
    options, answer, explanation = cells[3:9], cells[9], cells[10]
    text_en, options_en, explanation_en = cells[11], cells[12:18], cells[18]
    topic = _TOPIC_BY_NAME.get(topic_name, topic_name)
    kind = _KIND_BY_NAME.get(kind_name, kind_name)
    texts = [o for o in options if o]
    english = [e for o, e in zip(options, options_en, strict=True) if o]
    answer_text = answer.replace(" ", "").replace(",", "").replace("，", "").replace("、", "")
    if kind == QuestionKind.TRUE_FALSE:
        if not texts:
            # Stored in Chinese whatever the writer's language, with the English beside it.
            texts, english = ["正确", "错误"], ["True", "False"]
        low = answer_text.lower()
        if low in _TRUE_WORDS or low == "a":
            letters = {0}
        elif low in _FALSE_WORDS or low == "b":
            letters = {1}
        else:
            letters = set()
    else:
        letters = {ord(ch) - ord("A") for ch in answer_text.upper() if "A" <= ch <= "F"}
        if any(not ("A" <= ch <= "F") for ch in answer_text.upper()):
            letters.add(-1)  # an answer that names no option: caught below
    choices = [(t, i in letters) for i, t in enumerate(texts)]
    draft = QuestionDraft(
        topic=topic,
        kind=kind,
        text=text,
        choices=choices,
        explanation=explanation,
        text_en=text_en,
        explanation_en=explanation_en,
        choices_en=english,
    )
    if -1 in letters or any(i >= len(texts) for i in letters if i >= 0):
        draft.choices = [(t, False) for t in texts]  # makes "mark the right answer" the row's error
    return draft


@dataclass
class ImportReport:
    created: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (row number, message)


def questions_import(*, actor: User, upload: IO[bytes]) -> ImportReport:
    """Questions from an Excel sheet (the columns of IMPORT_HEADER under a header row), all or
    nothing: a report of every bad row and nothing imported, or every row imported."""
    if not selectors.learning_editor_of(actor).edits_any:
        raise Forbidden(_("题库由市、区党组织的工作人员维护。"))
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(upload, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        rows = list(sheet.iter_rows(values_only=True, max_row=IMPORT_MAX_ROWS + 2))
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise InvalidInput.one("file", _("无法读取该文件，请上传 Excel（.xlsx）文件。")) from exc
    report = ImportReport()
    if not rows:
        raise InvalidInput.one("file", _("表格是空的。"))
    body = [r for r in rows[1:] if any(_cell(v) for v in r)]
    if not body:
        raise InvalidInput.one("file", _("表格里没有题目。"))
    if len(rows) > IMPORT_MAX_ROWS + 1:
        raise InvalidInput.one("file", _("一次最多导入 %(n)d 道题。") % {"n": IMPORT_MAX_ROWS})
    drafts: list[QuestionDraft] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(_cell(v) for v in row):
            continue
        draft = row_draft(row)
        for message in _question_errors(draft):
            report.errors.append((number, message))
        drafts.append(draft)
    if report.errors:
        return report
    with transaction.atomic():
        for draft in drafts:
            _question_insert(draft, actor)
    report.created = len(drafts)
    return report


def exam_questions_set(item: LearningItem, questions: Iterable[Question]) -> None:
    """An exam's fixed questions, asked in the order given (the through rows' ids keep it).
    The manager's set() adds the missing ones from a set, in hash order, not the given one."""
    through = LearningItem.questions.through
    with transaction.atomic():
        through.objects.filter(learningitem_id=item.pk).delete()
        through.objects.bulk_create(
            [through(learningitem_id=item.pk, question_id=q.pk) for q in dict.fromkeys(questions)]
        )


# --- Sessions ------------------------------------------------------------------------------------
def _draw(item: LearningItem) -> list[int]:
    if item.quiz_kind == QuizKind.SPECIAL:
        through = LearningItem.questions.through.objects.filter(learningitem_id=item.pk)
        return list(through.order_by("id").values_list("question_id", flat=True))
    wanted = CHALLENGE_QUESTIONS if item.quiz_kind == QuizKind.CHALLENGE else item.question_count
    bank = list(Question.objects.filter(is_active=True).values_list("pk", flat=True))
    # SystemRandom: which questions come is not something a client can predict from earlier draws.
    return random.SystemRandom().sample(bank, min(wanted, len(bank)))


def session_start(*, worker: User, item: LearningItem, at: datetime | None = None) -> LearningSession:
    """Open an item: the session the server times. A quiz's questions are drawn here and kept."""
    at = at or timezone.now()
    if selectors.learner_profile(worker) is None:
        raise DomainError("not_a_worker", _("学习积分面向注册的新就业群体。"), status=403)
    question_ids: list[int] = []
    if item.kind == ItemKind.QUIZ:
        special = item.quiz_kind == QuizKind.SPECIAL
        if special and item.max_attempts and selectors.attempts_of(worker, item) >= item.max_attempts:
            raise Conflict("limit_reached", _("这场考试的答题次数已用完。"))
        question_ids = _draw(item)
        if not question_ids:
            raise Conflict("conflict", _("题库里还没有题目。"))
    challenge = item.quiz_kind == QuizKind.CHALLENGE
    session = LearningSession.objects.create(
        worker=worker,
        item=item,
        activity=item.activity,
        started_at=at,
        question_ids=question_ids,
        asked_at=at if challenge else None,
    )
    counted_rows_changed(Counted.LEARNING_SESSION, session)
    return session


def _open_session(worker: User, session_id: int) -> LearningSession:
    """The caller's own session, locked; another worker's answers 404 as if there were none."""
    if not 1 <= session_id <= selectors.MAX_ID:
        raise NotFound()
    # The worker's profile and community come in the same statement: the credit needs them for
    # the district's rules and the ledger's region (only the session's row is locked).
    session = (
        LearningSession.objects.select_for_update(of=("self",))
        .select_related("item", "worker__worker_profile__community")
        .filter(pk=session_id, worker=worker)
        .first()
    )
    if session is None:
        raise NotFound()
    if not hasattr(worker, "_learning_profile"):
        worker._learning_profile = getattr(session.worker, "worker_profile", None)  # type: ignore[attr-defined]
    session.worker = worker  # the caller, already read: no query for it later
    if session.status != SessionStatus.OPEN:
        if session.status == SessionStatus.CREDITED:
            raise Conflict("already_credited", _("这次学习已经计过积分。"))
        raise Conflict("invalid_transition", _("这次学习已经结束。"))
    return session


def _gap_seconds(session: LearningSession, at: datetime) -> float:
    last = session.last_seen_at or session.started_at
    return max(0.0, min((at - last).total_seconds(), float(settings.LEARNING_HEARTBEAT_MAX_GAP_SECONDS)))


@transaction.atomic
def session_heartbeat(
    *, worker: User, session_id: int, position: float | None = None, at: datetime | None = None
) -> None:
    """The item is still visible (or playing): add the time since the last heartbeat, at most the
    allowed gap. A position beyond the time actually spent is not believed. Another of the
    worker's sessions beating at the same time flags both."""
    at = at or timezone.now()
    session = _open_session(worker, session_id)
    session.visible_ms += int(_gap_seconds(session, at) * 1000)
    session.heartbeats += 1
    session.last_seen_at = at
    fields = ["visible_ms", "heartbeats", "last_seen_at"]
    item = session.item
    if position is not None and item.kind in (ItemKind.AUDIO, ItemKind.VIDEO):
        believable = min(float(position), session.visible_ms / 1000 + 2, float(item.duration_seconds or 0))
        if believable > session.position_seconds:
            session.position_seconds = int(believable)
            fields.append("position_seconds")
    if item.kind != ItemKind.QUIZ:
        others = (
            LearningSession.objects.filter(
                worker=worker,
                status=SessionStatus.OPEN,
                last_seen_at__gt=session.started_at + timedelta(seconds=2),
                last_seen_at__gte=at - timedelta(seconds=settings.LEARNING_HEARTBEAT_MAX_GAP_SECONDS),
            )
            .exclude(pk=session.pk)
            .exclude(item__kind=ItemKind.QUIZ)
        )
        # Open sessions only: no figure counts them before they finish (core.counted not told).
        if others.update(flag=SessionFlag.PARALLEL):
            session.flag = SessionFlag.PARALLEL
            fields.append("flag")
    session.save(update_fields=fields)
    counted_rows_changed(Counted.LEARNING_SESSION, session)


@dataclass
class FinishResult:
    session: LearningSession
    credited: bool
    points: int
    reason: str
    detail: str
    score: int | None = None
    passed: bool | None = None
    results: list[dict[str, Any]] = field(default_factory=list)


def credit_key(session: LearningSession, at: datetime) -> str:
    item = session.item
    base = f"{item.pk}:{session.worker_id}"
    if item.quiz_kind == QuizKind.DAILY:
        return f"{base}:{timezone.localdate(at).isoformat()}"
    if item.quiz_kind == QuizKind.WEEKLY:
        year, week, _day = timezone.localdate(at).isocalendar()
        return f"{base}:{year}-W{week:02d}"
    if item.quiz_kind == QuizKind.CHALLENGE:
        return f"{base}:s{session.pk}"
    return base


REASON_DETAILS = {
    "credited": _("已计入积分。"),
    "already_credited": _("这项内容已经计过积分，再学一遍不再加分。"),
    "not_passed": _("未达到及格线，这次没有积分。"),
    "no_score": _("没有答对的题，这次没有积分。"),
    "time_up": _("超过了答题时限，这次没有积分。"),
    "flagged": _("这次学习情况异常，没有计分，工作人员会核实。"),
}


def _close(session: LearningSession, status: str, at: datetime, reason: str, **extra: Any) -> None:
    session.status = status
    session.finished_at = at
    session.reason = reason
    fields = ["status", "finished_at", "reason"]
    for name, value in extra.items():
        setattr(session, name, value)
        fields.append(name)
    session.save(update_fields=fields)
    counted_rows_changed(Counted.LEARNING_SESSION, session)


def _award(session: LearningSession, at: datetime, amount: int | None, **extra: Any) -> FinishResult:
    """Credit the session through the points service, or close it saying why not. The ledger's
    idempotency key (learning:<credit key>) is what makes a credit happen once."""
    worker = session.worker
    activity = session.activity
    key = credit_key(session, at)
    # Reading again and the day's second daily quiz are common: one look at the key answers them
    # without the points service. A challenge round's key is its own, never taken before.
    if session.item.quiz_kind != QuizKind.CHALLENGE and LearningSession.objects.filter(credit_key=key).exists():
        _close(session, SessionStatus.COMPLETED, at, "already_credited", **extra)
        return _result(session, "already_credited")
    if amount is not None:
        # A quiz's points are its score, within the range of the activity's rule.
        rule = selectors.activity_rules(worker, at=at).get(activity)
        if rule is not None and rule.is_ranged:
            amount = max(min(amount, rule.points_max), rule.points_min)
        elif rule is not None:
            amount = None
    profile = selectors.learner_profile(worker)
    award = _points_award(session, at, key, amount, profile)
    if award.refusal == "daily_cap" and amount is not None:
        # Over today's cap: the rest of it, rather than nothing (read only when it is needed).
        rule = selectors.activity_rules(worker, at=at).get(activity)
        left = rule.daily_cap - selectors.earned_today(worker, at=at).get(activity, 0) if rule and rule.daily_cap else 0
        if 0 < left < amount and (rule is None or left >= rule.points_min):
            award = _points_award(session, at, key, left, profile)
    if award.created:
        _close(session, SessionStatus.CREDITED, at, "", points=award.awarded, credit_key=key, **extra)
        return _result(session, "credited")
    if award.entry is not None:
        _close(session, SessionStatus.COMPLETED, at, "already_credited", **extra)
        return _result(session, "already_credited")
    _close(session, SessionStatus.COMPLETED, at, award.refusal, **extra)
    return _result(session, award.refusal, award.detail)


def _points_award(
    session: LearningSession, at: datetime, key: str, amount: int | None, profile: WorkerProfile | None
) -> AwardResult:
    return points_award(
        worker=session.worker,
        source=selectors.ACTIVITY_SOURCES[session.activity],
        category=session.activity,
        idempotency_key=f"learning:{key}",
        source_object=session,
        # The worker's community, already read: the points service needs no query to find it.
        region=profile.community if profile is not None else None,
        amount=amount,
        # The item's titles in both languages: the points history names it in the reader's.
        note=names(session.item.title, session.item.title_en),
        at=at,
    )


def _result(session: LearningSession, reason: str, detail: str = "") -> FinishResult:
    if not detail:
        detail = str(REASON_DETAILS.get(reason, ""))
    return FinishResult(
        session=session,
        credited=session.status == SessionStatus.CREDITED,
        points=session.points,
        reason=reason,
        detail=detail,
        score=session.score,
        passed=session.passed,
    )


def _timed_finish(session: LearningSession, at: datetime) -> FinishResult:
    item = session.item
    visible = session.visible_ms / 1000 + _gap_seconds(session, at)
    need = item.min_seconds
    if visible < need:
        raise TooFast(max(1, math.ceil(need - visible)))
    if item.kind in (ItemKind.AUDIO, ItemKind.VIDEO) and item.duration_seconds:
        played_needed = math.ceil(item.duration_seconds * settings.LEARNING_MEDIA_SHARE_PERCENT / 100)
        if session.position_seconds < played_needed:
            left = played_needed - session.position_seconds
            raise TooFast(
                left,
                _("还没有播放到 %(share)d%%，请再听 %(seconds)d 秒后完成。")
                % {"share": settings.LEARNING_MEDIA_SHARE_PERCENT, "seconds": left},
            )
    if session.flag:
        _close(session, SessionStatus.FLAGGED, at, "flagged")
        return _result(session, "flagged")
    if session.heartbeats == 0:
        _close(session, SessionStatus.FLAGGED, at, "flagged", flag=SessionFlag.NO_HEARTBEAT)
        return _result(session, "flagged")
    return _award(session, at, None)


def _choice_errors(question: Question, chosen: list[int]) -> list[FieldError]:
    valid = {c.pk for c in question.choices.all()}
    if any(c not in valid for c in chosen):
        return [FieldError(f"answers.{question.pk}", _("选项不属于这道题。"))]
    if question.kind != QuestionKind.MULTIPLE and len(set(chosen)) > 1:
        return [FieldError(f"answers.{question.pk}", _("这道题只能选一个答案。"))]
    return []


def _check_answers(session: LearningSession, answers: dict[str, list[int]]) -> list[Question]:
    asked = {str(qid) for qid in session.question_ids}
    errors = [FieldError(f"answers.{key}", _("这道题不在本次答题中。")) for key in answers if key not in asked]
    if errors:
        raise InvalidInput(errors)
    questions = selectors.questions_with_choices([int(q) for q in session.question_ids])
    for question in questions:
        errors += _choice_errors(question, answers.get(str(question.pk), []))
    if errors:
        raise InvalidInput(errors)
    return questions


def _marked(questions: list[Question], answers: dict[str, list[int]]) -> list[dict[str, Any]]:
    """Each question with what was chosen, what was right and the explanation."""
    results: list[dict[str, Any]] = []
    for question in questions:
        chosen = sorted(set(answers.get(str(question.pk), [])))
        key = sorted(c.pk for c in question.choices.all() if c.correct)
        results.append(
            {
                "question": question.pk,
                "text": question.local_text,
                "correct": chosen == key,
                "chosen": chosen,
                "answer": key,
                "explanation": question.local_explanation,
            }
        )
    return results


def _quiz_finish(session: LearningSession, answers: dict[str, list[int]], at: datetime) -> FinishResult:
    item = session.item
    if item.quiz_kind == QuizKind.CHALLENGE:
        if answers:
            raise InvalidInput.one("answers", _("挑战答题逐题作答，每题限时；请逐题提交答案。"))
        # Stopping the round: the answers so far (all right, or the round would be over) count.
        return _challenge_end(session, dict(session.answers or {}), at)
    questions = _check_answers(session, answers)
    results = _marked(questions, answers)
    right = sum(1 for r in results if r["correct"])
    count = len(questions)
    score = right
    passed = count > 0 and right * 100 >= item.pass_mark * count
    # The weekly quiz scales its score to five; the others give a point per right answer.
    amount = round(right * 5 / count) if item.quiz_kind == QuizKind.WEEKLY and count else right
    extra = {"score": score, "passed": passed, "answers": answers}
    if item.quiz_kind == QuizKind.SPECIAL and not passed:
        _close(session, SessionStatus.COMPLETED, at, "not_passed", **extra)
        result = _result(session, "not_passed")
    elif not score:
        _close(session, SessionStatus.COMPLETED, at, "no_score", **extra)
        result = _result(session, "no_score")
    else:
        result = _award(session, at, amount, **extra)
    result.results = results
    return result


def _challenge_end(session: LearningSession, answers: dict[str, list[int]], at: datetime) -> FinishResult:
    """Close a challenge round: the answered questions, in order, up to the first wrong (or late)
    one; the streak of right answers before it is the score and the points."""
    answered = [int(q) for q in session.question_ids if str(q) in answers]
    results = _marked(selectors.questions_with_choices(answered), answers)
    streak = 0
    for row in results:
        if not row["correct"]:
            break
        streak += 1
    extra = {"score": streak, "passed": streak > 0, "answers": answers, "asked_at": None}
    if not streak:
        _close(session, SessionStatus.COMPLETED, at, "no_score", **extra)
        result = _result(session, "no_score")
    else:
        result = _award(session, at, streak, **extra)
    result.results = results[: streak + 1]
    return result


@dataclass
class AnswerResult:
    """One challenge answer: right or not, in time or not; the next question while the round goes
    on, the finished round's result once it is over."""

    correct: bool
    late: bool
    streak: int
    seconds_per_question: int
    next_question: Question | None = None
    finish: FinishResult | None = None

    @property
    def over(self) -> bool:
        return self.finish is not None


def challenge_seconds_left(session: LearningSession, at: datetime | None = None) -> int:
    """How long the challenge question being answered now has left (0 once it is over)."""
    at = at or timezone.now()
    asked = session.asked_at or session.started_at
    return max(0, math.ceil(session.item.seconds_per_question - (at - asked).total_seconds()))


def challenge_current(session: LearningSession) -> Question | None:
    """The challenge question being answered now: the first one not answered yet."""
    answered = session.answers or {}
    for qid in session.question_ids:
        if str(qid) not in answered:
            return selectors.questions_with_choices([int(qid)])[0]
    return None


@transaction.atomic
def challenge_answer(
    *, worker: User, session_id: int, question_id: int, choices: list[int], at: datetime | None = None
) -> AnswerResult:
    """Answer the challenge question handed out last. Its clock started when it was handed out
    (the round's start for the first): an answer after its time limit (plus a short grace for the
    network) ends the round as a wrong one would. A right answer in time hands out the next."""
    at = at or timezone.now()
    session = _open_session(worker, session_id)
    item = session.item
    if item.quiz_kind != QuizKind.CHALLENGE:
        raise InvalidInput.one("question", _("只有挑战答题逐题作答；其他答题请交卷时一并提交。"))
    answers: dict[str, list[int]] = dict(session.answers or {})
    pending = [int(q) for q in session.question_ids if str(q) not in answers]
    if not pending or question_id != pending[0]:
        raise InvalidInput.one("question", _("这不是当前的题目，请刷新后再答。"))
    found = selectors.questions_with_choices([question_id])
    question = found[0] if found else None
    if question is None:  # pragma: no cover - a question deleted during the round
        raise Conflict("conflict", _("这道题已被删除。"))
    errors = _choice_errors(question, choices)
    if errors:
        raise InvalidInput(errors)
    asked = session.asked_at or session.started_at
    late = (at - asked).total_seconds() > item.seconds_per_question + CHALLENGE_GRACE_SECONDS
    # A late answer is not taken: the question counts as not answered, hence wrong.
    chosen = [] if late else sorted(set(choices))
    answers[str(question_id)] = chosen
    correct = chosen == sorted(c.pk for c in question.choices.all() if c.correct)
    streak = len(answers) - (0 if correct else 1)
    if correct and len(pending) > 1:
        session.answers = answers
        session.asked_at = at
        session.save(update_fields=["answers", "asked_at"])
        counted_rows_changed(Counted.LEARNING_SESSION, session)
        following = selectors.questions_with_choices([pending[1]])
        return AnswerResult(
            correct=True,
            late=False,
            streak=streak,
            seconds_per_question=item.seconds_per_question,
            next_question=following[0] if following else None,
        )
    return AnswerResult(
        correct=correct,
        late=late,
        streak=streak,
        seconds_per_question=item.seconds_per_question,
        finish=_challenge_end(session, answers, at),
    )


@transaction.atomic
def session_finish(
    *, worker: User, session_id: int, answers: dict[str, list[int]] | None = None, at: datetime | None = None
) -> FinishResult:
    """Finish a session: credit it once if the server saw enough (TooFast, nothing changed,
    otherwise), or close it saying why it earns nothing. A quiz's answers are checked here."""
    at = at or timezone.now()
    session = _open_session(worker, session_id)
    if session.item.kind == ItemKind.QUIZ:
        return _quiz_finish(session, answers or {}, at)
    if answers:
        raise InvalidInput.one("answers", _("只有答题需要提交答案。"))
    return _timed_finish(session, at)


def activity_label(activity: str) -> str:
    return str(Activity(activity).label) if activity in Activity.values else activity
