"""`python -m firsthand.cli`: the same as the `firsthand` command."""

import sys

from firsthand.cli.main import main

sys.exit(main())
