from django.db import migrations

# The refunds' reasons rewards wrote as sentences, in whichever language was active then.
REFUND_NOTES = ["小哥取消兑换", "兑换券到期未领取"]


def notes_to_texts(apps, schema_editor):
    """Points history lines written before they were texts (core.texts): a redemption names its
    gift in both languages, a refund's reason becomes its key; read in the reader's language."""
    from django.utils import translation

    Voucher = apps.get_model("rewards", "Voucher")
    LedgerEntry = apps.get_model("points", "LedgerEntry")
    vouchers = Voucher.objects.filter(points_entry__note_text__isnull=True).select_related("gift", "points_entry")
    for voucher in vouchers.iterator():
        entry, gift = voucher.points_entry, voucher.gift
        if entry.note == gift.name[:255]:
            LedgerEntry.objects.filter(pk=entry.pk).update(
                note_text={"l": {"zh-hans": gift.name, "en": gift.name_en or ""}}
            )
    for msgid in REFUND_NOTES:
        with translation.override("en"):
            written = {msgid, translation.gettext(msgid)}
        LedgerEntry.objects.filter(
            reason="reversal", source_type="rewards.voucher", note__in=written, note_text__isnull=True
        ).update(note=msgid, note_text={"t": msgid})


class Migration(migrations.Migration):
    dependencies = [
        ("rewards", "0002_gift_english"),
        ("points", "0005_ledger_note_text_title_english"),
    ]

    operations = [migrations.RunPython(notes_to_texts, migrations.RunPython.noop)]
