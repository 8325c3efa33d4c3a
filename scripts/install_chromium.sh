#!/bin/sh
# Install Debian's Chromium for the browser tests (tests/test_site.py).
#
# Does nothing when /usr/bin/chromium exists. Otherwise installs it with
# apt when running as root; when it cannot (not root, no apt, no network)
# it says why and exits 0: the browser tests then report themselves as
# skipped with that reason, they never pass silently. Playwright's own
# browser downloads (`playwright install`) are never used.
set -u

CHROMIUM=/usr/bin/chromium
LOG=${TMPDIR:-/tmp}/install_chromium.$$.log

if [ -x "$CHROMIUM" ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install_chromium: $CHROMIUM is missing and this is not root:" \
         "the browser tests will be skipped" \
         "(run 'sudo sh scripts/install_chromium.sh' to enable them)"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install_chromium: $CHROMIUM is missing and there is no apt-get:" \
         "the browser tests will be skipped"
    exit 0
fi

echo "install_chromium: installing chromium with apt-get"
# Fonts for legible pages and screenshots; no recommended desktop extras.
if DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$LOG" 2>&1 &&
   DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
       --no-install-recommends chromium fonts-liberation fonts-dejavu-core \
       >>"$LOG" 2>&1; then
    rm -f "$LOG"
    echo "install_chromium: $("$CHROMIUM" --version 2>/dev/null)"
else
    echo "install_chromium: apt-get could not install chromium" \
         "(see $LOG): the browser tests will be skipped"
fi
exit 0
