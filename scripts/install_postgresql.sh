#!/bin/sh
# Install Debian's PostgreSQL server, which the test of a gradebook on
# PostgreSQL (tests/test_postgres_gradebook.py) starts on a private port
# and data folder. Grading itself needs no server: the gradebook is SQLite
# in the course folder unless --db names one.
#
# Does nothing when PostgreSQL's initdb is installed. Otherwise installs it
# with apt when running as root; when it cannot, it says why and exits 0:
# the PostgreSQL test then reports itself as skipped with the reason,
# never passed.
set -u

LOG=${TMPDIR:-/tmp}/install_postgresql.$$.log

if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
    || command -v initdb >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install_postgresql: PostgreSQL is missing and this is not root:" \
         "the PostgreSQL gradebook test will skip" \
         "(run 'sudo sh scripts/install_postgresql.sh')"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install_postgresql: PostgreSQL is missing and there is no apt-get:" \
         "the PostgreSQL gradebook test will skip"
    exit 0
fi

echo "install_postgresql: installing postgresql with apt-get"
install() {
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends postgresql >>"$LOG" 2>&1
}
if install || { apt-get update -qq >>"$LOG" 2>&1 && install; }; then
    rm -f "$LOG"
    echo "install_postgresql: $(ls -d /usr/lib/postgresql/*/bin/initdb)"
else
    echo "install_postgresql: apt-get could not install postgresql" \
         "(see $LOG): the PostgreSQL gradebook test will skip"
fi
exit 0
