#!/bin/sh
# Install Debian's Noto CJK fonts, so the glossary's Chinese terms render in
# the browser and in the book's PDF (tests/test_site_apparatus.py).
#
# Does nothing when a Noto Sans CJK font is already installed. Otherwise
# installs fonts-noto-cjk with apt when running as root; when it cannot
# (not root, no apt, no network) it says why and exits 0: the glyph test
# then fails with that reason, it never passes silently.
set -u

LOG=${TMPDIR:-/tmp}/install_cjk_fonts.$$.log

if command -v fc-list >/dev/null 2>&1 &&
   fc-list 2>/dev/null | grep -q "Noto Sans CJK"; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install_cjk_fonts: Noto Sans CJK is missing and this is not root" \
         "(run 'sudo sh scripts/install_cjk_fonts.sh')"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install_cjk_fonts: Noto Sans CJK is missing and there is no apt-get"
    exit 0
fi

echo "install_cjk_fonts: installing fonts-noto-cjk with apt-get"
if DEBIAN_FRONTEND=noninteractive apt-get update -qq -o DPkg::Lock::Timeout=600 >"$LOG" 2>&1 &&
   DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 \
       --no-install-recommends fonts-noto-cjk fontconfig >>"$LOG" 2>&1; then
    rm -f "$LOG"
    echo "install_cjk_fonts: $(fc-list | grep -c 'Noto Sans CJK') Noto Sans CJK faces"
else
    echo "install_cjk_fonts: apt-get could not install fonts-noto-cjk" \
         "(see $LOG)"
fi
exit 0
