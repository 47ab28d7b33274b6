import gc
import sys

gc.disable()  # while the libraries are imported: many objects, no garbage cycles worth a collection
from etl.cli import main  # noqa: E402

gc.enable()
sys.exit(main())
