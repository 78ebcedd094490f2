"""``python -m netsuite_sandbox``: serve on NETSUITE_SANDBOX_HOST:NETSUITE_SANDBOX_PORT (127.0.0.1:18084)."""

from netsuite_sandbox.app import main

if __name__ == "__main__":
    main()
