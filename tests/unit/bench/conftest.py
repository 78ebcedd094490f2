"""``bench`` is run as ``python -m bench.<module>`` from the repository root, not installed:
these tests import it from there."""

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[3])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
