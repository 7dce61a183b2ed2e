"""Checks in a real headless Chromium (Debian's `chromium` package)."""
