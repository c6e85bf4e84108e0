"""Loaded by test subprocesses (via PYTHONPATH): non-local network connections raise."""

import desktop_app_testing_netblock  # noqa: F401  (installs the block on import)
