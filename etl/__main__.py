import gc
import logging
import os
import sys

gc.disable()  # while the libraries are imported: many objects, no garbage cycles worth a collection
from etl.cli import main  # noqa: E402

gc.enable()
code = main()
if not isinstance(code, int | None):
    sys.exit(code)  # as sys.exit says it
# Everything is written and closed by now (main's files and connections are closed where they are
# opened): leave without tearing down the interpreter, which takes pandas a tenth of a second.
sys.stdout.flush()
sys.stderr.flush()
logging.shutdown()
os._exit(code or 0)
