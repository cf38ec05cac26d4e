"""The recovery sheet as a PDF to print: `firsthand recovery sheet`.

One A4 page, in English and Persian: the recovery key's 24 words (BIP-39's English
words, the very words the site's sheet shows and its "recover with my sheet" page reads:
BIP-39 publishes no Persian list, so Persian labels stand beside the same words), a QR
code of the words, and the author's fingerprint, for the author to compare with the one
pages show.

fpdf2 lays the page out; its text shaping (HarfBuzz, through uharfbuzz) joins Persian
letters and orders right-to-left runs, which a PDF library without shaping draws as
isolated letters left to right. The font is Noto Sans Arabic (Debian's fonts-noto-core),
which has Persian's letters; Latin text is in Noto Sans (or DejaVu Sans). segno makes the
QR code, drawn as vector squares so it prints sharp.
"""

from __future__ import annotations

from pathlib import Path

from firsthand.log.note import Verifier
from firsthand.statements.errors import KeyFileError
from firsthand.statements.identity import fingerprint, grouped_fingerprint
from firsthand.statements.recovery_words import words_from_seed

FONT_DIRECTORIES = (
    Path("/usr/share/fonts/truetype/noto"),
    Path("/usr/share/fonts/truetype/dejavu"),
)
PERSIAN_FONTS = ("NotoSansArabic-Regular.ttf", "NotoNaskhArabic-Regular.ttf")
LATIN_FONTS = ("NotoSans-Regular.ttf", "DejaVuSans.ttf")

TITLE = ("Recovery sheet", "برگهٔ بازیابی")
KEEP = (
    "With these 24 words you can revoke your key if it is stolen, and keep your identity "
    "with a new key if it is lost. Keep this sheet away from your phone and computer, where "
    "a person who takes them will not find it. Anyone who holds it can speak for you.",
    "با این ۲۴ واژه می‌توانید اگر کلیدتان دزدیده شد آن را باطل کنید، و اگر گم شد با کلیدی تازه "
    "همان نویسنده بمانید. این برگه را دور از گوشی و رایانه‌تان نگه دارید، جایی که کسی که آن‌ها "
    "را می‌گیرد پیدایش نکند. هر کس آن را داشته باشد می‌تواند به جای شما سخن بگوید.",
)
FINGERPRINT = ("Fingerprint of your key", "اثر انگشت کلید شما")
WORDS = ("Recovery words (in this order)", "واژه‌های بازیابی (به همین ترتیب)")
QR = ("The same words as a QR code", "همین واژه‌ها به صورت کد QR")


def _font(names: tuple[str, ...]) -> Path:
    for directory in FONT_DIRECTORIES:
        for name in names:
            if (directory / name).is_file():
                return directory / name
    raise KeyFileError(
        f"no font for the sheet: install Debian's fonts-noto-core ({', '.join(names)})"
    )


def sheet_pdf(seed: bytes, author: Verifier | None) -> bytes:
    """The sheet's PDF bytes for a recovery key's seed and, if given, the author's key."""
    import segno
    from fpdf import FPDF

    words = words_from_seed(seed)
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.add_font("latin", fname=str(_font(LATIN_FONTS)))
    pdf.add_font("persian", fname=str(_font(PERSIAN_FONTS)))
    pdf.set_fallback_fonts(["latin"])
    width = pdf.w - 2 * pdf.l_margin

    def both(english: str, persian: str, size: float) -> None:
        pdf.set_font("latin", size=size)
        pdf.multi_cell(width, size * 0.5, english, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("persian", size=size)
        pdf.set_text_shaping(use_shaping_engine=True, direction="rtl", script="arab", language="fa")
        pdf.multi_cell(width, size * 0.55, persian, align="R", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_shaping(False)
        pdf.ln(2)

    both(*TITLE, 18)
    both(*KEEP, 10)
    if author is not None:
        both(*FINGERPRINT, 11)
        pdf.set_font("latin", size=11)
        pdf.multi_cell(
            width,
            6,
            f"{author.name}\n{grouped_fingerprint(fingerprint(author))}",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.ln(3)
    both(*WORDS, 11)
    pdf.set_font("latin", size=13)
    column = width / 3
    top = pdf.get_y()
    for n, word in enumerate(words):
        pdf.set_xy(pdf.l_margin + (n // 8) * column, top + (n % 8) * 8)
        pdf.cell(column, 8, f"{n + 1:>2}. {word}")
    pdf.set_xy(pdf.l_margin, top + 8 * 8 + 4)
    both(*QR, 11)
    code = segno.make(" ".join(words), error="m", micro=False)
    module = 1.6  # millimetres per module: large enough for any phone camera
    x0, y0 = pdf.l_margin + 4 * module, pdf.get_y() + 4 * module
    pdf.set_fill_color(0, 0, 0)
    for row, cells in enumerate(code.matrix):
        for col, dark in enumerate(cells):
            if dark:
                pdf.rect(x0 + col * module, y0 + row * module, module, module, style="F")
    return bytes(pdf.output())


def write_sheet(path: Path, seed: bytes, author: Verifier | None) -> None:
    """Write the sheet to ``path``, readable by its owner only; never over another file."""
    import os

    data = sheet_pdf(seed, author)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KeyFileError(f"{path} already exists; choose another --out") from None
    with os.fdopen(fd, "wb") as f:
        f.write(data)
