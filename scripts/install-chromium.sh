#!/usr/bin/env bash
# Debian's Chromium for the console's browser tests (tests/e2e/test_console_browser.py), driven
# by Playwright through executable_path — never a browser downloaded by a test tool.
# Idempotent: nothing to do when /usr/bin/chromium is there. Without apt-get (or root/sudo) it
# says so and exits 0, and the browser tests skip — except with CI=true, where they fail.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
    echo "Chromium est déjà installé : $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "apt-get indisponible : Chromium n'est pas installé, les tests de la console seront ignorés."
    exit 0
fi
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
        echo "Ni root ni sudo : Chromium n'est pas installé, les tests de la console seront ignorés."
        exit 0
    fi
    SUDO=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
${SUDO[@]+"${SUDO[@]}"} apt-get update -q
${SUDO[@]+"${SUDO[@]}"} apt-get install -y -q --no-install-recommends chromium
echo "Chromium installé : $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
