import sys

from exports.cli import main

sys.exit(main())
