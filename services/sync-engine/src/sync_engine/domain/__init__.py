"""The pure decision core of the sync engine (no IO)."""
