"""Static twins of the app's pages: what Streamlit alone costs for a page's output (issue 16 §1).

A twin emits the same elements as its page — the same widgets (labels, options, keys, defaults),
the same figures, tables, captions, metrics, tabs, columns, expanders and download buttons — with
no query, no computation and no cache lookup: every argument is a constant loaded once per server
process. Twins are generated from the real pages, never written by hand, so they follow the pages:

1. `record(db, page, params)` runs the page under AppTest (a first run, then the warm rerun that
   is recorded) with every public Streamlit element command wrapped: each outermost call is kept
   as (container, command, arguments), where the container is the one the element lands in (the
   `with` block's, or the sidebar) and arguments that are not plain literals (figures, frames,
   dates …) go to a data file. Callables cannot be kept: a `format_func` becomes the table of
   labels it gave for the options, a callback a no-op, a download's deferred builder a function
   returning no bytes (it runs only on a click).
2. `write(out, recordings)` writes a twin app: `app.py` (the real app.py's page config and
   st.navigation, with each page replaced by its twin), `twin_pages/<page>.py` (one line: run the
   recorded module for this page, or for the URL's prefecture), `twin_<name>.py` (the recorded
   calls as plain Streamlit code), `twin_<name>.pkl` (their constant arguments) and this app's
   .streamlit/config.toml.
3. `signature(at)` is a page's element sequence (type and label or text of every element and
   block, in order); tests/test_twins.py checks that a twin's equals its page's, so a twin cannot
   be quietly lighter than the page.

A page's `st.fragment` sections run as part of a full rerun; the twin emits their elements
inline (a warm rerun of the whole page is what is compared).
"""

from __future__ import annotations

import ast
import datetime as dt
import inspect
import pickle
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Pages benchmarked: name -> (page file, url path, query parameters), as bench/app_bench.py opens them.
PAGES = {
    "national": ("pages/national.py", "", {"date": "2023-04-01", "n": "3"}),
    "prefecture": ("pages/prefecture.py", "prefecture", {"pref": "01", "date": "2023-04-01", "n": "3"}),
    "talent": ("pages/talent.py", "talent", {}),
    "progress": ("pages/progress.py", "progress", {}),
    "data": ("pages/data.py", "data", {}),
}
SWITCH_CODES = [f"{i:02d}" for i in range(2, 48, 5)]  # the prefecture switch: 10 prefectures
# Element commands that are not DeltaGenerator methods, or that must not be replayed.
SKIP = {"id", "dg", "set_page_config", "fragment", "dialog", "spinner", "echo", "experimental_fragment",
        "write_stream"}
WIDGET_DEFAULTS = {"index", "value", "default"}  # a widget given one of these does not read session state
# Widgets whose value a page may set through session state (buttons and charts cannot be set).
INPUT_WIDGETS = {"selectbox", "radio", "multiselect", "pills", "segmented_control", "select_slider", "slider",
                 "number_input", "text_input", "text_area", "date_input", "time_input", "checkbox", "toggle",
                 "color_picker", "feedback"}
OPTION_WIDGETS = {"selectbox", "radio", "multiselect", "pills", "segmented_control", "select_slider"}


@dataclass
class Call:
    target: int  # container number: 0 main, 1 sidebar, then containers in creation order
    name: str
    args: tuple
    kwargs: dict
    returns: list[int] = field(default_factory=list)  # container numbers created by this call


@dataclass
class Recording:
    name: str  # twin module name: page, or page_<pref> for a prefecture
    calls: list[Call]
    state: dict  # widget key -> value (for widgets whose value comes from session state)
    signature: list[tuple]


class Label:
    """A format_func replaced by the labels it gave: picklable, no computation."""

    def __init__(self, labels: dict):
        self.labels = labels

    def __call__(self, option):
        try:
            return self.labels[option]
        except (KeyError, TypeError):
            return str(option)


def noop(*args, **kwargs) -> None:
    return None


def no_bytes() -> bytes:
    return b""


class _Recorder:
    def __init__(self):
        self.local = threading.local()
        self.calls: list[Call] | None = None
        self.containers: dict[int, int] = {}
        self.alive: list = []

    def container(self, dg) -> int:
        key = id(dg)
        if key not in self.containers:
            raise RuntimeError(f"twin recorder: element in a container it did not see created ({dg!r})")
        return self.containers[key]

    def add(self, dg) -> int:
        self.alive.append(dg)
        self.containers[id(dg)] = len(self.containers)
        return self.containers[id(dg)]


_REC = _Recorder()


def _wrap(name: str, original):
    from streamlit.delta_generator import DeltaGenerator

    def wrapper(self, *args, **kwargs):
        rec = _REC
        depth = getattr(rec.local, "depth", 0)
        if rec.calls is None or depth:
            return original(self, *args, **kwargs)
        target = rec.container(self._active_dg)
        rec.local.depth = depth + 1
        try:
            result = original(self, *args, **kwargs)
        finally:
            rec.local.depth = depth
        call = Call(target, name, args, kwargs)
        if isinstance(result, DeltaGenerator):
            call.returns = [rec.add(result)]
        elif isinstance(result, (list, tuple)) and result and all(isinstance(r, DeltaGenerator) for r in result):
            call.returns = [rec.add(r) for r in result]
        rec.calls.append(call)
        return result

    wrapper.__wrapped__ = original
    return wrapper


class recording:
    """Context: Streamlit's element commands wrapped to record calls (on DeltaGenerator and the st.* aliases)."""

    def __enter__(self):
        import streamlit as st
        from streamlit.delta_generator import DeltaGenerator

        self.saved_cls, self.saved_mod = {}, {}
        for name, attr in list(vars_of(DeltaGenerator).items()):
            if name.startswith("_") or name in SKIP or not inspect.isfunction(attr):
                continue
            self.saved_cls[name] = attr
            setattr(DeltaGenerator, name, _wrap(name, attr))
        for name in dir(st):
            obj = getattr(st, name)
            if inspect.ismethod(obj) and isinstance(obj.__self__, DeltaGenerator) and name in self.saved_cls:
                self.saved_mod[name] = obj
                setattr(st, name, getattr(obj.__self__, name))  # through the wrapped class attribute
        return self

    def __exit__(self, *exc):
        import streamlit as st
        from streamlit.delta_generator import DeltaGenerator

        for name, attr in self.saved_cls.items():
            setattr(DeltaGenerator, name, attr)
        for name, obj in self.saved_mod.items():
            setattr(st, name, obj)
        _REC.calls = None


def vars_of(cls) -> dict:
    out = {}
    for klass in reversed(cls.__mro__):
        out.update(vars(klass))
    return out


def _start() -> None:
    import streamlit as st

    _REC.calls, _REC.containers, _REC.alive = [], {}, []
    _REC.add(st._main)
    _REC.add(st.sidebar)


def signature(at) -> list[tuple]:
    """The element sequence of an AppTest run: (type, label or text) of every element and block."""
    out: list[tuple] = []

    def text(node) -> str:
        for attr in ("label", "body", "value"):
            try:
                v = getattr(node, attr)
            except Exception:  # noqa: S112 (some nodes raise for attributes they lack)
                continue
            if isinstance(v, str):
                return v[:80]
        proto = getattr(node, "proto", None)
        return str(getattr(proto, "label", "") or "")[:80] if proto is not None else ""

    def walk(node) -> None:
        children = getattr(node, "children", None)
        out.append((getattr(node, "type", type(node).__name__), text(node)))
        if isinstance(children, dict):
            for k in sorted(children):
                walk(children[k])

    walk(at._tree)
    return out


def record(db: Path, page: str, params: dict[str, str], name: str, switch_to: str | None = None) -> Recording:
    """Run page under AppTest (first run, then the recorded warm rerun); with switch_to, the recorded
    rerun is the switch to that prefecture (pref= in the URL) in the same session."""
    import testing

    at = testing.app_test(db, page=page, params=params)
    if at.exception:
        raise RuntimeError(f"{page}: {at.exception}")
    if switch_to:
        at.query_params["pref"] = switch_to
    with recording():
        _start()
        at.run()
        calls = _REC.calls
    if at.exception:
        raise RuntimeError(f"{page}: {at.exception}")
    state = {}
    for c in calls:
        key = c.kwargs.get("key")
        if c.name in INPUT_WIDGETS and isinstance(key, str) and not (WIDGET_DEFAULTS & set(c.kwargs)) and len(c.args) <= 2:
            try:
                state[key] = at.session_state[key]
            except KeyError:
                pass
    return Recording(name, calls, state, signature(at))


# -- writing the twin ---------------------------------------------------------------------------------

_LITERALS = (str, int, float, bool, type(None))


def _literal(v) -> bool:
    if isinstance(v, _LITERALS) and not isinstance(v, dt.date):
        return not isinstance(v, float) or v == v  # no nan
    if isinstance(v, (list, tuple)):
        return len(v) <= 50 and all(_literal(x) for x in v)
    if isinstance(v, dict):
        return len(v) <= 50 and all(isinstance(k, str) and _literal(x) for k, x in v.items())
    return False


class _Writer:
    def __init__(self):
        self.data: list = []

    def const(self, v) -> str:
        if _literal(v) and len(repr(v)) <= 400:
            return repr(v)
        self.data.append(v)
        return f"D[{len(self.data) - 1}]"

    def arg(self, call: Call, key: str | int, v) -> str:
        from streamlit.delta_generator import DeltaGenerator

        if isinstance(v, DeltaGenerator):
            raise RuntimeError(f"twin: a container passed as an argument to {call.name}")
        if callable(v) and not isinstance(v, type) and not hasattr(v, "to_plotly_json") \
                and not hasattr(v, "columns"):
            if key == "format_func":
                options = call.kwargs.get("options", call.args[1] if len(call.args) > 1 else [])
                labels = {}
                for o in list(options):
                    try:
                        labels[o] = v(o)
                    except TypeError:
                        pass
                return self.const(Label(labels))
            if key == "data" or (call.name == "download_button" and key == 1):
                return "no_bytes"
            return "noop"
        if key in ("args", "kwargs") and call.kwargs.get(key) is v and any(
                callable(call.kwargs.get(k)) for k in ("on_change", "on_click", "on_select")):
            return "None"
        return self.const(v)


def _container_var(n: int) -> str:
    return {0: "st", 1: "st.sidebar"}.get(n, f"c{n}")


def module_source(rec: Recording, writer: _Writer) -> str:
    lines = [f'"""Static twin {rec.name}: generated by testing/twins.py from the page\'s warm rerun. Do not edit."""',
             "", "import streamlit as st", "", "from testing.twins import Label, no_bytes, noop  # noqa: F401", "",
             "", "def run(D) -> None:",
             "    ss = st.session_state"]
    for key, value in rec.state.items():
        lines.append(f"    if {key!r} not in ss:")
        lines.append(f"        ss[{key!r}] = {writer.const(value)}")
    for c in rec.calls:
        args = [writer.arg(c, i, a) for i, a in enumerate(c.args)]
        args += [f"{k}={writer.arg(c, k, v)}" for k, v in c.kwargs.items()]
        call = f"{_container_var(c.target)}.{c.name}({', '.join(args)})"
        if len(c.returns) == 1 and c.name not in ("columns", "tabs"):
            lines.append(f"    {_container_var(c.returns[0])} = {call}")
        elif c.returns:
            lines.append(f"    {', '.join(_container_var(n) for n in c.returns)}, = {call}")
        else:
            lines.append(f"    {call}")
    return "\n".join(lines) + "\n"


def app_source(app: Path) -> str:
    """The real app.py's page config and navigation, each page file replaced by its twin."""
    tree = ast.parse(app.read_text(encoding="utf-8"))
    config, pages = None, []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr == "set_page_config":
                config = ast.unparse(node)
            elif node.func.attr == "Page" and node.args and isinstance(node.args[0], ast.Constant):
                path = Path(node.args[0].value)
                node.args[0] = ast.Constant(f"twin_pages/{path.name}")
                pages.append(ast.unparse(node))
    lines = ['"""Twin app: generated by testing/twins.py from app.py. Do not edit."""', "", "import sys",
             "", f"sys.path.insert(0, {str(ROOT)!r})", "", "import streamlit as st  # noqa: E402", ""]
    if config:
        lines.append(config)
    lines += ["", "PAGES = [", *[f"    {p}," for p in pages], "]", "st.navigation(PAGES).run()", ""]
    return "\n".join(lines)


PAGE_SOURCE = '''"""Twin of pages/{page}.py: generated by testing/twins.py. Do not edit."""

import sys

sys.path.insert(0, {root!r})
sys.path.insert(0, {out!r})

import _twin  # noqa: E402

_twin.page({name!r})
'''

RUNTIME = '''"""Runs a page's twin module with its constants. Generated by testing/twins.py.

Every twin's constants are unpickled once, when the first twin page of the process imports this
module (figures are rebuilt from the pickle then), never during a measured rerun."""

import importlib
import pickle
from pathlib import Path

import streamlit as st

HERE = Path(__file__).resolve().parent
SWITCH = {switch!r}
DATA = {{p.stem[len("twin_"):]: pickle.loads(p.read_bytes())  # noqa: S301 (our own files)
        for p in sorted(HERE.glob("twin_*.pkl"))}}
MODULES = {{name: importlib.import_module(f"twin_{{name}}") for name in DATA}}


def page(name: str) -> None:
    if name == "prefecture":
        pref = st.query_params.get("pref", "01")
        if f"prefecture_{{pref}}" in SWITCH:
            name = f"prefecture_{{pref}}"
    MODULES[name].run(DATA[name])
'''


def write(out: Path, recordings: list[Recording]) -> Path:
    """Write the twin app for these recordings into out; returns its app.py."""
    if out.exists():
        shutil.rmtree(out)
    (out / "twin_pages").mkdir(parents=True)
    (out / ".streamlit").mkdir()
    shutil.copy(ROOT / ".streamlit" / "config.toml", out / ".streamlit" / "config.toml")
    if (ROOT / "static").is_dir():
        (out / "static").symlink_to(ROOT / "static", target_is_directory=True)  # enableStaticServing
    for rec in recordings:
        writer = _Writer()
        (out / f"twin_{rec.name}.py").write_text(module_source(rec, writer), encoding="utf-8")
        (out / f"twin_{rec.name}.pkl").write_bytes(pickle.dumps(writer.data))
    switch = sorted(r.name for r in recordings if r.name.startswith("prefecture_"))
    (out / "_twin.py").write_text(RUNTIME.format(switch=switch), encoding="utf-8")
    for name, (page, _, _) in PAGES.items():
        (out / "twin_pages" / Path(page).name).write_text(
            PAGE_SOURCE.format(page=Path(page).stem, root=str(ROOT), out=str(out), name=name), encoding="utf-8")
    (out / "app.py").write_text(app_source(ROOT / "app.py"), encoding="utf-8")
    return out / "app.py"


def generate(db: Path, out: Path, switch_codes: list[str] | None = None,
             errors: dict[str, str] | None = None) -> tuple[Path, list[Recording]]:
    """Record every page (and the switch to each prefecture of switch_codes) and write the twin app.
    errors: when given, a page that cannot be recorded is left out and its reason stored there
    (name -> message) instead of raising, so a benchmark can report that twin as not measured."""
    jobs = [(name, page, params, None) for name, (page, _, params) in PAGES.items()]
    page, _, params = PAGES["prefecture"]
    jobs += [("prefecture_" + code, page, params, code)
             for code in (SWITCH_CODES if switch_codes is None else switch_codes)]
    recs = []
    for name, page, params, code in jobs:
        try:
            recs.append(record(db, page, params, name, switch_to=code))
        except Exception as exc:
            if errors is None:
                raise
            errors[name] = f"{type(exc).__name__}: {str(exc)[:200]}"
    return write(out, recs), recs


def twin_signature(out: Path, name: str, params: dict[str, str] | None = None) -> list[tuple]:
    """The element sequence of a twin page run under AppTest (a first run, then the warm rerun)."""
    from streamlit.testing.v1 import AppTest

    page = next(Path(p).name for n, (p, _, _) in PAGES.items() if n == name)
    at = AppTest.from_file(str(out / "twin_pages" / page), default_timeout=120)
    for k, v in (params or {}).items():
        at.query_params[k] = v
    at.run()
    at.run()
    if at.exception:
        raise RuntimeError(f"twin {name}: {at.exception}")
    return signature(at)


__all__ = ["PAGES", "SWITCH_CODES", "Label", "Recording", "generate", "no_bytes", "noop", "record", "signature",
           "twin_signature", "write"]
