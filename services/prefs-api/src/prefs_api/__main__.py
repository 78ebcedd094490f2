"""``python -m prefs_api`` serves the API; ``python -m prefs_api create-key --tenant T --scopes
admin`` prints a new API key; ``python -m prefs_api gen-key`` prints a credentials key."""

from __future__ import annotations

import sys

from prefs_api.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
