"""The layout of the house: one home for each policy fact, and the import directions (the read
side never imports the writer; pages and the dashboard never import the picture and slide libraries)."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from core import policy

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("etl", "dashboard", "exports", "pages", "core", "deploy", "app.py")
HOME = ROOT / "core" / "policy.py"

# -- one home for each policy fact ---------------------------------------------------------------

NUMBERS = {policy.PREFECTURES: "PREFECTURES", policy.ACCELERATOR_TARGET: "ACCELERATOR_TARGET",
           policy.DEADLINE.year: "DEADLINE"}
LAYOUT_KEYWORDS = {"height", "width", "size"}  # pixel sizes that happen to equal one of the numbers
NUMBER_IN_TEXT = re.compile(r"(?<![\d,.])(" + "|".join(str(n) for n in NUMBERS) + r")(?![\d])")
PHRASES = {policy.DEADLINE_LABEL: "DEADLINE_LABEL", policy.DEADLINE.isoformat(): "DEADLINE"}
# Names of a category: a string equal to one, or naming two or more of one category, retypes it.
CATEGORIES = {"MILESTONES": tuple(policy.MILESTONES.values()), "ROLES": policy.ROLES,
              "EMPLOYMENT_FORMS": policy.EMPLOYMENT_FORMS, "MODELS": policy.MODELS}
GENERIC = {"派遣", "その他"}  # names that are also ordinary words: only a string equal to them counts
# A milestone written with its number, as the pages label them: 「2 推進体制の構築」.
NUMBERED_MILESTONE = re.compile("|".join(rf"{k}\s*{re.escape(v)}" for k, v in policy.MILESTONES.items()))


def _docstrings(tree: ast.AST) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                out.add(id(first.value))
    return out


def _layout_values(tree: ast.AST) -> set[int]:
    return {id(k.value) for node in ast.walk(tree) if isinstance(node, ast.Call)
            for k in node.keywords if k.arg in LAYOUT_KEYWORDS}


def retyped_facts(source: str) -> Iterator[tuple[int, str]]:
    """(line, which fact) for every policy fact typed as a literal in Python source (docstrings are
    documentation and are not scanned; comments are not literals)."""
    tree = ast.parse(source)
    skip = _docstrings(tree) | _layout_values(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or id(node) in skip or isinstance(node.value, bool):
            continue
        value = node.value
        if isinstance(value, int) and value in NUMBERS:
            yield node.lineno, NUMBERS[value]
        if not isinstance(value, str):
            continue
        if m := NUMBER_IN_TEXT.search(value):
            yield node.lineno, NUMBERS[int(m[1])]
        for phrase, name in PHRASES.items():
            if phrase in value:
                yield node.lineno, name
        for name, words in CATEGORIES.items():
            named = [w for w in words if w not in GENERIC and w in value]
            if value in words or len(named) >= 2:
                yield node.lineno, name
        if NUMBERED_MILESTONE.search(value):
            yield node.lineno, "MILESTONES"


def _python_files() -> list[Path]:
    files = []
    for part in SCANNED:
        path = ROOT / part
        files += [path] if path.is_file() else sorted(path.rglob("*.py"))
    return [f for f in files if f != HOME]


def test_the_fact_scanner_catches_retyped_facts_and_spares_other_text():
    bad = {
        "TARGET = 500": "ACCELERATOR_TARGET",
        "kpi(f'{n} / 47')": "PREFECTURES",
        "x = f'目標 {a} / 500 人'": "ACCELERATOR_TARGET",
        "d = dt.date(2026, 3, 31)": "DEADLINE",
        "label = '令和7年度末'": "DEADLINE_LABEL",
        "text = '期限は2026-03-31'": "DEADLINE",
        "ROLES = ('プロデューサー', 'エンジニア')": "ROLES",
        "help = '役割（プロデューサー／プロジェクトマネージャー）'": "ROLES",
        "colors = {'協働宣言': 1}": "MODELS",
        "form = 'その他'": "EMPLOYMENT_FORMS",
        "col = '2 推進体制の構築'": "MILESTONES",
        "names = {0: '認識共有・機運醸成'}": "MILESTONES",
    }
    for source, fact in bad.items():
        assert fact in {f for _, f in retyped_facts(source)}, source
    good = [
        "fig.update_layout(height=500)",
        '"""47 rows: one per prefecture."""',
        "title = '地域DX推進体制の構築状況'",  # the status file's title, not the milestone
        "synonyms = ('itエンジニア', 'システムエンジニア')",
        "msg = f'{PREFECTURES}都道府県（JIS順）'",
        "rows = 1470",
        "port = 8500",
    ]
    for source in good:
        assert not list(retyped_facts(source)), source


def test_each_policy_fact_is_defined_once():
    files = _python_files()
    assert len(files) > 50
    found = {f"{p.relative_to(ROOT)}:{line}": fact for p in files
             for line, fact in retyped_facts(p.read_text(encoding="utf-8"))}
    assert not found, f"use core.policy instead of typing these again: {found}"


def test_the_marts_take_the_milestones_as_parameters():
    for path in sorted((ROOT / "etl" / "sql").glob("*.sql")):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\bmilestone\s*=\s*\d", text), path.name
        assert str(policy.DEADLINE.year) not in text, path.name


# -- import directions ---------------------------------------------------------------------------

def _imports(path: Path) -> Iterator[tuple[str, bool]]:
    """(module imported, at module level?) for every import statement of a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(n) for n in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((a.name, id(node) in top) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, id(node) in top


def _read_side() -> list[Path]:
    return [*sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "dashboard").rglob("*.py")), ROOT / "app.py"]


def test_pages_and_dashboard_never_import_pptx_or_kaleido():
    found = [f"{p.relative_to(ROOT)}: {m}" for p in _read_side() for m, _ in _imports(p)
             if m.split(".")[0] in ("pptx", "kaleido")]
    assert not found


def test_the_read_side_imports_exports_only_inside_a_button_callable():
    """pages → dashboard, and exports builds on dashboard: a module-level import the other way would
    be a cycle (dashboard/__main__.py, the `python -m dashboard` alias, is the one exception)."""
    alias = ROOT / "dashboard" / "__main__.py"
    found = [f"{p.relative_to(ROOT)}: {m}" for p in _read_side() if p != alias
             for m, top in _imports(p) if m.split(".")[0] == "exports" and top]
    assert not found
    lazy = [p.name for p in _read_side() for m, top in _imports(p) if m.split(".")[0] == "exports" and not top]
    assert "widgets.py" in lazy  # the download buttons' callables


def test_the_import_scan_sees_imports_at_any_depth():
    bad = ROOT / "tests" / "artifacts" / "scan_probe.py"
    bad.parent.mkdir(parents=True, exist_ok=True)
    bad.write_text("import os\n\ndef f():\n    from pptx import Presentation\n    import kaleido.x\n", encoding="utf-8")
    try:
        assert list(_imports(bad)) == [("os", True), ("pptx", False), ("kaleido.x", False)]
    finally:
        bad.unlink()


def _fresh_python(code: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **env})


def test_the_read_side_does_not_import_the_writer():
    run = _fresh_python("import sys, dashboard.db; "
                        "assert not any(m.startswith('etl.warehouse') for m in sys.modules), 'etl.warehouse'")
    assert run.returncode == 0, run.stderr
    # control: the writer is what the check looks for
    run = _fresh_python("import sys, etl.intake; assert not any(m.startswith('etl.warehouse') for m in sys.modules)")
    assert run.returncode == 1 and "AssertionError" in run.stderr


RUN_EVERY_PAGE = """
import sys
from streamlit.testing.v1 import AppTest

pages = ["pages/national.py", "pages/prefecture.py", "pages/talent.py", "pages/progress.py", "pages/data.py"]
at = AppTest.from_file("app.py", default_timeout=180)
at.run()
assert not at.exception, [e.value for e in at.exception]
for page in pages[1:]:
    at.switch_page(page).run()
    assert not at.exception, (page, [e.value for e in at.exception])
present = AppTest.from_file("app.py", default_timeout=180)
present.query_params["present"] = "1"
present.run()
assert not present.exception and present.title, "presentation mode"
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("pptx", "kaleido"))
print("LOADED", loaded)
"""


def test_a_rerun_of_every_page_never_imports_pptx_or_kaleido(sample_warehouse):
    run = _fresh_python(RUN_EVERY_PAGE, DXGAP_DB=str(sample_warehouse))
    assert run.returncode == 0, run.stderr[-3000:]
    assert "LOADED []" in run.stdout, run.stdout
