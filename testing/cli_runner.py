"""`python -m etl` for many inputs at once, as fast as the machine allows: one process imports
etl.cli once, then forks a child per run. A child is `python -m etl ARGS` without the start-up:
the same main, its own stdout and stderr (files), its exit code (a traceback, as Python prints it,
and exit 1 for an uncaught exception), killed with SIGKILL after its timeout (exit -9).

    python -m testing.cli_runner < jobs.json      # {"parallel": 2, "jobs": [{"id", "args", "stdout",
                                                  #   "stderr", "timeout"}, …]}; one JSON result a line

No DuckDB connection is opened before a fork (a forked connection is not safe); the parent only
imports and loads the reference tables that every run reads first.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time


def _child(args: list[str], stdout: str, stderr: str) -> None:
    """In the forked child: run etl.cli.main with fds 1 and 2 on the given files; never returns."""
    code = 1
    try:
        for fd, path in ((1, stdout), (2, stderr)):
            target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(target, fd)
            os.close(target)
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115 (flushed below)
        sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        from etl.cli import main

        try:
            code = main(args)
        except SystemExit as exc:  # argparse's usage errors, as `python -m etl` exits with them
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:
            import traceback

            traceback.print_exc()
            code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: S110 (exiting anyway)
                pass
        os._exit(code if isinstance(code, int) else 1)


def run(jobs: list[dict], parallel: int = 2, report=None) -> dict[str, dict]:
    """Run every job (id, args, stdout, stderr, timeout), `parallel` at a time; returns id → result
    (code, seconds). report(result) is called as each one ends."""
    import etl.cli  # noqa: F401 (imported once here, inherited by every child)
    from etl.resolve import resolver

    resolver()  # the reference tables every run loads first
    pending, running, done = list(jobs), {}, {}
    while pending or running:
        while pending and len(running) < parallel:
            job = pending.pop(0)
            pid = os.fork()
            if pid == 0:
                _child([str(a) for a in job["args"]], job["stdout"], job["stderr"])
            running[pid] = (job, time.monotonic())
        pid, status = os.waitpid(-1, os.WNOHANG)
        if pid == 0:
            now = time.monotonic()
            for child, (job, started) in list(running.items()):
                if now - started > job["timeout"]:
                    os.kill(child, signal.SIGKILL)  # reaped below as killed
            time.sleep(0.01)
            continue
        job, started = running.pop(pid)
        code = os.waitstatus_to_exitcode(status)
        result = {"id": job["id"], "code": code, "seconds": round(time.monotonic() - started, 3)}
        if code == -signal.SIGKILL:
            with open(job["stderr"], "a", encoding="utf-8") as err:
                err.write(f"timed out after {job['timeout']} s")
        done[job["id"]] = result
        if report:
            report(result)
    return done


def main() -> int:
    spec = json.load(sys.stdin)

    def report(result: dict) -> None:
        print(json.dumps(result), flush=True)

    run(spec["jobs"], spec.get("parallel", 2), report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
