"""``python -m autograd_mini``: the same as the ``autograd-mini`` console script."""

import sys

from .cli import main

sys.exit(main())
