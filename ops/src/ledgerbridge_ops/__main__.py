"""``python -m ledgerbridge_ops``: the same as the ``ledgerbridge`` command."""

from ledgerbridge_ops.cli import main

main()
