"""The harness's per-process sample warehouses do not outlive their process (hundreds of test and
bench processes had left 4.9 GB of them in /tmp)."""

import subprocess
import sys
import tempfile
from pathlib import Path

import testing


def test_a_process_s_sample_warehouse_is_removed_when_the_process_ends():
    out = subprocess.run([sys.executable, "-c", "import testing; print(testing.sample_only_db())"],
                         cwd=testing.ROOT, capture_output=True, text=True, check=True).stdout
    built = Path(out.strip().splitlines()[-1])
    assert built.name == "warehouse.duckdb" and built.parent.name.startswith("dxgap-sample-only-")
    assert not built.parent.exists()


def test_a_scratch_dir_is_removed_when_the_process_ends():
    code = "import testing; d = testing.scratch_dir('dxgap-t-'); (d / 'f').write_text('x'); print(d)"
    out = subprocess.run([sys.executable, "-c", code], cwd=testing.ROOT, capture_output=True, text=True,
                         check=True).stdout
    made = Path(out.strip().splitlines()[-1])
    assert made.name.startswith("dxgap-t-") and made.parent == Path(tempfile.gettempdir())
    assert not made.exists()
