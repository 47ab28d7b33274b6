"""What this server can make on request, asked before a page offers a button: PNG pictures and
PowerPoint decks need Debian's Chromium (kaleido drives it), a PDF needs LibreOffice. The files
themselves are made by the exports package, imported only when a button is clicked."""

from __future__ import annotations

import functools
import os
import shutil
from pathlib import Path


def chromium_path() -> Path:
    return Path(os.environ.get("DXGAP_CHROMIUM") or os.environ.get("BROWSER_PATH") or "/usr/bin/chromium")


def png_available() -> tuple[bool, str]:
    """(True, "") or (False, a Japanese reason)."""
    path = chromium_path()
    if not path.exists():
        return False, (f"PNG を作れません：画像を描くためのブラウザ（{path}）がこのサーバーにありません。"
                       "管理者が `make test` か `apt-get install chromium fonts-noto-cjk` で入れてください。")
    return True, ""


def soffice_path() -> str | None:
    """LibreOffice's soffice: $DXGAP_SOFFICE when set (None if that file is missing), else on PATH."""
    configured = os.environ.get("DXGAP_SOFFICE")
    if configured:
        return configured if Path(configured).exists() else None
    return _on_path(os.environ.get("PATH", os.defpath))


@functools.lru_cache(maxsize=8)
def _on_path(path: str) -> str | None:
    """soffice on this PATH (looked up once per PATH: pages ask on every rerun)."""
    return shutil.which("soffice", path=path) or shutil.which("libreoffice", path=path)


def pdf_available() -> tuple[bool, str]:
    """(True, "") or (False, why not, in Japanese)."""
    if soffice_path() is None:
        return False, ("PDF は作れません：このサーバーに LibreOffice（soffice）が入っていないためです。"
                       "PowerPoint 版をダウンロードして PDF に保存するか、管理者に "
                       "`apt-get install libreoffice-impress-nogui` を依頼してください。")
    return True, ""
