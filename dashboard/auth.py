"""Admin access on the app side: uploads are enabled only when an admin secret is configured, as
`admin_secret` in .streamlit/secrets.toml or, failing that, in the environment variable
DXGAP_ADMIN_SECRET. Secrets are compared in constant time; every failure is slowed down (per
session, growing with each failure, and per process, growing with recent failures from any session)
and the slowed failures are served one at a time, so opening new sessions does not speed guessing up.
"""

from __future__ import annotations

import collections
import hashlib
import hmac
import logging
import os
import secrets
import threading
import time
from collections.abc import MutableMapping

import streamlit as st

log = logging.getLogger("dashboard")

SECRET_KEY = "admin_secret"
SECRET_ENV = "DXGAP_ADMIN_SECRET"
MIN_SECRET_CHARS = 12
MAX_SECRET_CHARS = 256

# Failure delays, in seconds: per session 1, 2, 4, 8, 16; per process +0.5 for each failure in
# the last 15 minutes; at most 30 in all.
SESSION_DELAY_BASE, SESSION_DELAY_CAP = 1.0, 16.0
GLOBAL_WINDOW, GLOBAL_STEP, GLOBAL_DELAY_CAP = 15 * 60, 0.5, 15.0
TOTAL_DELAY_CAP = 30.0

_PROCESS_KEY = secrets.token_bytes(32)  # session tokens die with the process
_failures: collections.deque[float] = collections.deque(maxlen=10_000)
_failures_lock = threading.Lock()
_slow_lane = threading.Lock()  # failed attempts wait their delay one at a time

_SS_TOKEN, _SS_FAILURES = "_admin_token", "_admin_failures"


def configured_secret() -> str | None:
    """The admin secret, or None when uploads are disabled (blank counts as not configured)."""
    try:
        value = st.secrets.get(SECRET_KEY)
    except Exception:  # no secrets.toml at all is the normal read-only set-up
        value = None
    if not isinstance(value, str) or not value.strip():
        value = os.environ.get(SECRET_ENV)
    return value if value and value.strip() else None


def uploads_enabled() -> bool:
    return configured_secret() is not None


def secret_is_weak() -> bool:
    secret = configured_secret()
    return secret is not None and len(secret) < MIN_SECRET_CHARS


def failure_delay(session_failures: int, recent_failures: int) -> float:
    """Seconds to hold a failed attempt: grows with this session's and the process's failures."""
    if session_failures <= 0:
        return 0.0
    own = min(SESSION_DELAY_BASE * 2 ** (session_failures - 1), SESSION_DELAY_CAP)
    shared = min(GLOBAL_STEP * max(recent_failures, 0), GLOBAL_DELAY_CAP)
    return min(own + shared, TOTAL_DELAY_CAP)


def _token(secret: str) -> str:
    return hmac.new(_PROCESS_KEY, secret.encode("utf-8"), hashlib.sha256).hexdigest()


def _digest(text: str) -> bytes:
    # Equal-length digests: compare_digest then leaks neither content nor length.
    return hashlib.sha256(text.encode("utf-8")).digest()


def _state(state: MutableMapping | None) -> MutableMapping:
    return st.session_state if state is None else state


def _recent_failures(now: float) -> int:
    with _failures_lock:
        while _failures and now - _failures[0] > GLOBAL_WINDOW:
            _failures.popleft()
        _failures.append(now)
        return len(_failures)


def check_secret(entered: str, state: MutableMapping | None = None) -> bool:
    """True (and the session is admin) for the right secret; a wrong one waits, then False."""
    ss = _state(state)
    secret = configured_secret()
    entered = entered or ""
    if secret is not None and entered and hmac.compare_digest(_digest(entered), _digest(secret)):
        ss[_SS_TOKEN] = _token(secret)
        ss[_SS_FAILURES] = 0
        return True
    ss.pop(_SS_TOKEN, None)
    ss[_SS_FAILURES] = int(ss.get(_SS_FAILURES, 0)) + 1
    delay = failure_delay(ss[_SS_FAILURES], _recent_failures(time.monotonic()))
    log.warning("admin secret refused (session failures %s, delay %.1fs)", ss[_SS_FAILURES], delay)
    with _slow_lane:
        time.sleep(delay)
    return False


def is_admin(state: MutableMapping | None = None) -> bool:
    """The session gave the current secret (changing the secret signs every session out)."""
    token = _state(state).get(_SS_TOKEN)
    if not isinstance(token, str):  # most sessions: no need to read the secret (every rerun asks)
        return False
    secret = configured_secret()
    return bool(secret and hmac.compare_digest(token, _token(secret)))


def sign_out(state: MutableMapping | None = None) -> None:
    _state(state).pop(_SS_TOKEN, None)
