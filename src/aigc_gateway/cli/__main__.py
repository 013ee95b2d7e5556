"""``python -m aigc_gateway.cli``."""

import sys

from . import main

sys.exit(main())
