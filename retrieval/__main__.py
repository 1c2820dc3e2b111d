"""python -m retrieval "问题" is the same as python -m retrieval.ask "问题"."""

import sys

from retrieval.ask import main

sys.exit(main())
