"""Static twins (issue 16 §1, testing/twins.py): generated from the real pages, a twin emits the
same element sequence (type and label or text of every element and block) as its page, for every
page and for a prefecture switch, and holds no query, computation or cache lookup."""

from __future__ import annotations

import ast

import pytest

from testing import twins

pytestmark = pytest.mark.slow  # AppTest runs of every page: left out of `make check`

SWITCH = "02"


@pytest.fixture(scope="module")
def generated(sample_warehouse, tmp_path_factory):
    out = tmp_path_factory.mktemp("twins")
    _, recordings = twins.generate(sample_warehouse, out, switch_codes=[SWITCH])
    return out, {r.name: r for r in recordings}


@pytest.mark.parametrize("name", list(twins.PAGES))
def test_twin_emits_the_same_elements_as_its_page(generated, name):
    out, recordings = generated
    page = recordings[name]
    assert len(page.signature) > 10, page.signature  # the recording saw the page's elements
    assert twins.twin_signature(out, name, twins.PAGES[name][2]) == page.signature


def test_prefecture_switch_twin_emits_the_same_elements(generated):
    out, recordings = generated
    page = recordings[f"prefecture_{SWITCH}"]
    params = {**twins.PAGES["prefecture"][2], "pref": SWITCH}
    assert twins.twin_signature(out, "prefecture", params) == page.signature
    assert page.signature != recordings["prefecture"].signature  # another prefecture's figures and labels


def test_twins_import_only_streamlit_and_their_constants(generated):
    """No query, no computation: a twin module imports streamlit and the twin helpers only, and its
    run() is straight-line Streamlit calls (no loop, no branch beyond session-state defaults)."""
    out, recordings = generated
    for name in recordings:
        tree = ast.parse((out / f"twin_{name}.py").read_text(encoding="utf-8"))
        imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert imported == {"streamlit", "testing.twins"}, (name, imported)
        assert not any(isinstance(n, (ast.For, ast.While, ast.With, ast.Lambda, ast.comprehension))
                       for n in ast.walk(tree)), name
        calls = sum(isinstance(n, ast.Call) for n in ast.walk(tree))
        assert calls >= len(recordings[name].calls), name
