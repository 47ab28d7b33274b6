"""A deck's PDF, converted from its PowerPoint by LibreOffice (headless, a private profile).

Japanese next to Latin text: LibreOffice Impress adds space between Asian and Latin characters
("Apply spacing between Asian and non-Asian text", on by default), so 「DX担当職員3人以下」 came
out as 「DX 担当職員 3 人以下」 in the PDF. A PPTX cannot switch that off: DrawingML has no autospace
attribute, and LibreOffice's PPTX import ignores eaLnBrk. LibreOffice makes it off by default for
documents it opens while its locale is Japanese (or Korean), so the private profile sets the locale
to ja-JP (registrymodifications.xcu); nothing else of the conversion depends on it.

Broken words: LibreOffice breaks a line after the hyphen of a date (「2026-01-」 / 「10」) or the
slash of a path, which PowerPoint's latinLnBrk="0" (set by exports.deck) does not stop there. The
copy LibreOffice converts has a WORD JOINER (U+2060) on both sides of such a - or / (glued): it keeps
the date whole, draws nothing and is not in the PDF's text. The .pptx itself stays as written, so
text copied from PowerPoint has no invisible characters.
"""

from __future__ import annotations

import io
import re
import subprocess
import tempfile
from pathlib import Path

from dashboard.capabilities import pdf_available, soffice_path

# The private profile's settings: locale ja-JP (no Asian/Latin autospace, see above).
PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" oor:op="fuse">
<value>ja-JP</value></prop></item>
</oor:items>
"""


# A hyphen or slash between two letters or digits: 2026-01-10, N03-2025, data/generate_sample.py.
_JOINABLE = re.compile(r"(?<=[0-9A-Za-z])([-/])(?=[0-9A-Za-z])")
WORD_JOINER = "\u2060"


def glued(pptx: bytes) -> bytes:
    """The deck with every date, code and path kept on one line by LibreOffice (see above)."""
    from pptx import Presentation

    from exports.deck import all_runs

    prs = Presentation(io.BytesIO(pptx))
    for run in all_runs(prs):
        if _JOINABLE.search(run.text):
            run.text = _JOINABLE.sub(rf"{WORD_JOINER}\1{WORD_JOINER}", run.text)
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


class PdfUnavailable(RuntimeError):
    """The PDF cannot be made here; the message is Japanese and user-facing."""


def to_pdf(pptx: bytes, timeout: float = 180) -> bytes:
    """Convert .pptx bytes to PDF with LibreOffice headless; PdfUnavailable when it cannot."""
    ok, reason = pdf_available()
    if not ok:
        raise PdfUnavailable(reason)
    with tempfile.TemporaryDirectory(prefix="dxgap-pdf-") as tmp:
        src = Path(tmp) / "deck.pptx"
        src.write_bytes(glued(pptx))
        # A private profile: two conversions at once would otherwise fight over ~/.config/libreoffice.
        settings = Path(tmp) / "profile" / "user" / "registrymodifications.xcu"
        settings.parent.mkdir(parents=True)
        settings.write_text(PROFILE_SETTINGS, encoding="utf-8")
        profile = (Path(tmp) / "profile").as_uri()
        cmd = [soffice_path(), f"-env:UserInstallation={profile}", "--headless", "--norestore",
               "--convert-to", "pdf", "--outdir", tmp, str(src)]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)  # noqa: S603 (fixed argv)
        except subprocess.TimeoutExpired:
            raise PdfUnavailable(f"PDF は作れませんでした：LibreOffice の変換が {timeout:.0f} 秒で終わりませんでした。") from None
        out = Path(tmp) / "deck.pdf"
        if proc.returncode != 0 or not out.exists():
            detail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["出力がありません"]
            raise PdfUnavailable(f"PDF は作れませんでした：LibreOffice の変換に失敗しました（{detail[0]}）。")
        return out.read_bytes()
