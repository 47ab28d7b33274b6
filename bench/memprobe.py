"""A Streamlit server with a memory probe, to find out what a grown server holds.

    .venv/bin/python bench/memprobe.py PROBE_DIR -- run app.py [streamlit options]

Runs `streamlit …` in this process with one extra daemon thread. When PROBE_DIR/<label>.request
appears, the thread writes PROBE_DIR/<label>.json: RSS and its mappings by kind (smaps); glibc's
heap (bytes in use and free in its arenas, mallinfo2); CPython's object allocator (its arenas and
the bytes live and free in them: glibc's figures do not count it); each shared store's entries;
Streamlit's session count; the most numerous Python object types; then
the same after a full gc.collect() (garbage kept only because runner.postScriptGC = false); a
chain of referrers from a live AppSession to its root; optionally the heap once Streamlit has
dropped its expired disconnected sessions; and the RSS after malloc_trim(0) (freed memory the
allocator had not given back). A request whose text is "light" gets only what the server holds
now, changing nothing (no collection, no trim; with PYTHONTRACEMALLOC set, a tracemalloc snapshot
beside the answer): for probes every few minutes during a run. Used by bench/capacity_bench.py
(one-server soak).
"""

from __future__ import annotations

import collections
import ctypes
import gc
import json
import os
import re
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path


class _Mallinfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
                 "keepcost")]


def _libc():
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = _Mallinfo2
        return libc
    except (OSError, AttributeError):
        return None


def rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def heap(libc) -> dict[str, int]:
    if libc is None:
        return {}
    m = libc.mallinfo2()
    # system: what glibc holds from the kernel (its arenas and mmapped blocks), resident or not
    return {"in_use": m.uordblks + m.hblkhd, "free_in_arenas": m.fordblks, "system": m.arena + m.hblkhd}


def memory_map() -> dict[str, int]:
    """Resident bytes by kind of mapping (/proc/self/smaps): files (shared objects among them), [heap]
    (glibc's main arena), [stack], and anonymous mappings. The kernel merges neighbouring anonymous
    mappings, so 'anon' is split by allocator from the heap and pymalloc figures, not by mapping."""
    out: collections.Counter[str] = collections.Counter()
    kind = None
    for line in Path("/proc/self/smaps").read_text().splitlines():
        head = re.match(r"^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$", line)
        if head:
            name = head[1]
            kind = ("shared objects" if ".so" in name else "files") if name.startswith("/") else (name or "anon")
        elif line.startswith("Rss:") and kind:
            out[kind] += int(line.split()[1]) * 1024
    return dict(out)


def pymalloc() -> dict[str, int]:
    """CPython's small-object allocator (sys._debugmallocstats, which writes to fd 2): its arenas
    are not in glibc's heap, and an arena is given back only when every object in it is freed."""
    wanted = {"# arenas allocated current": "arenas", "# bytes in allocated blocks": "allocated",
              "# bytes in available blocks": "available", "# bytes in free pools": "free_pools",
              "# arenas highwater mark": "arenas_highwater"}
    with tempfile.TemporaryFile(mode="w+b") as f:
        sys.stderr.flush()
        saved = os.dup(2)
        try:
            os.dup2(f.fileno(), 2)
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        f.seek(0)
        text = f.read().decode("utf-8", "replace")
    out = {}
    for line in text.splitlines():
        label, _, value = line.rpartition("=")
        for key, name in wanted.items():
            if label.strip().startswith(key):
                out[name] = int(value.strip().replace(",", ""))
    return out


def sessions() -> int | None:
    try:
        from streamlit.runtime import Runtime

        return Runtime.instance()._session_mgr.num_sessions()
    except Exception:  # no runtime yet, or a renamed private API: the probe reports None
        return None


def _describe(obj, child) -> str:
    name = type(obj).__qualname__
    if isinstance(obj, dict):
        keys = [k for k, v in obj.items() if v is child][:1]
        return f"dict[{keys[0]!r}]" if keys else "dict"
    if hasattr(obj, "__qualname__"):
        return f"{name} {getattr(obj, '__module__', '')}.{obj.__qualname__}"
    if isinstance(obj, type(sys)):
        return f"module {obj.__name__}"
    return name


def kept_by(type_name: str, depth: int = 12) -> list[list[str]]:
    """For up to 3 live objects of type_name: a chain of referrers towards what keeps it alive
    (each step the first referrer that is not a frame or this probe's own list)."""
    gc.collect()
    found = [o for o in gc.get_objects() if type(o).__qualname__ == type_name][:3]
    chains = []
    for obj in found:
        chain, current = [], obj
        seen = {id(found), id(obj), id(chains), id(chain)}
        for _ in range(depth):
            raw = gc.get_referrers(current)
            seen.add(id(raw))
            refs = [r for r in raw if id(r) not in seen and not isinstance(r, type(sys._getframe()))]
            seen.add(id(refs))
            if not refs:
                chain.append("(no more referrers: a root, e.g. a module global or a thread)")
                break
            parent = refs[0]
            chain.append(_describe(parent, current))
            seen.add(id(parent))
            current = parent
        chains.append(chain)
    del found
    return chains


def drop_expired_sessions() -> int | None:
    """Make Streamlit drop the disconnected sessions whose TTL has passed (its TTLCache removes
    them lazily, at its next change); returns how many it still keeps, or None."""
    try:
        from streamlit.runtime import Runtime

        cache = Runtime.instance()._session_mgr._session_storage._cache
        cache.expire()
        return len(cache)
    except Exception:  # a renamed private API: the probe reports None
        return None


def stores() -> dict[str, list[int]]:
    """Each shared store's entries and bound (dashboard.cache): which fill up only after the warm
    server's pass."""
    cache = sys.modules.get("dashboard.cache")
    return {c.name: [len(c.values), c.max_entries] for c in cache._caches} if cache is not None else {}


def probe(expire: bool = False) -> dict:
    libc = _libc()
    out = {"rss": rss(), "heap": heap(libc), "sessions": sessions(), "map": memory_map(), "pymalloc": pymalloc()}
    counts = collections.Counter(type(o).__qualname__ for o in gc.get_objects())
    out["objects"] = sum(counts.values())
    out["top_types"] = counts.most_common(25)
    for name in ("AppSession", "ScriptRunner", "SessionState", "DataFrame", "Figure", "ForwardMsg"):
        out.setdefault("types", {})[name] = counts.get(name, 0)
    t = time.perf_counter()
    out["gc_collected"] = gc.collect()
    out["gc_seconds"] = time.perf_counter() - t
    out["rss_after_gc"], out["heap_after_gc"] = rss(), heap(libc)
    counts = collections.Counter(type(o).__qualname__ for o in gc.get_objects())
    out["objects_after_gc"] = sum(counts.values())
    out["types_after_gc"] = {name: counts.get(name, 0) for name in out["types"]}
    out["kept_by"] = kept_by("AppSession")
    cache = sys.modules.get("dashboard.cache")  # the app's shared query results and figures
    out["shared_entries"] = cache.entries() if cache is not None else 0
    out["stores"] = stores()
    if expire:  # what the expired, still stored sessions held
        out["stored_sessions_after_expire"] = drop_expired_sessions()
        gc.collect()
        out["heap_after_expire"] = heap(libc)
        out["app_sessions_after_expire"] = sum(type(o).__qualname__ == "AppSession" for o in gc.get_objects())
        # the garbage the frozen heap hides (dashboard/warm.settle_heap): a frozen cycle is never collected
        out["frozen"] = gc.get_freeze_count()
        gc.unfreeze()
        out["gc_collected_unfrozen"] = gc.collect()
        out["rss_after_unfrozen_gc"] = rss()
    if libc is not None:
        libc.malloc_trim(0)
    out["rss_after_trim"] = rss()
    out["map_after_trim"], out["pymalloc_after_trim"] = memory_map(), pymalloc()
    return out


def light_probe(folder: Path | None = None, label: str = "") -> dict:
    """What a server holds now, changing nothing (no collection, no trim): for a probe every few
    minutes during a run, to see which of its parts grows."""
    libc = _libc()
    out = {"rss": rss(), "heap": heap(libc), "sessions": sessions(), "map": memory_map(), "pymalloc": pymalloc(),
           "blocks": sys.getallocatedblocks()}
    objects = gc.get_objects()
    counts = collections.Counter(type(o).__qualname__ for o in objects)
    out["objects"], out["frozen"] = sum(counts.values()), gc.get_freeze_count()
    out["top_types"] = counts.most_common(40)
    # pandas copy-on-write: each block of a frame keeps weak references to the blocks viewing it,
    # the dead ones pruned only once there are more than a few hundred
    refs = [o.referenced_blocks for o in objects if type(o).__qualname__ == "BlockValuesRefs"]
    out["cow_refs"] = [sum(map(len, refs)), sum(r() is None for x in refs for r in x)]
    del objects, refs
    if tracemalloc.is_tracing() and folder is not None:  # PYTHONTRACEMALLOC=N: where the live bytes were allocated
        tracemalloc.take_snapshot().dump(str(folder / f"{label}.snapshot"))
    out["stores"] = stores()
    try:
        from streamlit.runtime import Runtime

        rt = Runtime.instance()
        out["stored_sessions"] = len(rt._session_mgr._session_storage._cache)
        out["media_files"] = len(getattr(rt.media_file_mgr._storage, "_files_by_id", {}))
    except Exception as e:  # a renamed private API: named in the answer
        out["streamlit_error"] = repr(e)
    return out


def watch(folder: Path) -> None:
    while True:
        for request in folder.glob("*.request"):
            kind = request.read_text().strip()
            result = light_probe(folder, request.stem) if kind == "light" else probe(expire=kind == "expire")
            request.unlink()
            tmp = request.with_suffix(".tmp")
            tmp.write_text(json.dumps(result, indent=1))
            tmp.replace(request.with_suffix(".json"))
        time.sleep(0.5)


def ask(folder: Path, label: str, timeout: float = 120, expire: bool = False, light: bool = False) -> dict:
    """From the benchmark: request a probe of the server and wait for its answer. expire: also
    drop Streamlit's expired disconnected sessions and measure what they held (changes the server).
    light: only what it holds now (changes nothing)."""
    tmp = folder / f"{label}.tmp-request"
    tmp.write_text("light" if light else "expire" if expire else "")
    tmp.replace(folder / f"{label}.request")
    answer = folder / f"{label}.json"
    deadline = time.monotonic() + timeout
    while not answer.exists():
        if time.monotonic() > deadline:
            return {}
        time.sleep(0.2)
    return json.loads(answer.read_text())


def main() -> None:
    folder = Path(sys.argv[1])
    folder.mkdir(parents=True, exist_ok=True)
    args = sys.argv[sys.argv.index("--") + 1:]
    threading.Thread(target=watch, args=(folder,), daemon=True, name="memprobe").start()
    from streamlit.web import cli

    sys.argv = ["streamlit", *args]
    cli.main()


if __name__ == "__main__":
    main()
