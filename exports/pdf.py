"""A deck's PDF, converted from its PowerPoint by LibreOffice (headless, a private profile)."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from dashboard.capabilities import pdf_available, soffice_path


class PdfUnavailable(RuntimeError):
    """The PDF cannot be made here; the message is Japanese and user-facing."""


def to_pdf(pptx: bytes, timeout: float = 180) -> bytes:
    """Convert .pptx bytes to PDF with LibreOffice headless; PdfUnavailable when it cannot."""
    ok, reason = pdf_available()
    if not ok:
        raise PdfUnavailable(reason)
    with tempfile.TemporaryDirectory(prefix="dxgap-pdf-") as tmp:
        src = Path(tmp) / "deck.pptx"
        src.write_bytes(pptx)
        # A private profile: two conversions at once would otherwise fight over ~/.config/libreoffice.
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
