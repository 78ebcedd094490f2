"""``python -m intacct_sandbox``: serve on INTACCT_SANDBOX_HOST:INTACCT_SANDBOX_PORT (127.0.0.1:18083)."""

from intacct_sandbox.app import main

if __name__ == "__main__":
    main()
