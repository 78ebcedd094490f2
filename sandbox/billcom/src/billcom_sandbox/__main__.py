"""``python -m billcom_sandbox``: serve the sandbox on 127.0.0.1:18082."""

import uvicorn

from billcom_sandbox.settings import SandboxSettings

if __name__ == "__main__":
    settings = SandboxSettings()
    uvicorn.run("billcom_sandbox.app:create_app", factory=True, host=settings.host, port=settings.port)
