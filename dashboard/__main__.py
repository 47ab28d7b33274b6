"""`python -m dashboard deck|png`: an alias of `python -m exports` (the same main)."""
import sys

from exports.cli import main

sys.exit(main())
