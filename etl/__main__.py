import gc
import os
import sys

# No linear algebra here: OpenBLAS's idle thread would spin a tenth of a second of a core at start.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
gc.disable()  # while the libraries are imported: many objects, no garbage cycles worth a collection
from etl.cli import main  # noqa: E402

gc.enable()
code = main()
# Nothing is left to clean up (every command closes the warehouse and the files it writes; what the
# kernel holds is written whatever happens here), so skip the interpreter's teardown: freeing a
# large build's millions of objects one by one took a tenth of its time.
sys.stdout.flush()
sys.stderr.flush()
os._exit(code)
