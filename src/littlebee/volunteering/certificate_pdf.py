"""The certificate PDF, in the four blocks of the official format (民政部《志愿服务记录与证明出具办法》):
the volunteer's identity, the service, the issuing organisation (with its person in charge and
contact), and the certificate's number and date, with a QR code that opens the public
verification page.

Chinese text is set in a TrueType font embedded (subset) in the file, so the PDF reads the same
everywhere (VOLUNTEERING_CERTIFICATE_FONT; Debian's fonts-wqy-microhei by default). Without that
file the PDF names ReportLab's built-in STSong-Light, which PDF readers supply themselves.
"""

from __future__ import annotations

import io
import logging
import os
from functools import cache

from django.conf import settings
from django.utils import timezone
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from .models import Certificate

logger = logging.getLogger(__name__)

EMBEDDED_FONT = "LittleBeeCJK"
FALLBACK_FONT = "STSong-Light"


@cache
def _font_name(path: str) -> str:
    """Register the certificate font once per process: the configured TrueType file, else the CID font."""
    if path and os.path.exists(path):
        try:
            pdfmetrics.registerFont(TTFont(EMBEDDED_FONT, path, subfontIndex=0))
            return EMBEDDED_FONT
        except Exception:  # a font ReportLab cannot read (PostScript outlines, a broken file)
            logger.warning("certificate font %s cannot be embedded; using %s", path, FALLBACK_FONT, exc_info=True)
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
    return FALLBACK_FONT


def font_name() -> str:
    return _font_name(settings.VOLUNTEERING_CERTIFICATE_FONT)


def certificate_pdf(certificate: Certificate, *, verify_url: str) -> bytes:
    font = font_name()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle(f"志愿服务证明 {certificate.number}")
    pdf.setAuthor(certificate.issuer_name)
    width, height = A4
    left = 25 * mm
    y = height - 35 * mm

    pdf.setFont(font, 22)
    pdf.drawCentredString(width / 2, y, "志愿服务证明")
    y -= 16 * mm

    def block(title: str, lines: list[str]) -> None:
        nonlocal y
        pdf.setFont(font, 13)
        pdf.drawString(left, y, title)
        y -= 8 * mm
        pdf.setFont(font, 11)
        for line in lines:
            pdf.drawString(left + 6 * mm, y, line)
            y -= 7 * mm
        y -= 5 * mm

    hours = certificate.minutes / 60
    block(
        "一、志愿者身份信息",
        [f"姓名：{certificate.holder_name}", f"手机号：{certificate.holder_phone_masked}"],
    )
    block(
        "二、志愿服务信息",
        [
            f"服务期间：{certificate.period_from:%Y年%m月%d日} 至 {certificate.period_to:%Y年%m月%d日}",
            f"经认证的志愿服务记录：{certificate.records} 条",
            f"志愿服务时长：{hours:.1f} 小时（{certificate.minutes} 分钟）",
        ],
    )
    block(
        "三、出具证明的组织",
        [
            f"组织名称：{certificate.issuer_name}",
            f"负责人：{certificate.person_in_charge}",
            f"联系方式：{certificate.contact or '—'}",
        ],
    )
    issued = timezone.localtime(certificate.issued_at)
    block(
        "四、证明编号与日期",
        [f"证明编号：{certificate.number}", f"出具日期：{issued:%Y年%m月%d日}"],
    )

    size = 38 * mm
    widget = QrCodeWidget(verify_url)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, pdf, width - left - size, 40 * mm)
    pdf.setFont(font, 9)
    pdf.drawString(left, 50 * mm, "扫描右侧二维码，可在线核验本证明的内容。")
    pdf.drawString(left, 44 * mm, verify_url)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
