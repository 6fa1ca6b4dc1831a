#!/usr/bin/env bash
# Debian's Chromium and ChromeDriver for the browser tests (tests/browser/), from apt only:
# the tests drive /usr/bin/chromium through Playwright's executable_path and never let a tool
# download a browser of its own (no `playwright install`, no Selenium Manager).
# Idempotent: does nothing when /usr/bin/chromium is already there.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
    echo "install_browser: /usr/bin/chromium already installed, nothing to do"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends chromium chromium-driver
/usr/bin/chromium --version
