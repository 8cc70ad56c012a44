"""``python -m cnn_grader autograde <tarefa> [--jobs N] [--force]``: veja :mod:`cnn_grader.parallel`."""

import sys

from cnn_grader.parallel import main

sys.exit(main())
