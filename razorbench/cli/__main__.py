"""`python -m razorbench.cli ...`: the same as `razorbench ...` (the DDP launcher re-executes it this way)."""

import sys

from razorbench.cli import main

sys.exit(main())
