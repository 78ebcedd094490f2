"""``python -m qbo_sandbox``: serve the sandbox on QBO_SANDBOX_HOST:QBO_SANDBOX_PORT (127.0.0.1:18081)."""

from qbo_sandbox.app import main

if __name__ == "__main__":
    main()
