#!/bin/sh
# Install Debian's bubblewrap, which autograding uses to sandbox students'
# code (src/actzoo_grader/sandbox.py).
#
# Does nothing when bwrap is on PATH. Otherwise installs it with apt when
# running as root; when it cannot, it says why and exits 0: autograding
# then refuses to run without --no-sandbox, and the sandbox tests report
# themselves as skipped with the reason, never passed.
set -u

LOG=${TMPDIR:-/tmp}/install_bubblewrap.$$.log

if command -v bwrap >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install_bubblewrap: bwrap is missing and this is not root:" \
         "sandboxed grading is unavailable" \
         "(run 'sudo sh scripts/install_bubblewrap.sh')"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install_bubblewrap: bwrap is missing and there is no apt-get:" \
         "sandboxed grading is unavailable"
    exit 0
fi

echo "install_bubblewrap: installing bubblewrap with apt-get"
install() {
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends bubblewrap util-linux >>"$LOG" 2>&1
}
if install || { apt-get update -qq >>"$LOG" 2>&1 && install; }; then
    rm -f "$LOG"
    echo "install_bubblewrap: $(bwrap --version)"
else
    echo "install_bubblewrap: apt-get could not install bubblewrap" \
         "(see $LOG): sandboxed grading is unavailable"
fi
exit 0
