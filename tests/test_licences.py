"""The licences the project states for the packages its reference tables come from (README, the
データ page, the open-data package) are the ones the installed packages declare."""

from __future__ import annotations

import re
from importlib import metadata

import pytest

from etl.citations import REFERENCE_PACKAGES, reference_credit_text
from testing import ROOT


@pytest.mark.parametrize("what,package,licence", REFERENCE_PACKAGES, ids=[p for _, p, _ in REFERENCE_PACKAGES])
def test_stated_licence_is_the_packages_own(what, package, licence):
    meta = metadata.metadata(package)
    declared = meta.get("License-Expression") or meta.get("License")
    assert declared == licence.name, (package, declared, licence.name)
    # the データ page says it so
    assert f"{package} パッケージ（{declared} ライセンス）" in reference_credit_text()
    # and so does every mention in the README
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    stated = re.findall(rf"`{package}`\s*\(([^)]+)\)", readme)
    assert stated and set(stated) == {declared}, (package, stated)
