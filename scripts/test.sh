#!/usr/bin/env bash
# Everything `make test` checks: lint, formatting, types, migrations, then the whole test suite on
# SQLite and, when DATABASE_URL is set, again on PostgreSQL. Every step runs even after a failure,
# so one run shows all that is wrong; the exit status is non-zero if anything failed.
#
#   PYTEST_WORKERS=0 bash scripts/test.sh      no xdist (one process, easier to debug)
#   bash scripts/test.sh -k claim              extra arguments go to pytest
set -uo pipefail

cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PY=$VENV/bin/python
WORKERS=${PYTEST_WORKERS:-2}
PYTEST_ARGS=("$@")

if [[ ! -x $PY ]]; then
    echo "No virtualenv at $VENV: run 'make install' first." >&2
    exit 2
fi

# The tests decide these themselves; a developer's shell must not change what they check.
unset MUTUA_TASKS MUTUA_CACHE MUTUA_EMAIL_BACKEND MUTUA_TESTING MUTUA_DEBUG MUTUA_SQLITE_TEST_PATH

WORK=$(mktemp -d "${TMPDIR:-/tmp}/mutua-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

SUMMARY=()
FAILED=0

# step NAME COMMAND...: run one check and remember how it went.
step() {
    local name=$1
    shift
    echo
    echo "==> $name"
    if "$@"; then
        SUMMARY+=("ok      $name")
    else
        SUMMARY+=("FAILED  $name")
        FAILED=1
    fi
}

step "ruff check" "$VENV/bin/ruff" check .
step "ruff format --check" "$VENV/bin/ruff" format --check .
step "mypy (strict)" "$VENV/bin/mypy" mutua bench
# Against a scratch SQLite file, so the check never touches a real database.
step "migrations match the models" env -u DATABASE_URL MUTUA_SQLITE_PATH="$WORK/migrations.sqlite3" \
    "$PY" manage.py makemigrations --check --dry-run

# Translations: tests render emails and pages in Spanish, from compiled catalogues.
if compgen -G "mutua/locale/*/LC_MESSAGES/*.po" >/dev/null; then
    if command -v msgfmt >/dev/null; then
        step "compile translations" env -u DATABASE_URL "$PY" manage.py compilemessages \
            --ignore=.venv -v 0
    else
        echo "msgfmt not found (apt-get install gettext): using the committed .mo files."
    fi
fi

# The Redis queue test needs a Redis server. CI exports REDIS_URL; locally a server on the
# default port is used when one answers, otherwise that one test is left out, and said so.
REDIS_TEST=mutua/notifications/tests/test_notifications.py::test_redis_queue_sends_the_email_when_an_rq_worker_runs
DESELECT=()
if [[ -z ${REDIS_URL:-} ]]; then
    if "$PY" -c "import redis; redis.Redis.from_url('redis://127.0.0.1:6379/0', socket_timeout=1).ping()" \
        >/dev/null 2>&1; then
        export REDIS_URL=redis://127.0.0.1:6379/0
    else
        DESELECT=(--deselect "$REDIS_TEST")
        SUMMARY+=("NOTE    Redis queue test not run: no Redis (set REDIS_URL, see DEVELOPERS.md)")
    fi
fi

XDIST=()
if [[ $WORKERS != 0 ]]; then
    XDIST=(-n "$WORKERS")
fi

TOTAL_PASSED=0
TOTAL_FAILED=0

# suite LABEL ENV...: the whole pytest suite with the given environment; one summary line.
suite() {
    local label=$1
    shift
    local log="$WORK/pytest-$label.log"
    echo
    echo "==> pytest on $label"
    env "$@" "$PY" -m pytest "${XDIST[@]}" "${DESELECT[@]}" "${PYTEST_ARGS[@]}" 2>&1 | tee "$log"
    local status=${PIPESTATUS[0]}
    # pytest's own last line, e.g. "==== 412 passed, 3 warnings in 61.20s ====".
    local counts
    counts=$(grep -E '^=+ .*(passed|failed|error|no tests ran).* =+$' "$log" | tail -n 1 | tr -d '=')
    counts=$(echo "$counts" | sed -E 's/^ +| +$//g')
    # "12 failed, 700 passed, 2 errors in 9s": add up what passed, and what failed or errored.
    TOTAL_PASSED=$((TOTAL_PASSED + $(echo "$counts" | tr -d ',' |
        awk '{n=0; for (i=1; i<NF; i++) if ($(i+1) == "passed") n+=$i; print n}')))
    TOTAL_FAILED=$((TOTAL_FAILED + $(echo "$counts" | tr -d ',' |
        awk '{n=0; for (i=1; i<NF; i++) if ($(i+1) ~ /^(failed|errors?)$/) n+=$i; print n}')))
    case $status in
        0) SUMMARY+=("ok      pytest on $label: ${counts:-passed}") ;;
        5)
            SUMMARY+=("FAILED  pytest on $label: no tests were collected")
            FAILED=1
            ;;
        *)
            SUMMARY+=("FAILED  pytest on $label (exit $status): ${counts:-see the output above}")
            FAILED=1
            ;;
    esac
}

suite SQLite -u DATABASE_URL
if [[ -n ${DATABASE_URL:-} ]]; then
    suite PostgreSQL DATABASE_URL="$DATABASE_URL"
else
    SUMMARY+=("NOTE    PostgreSQL not tested: DATABASE_URL is not set (see DEVELOPERS.md)")
fi

echo
echo "==> Summary"
printf '  %s\n' "${SUMMARY[@]}"
# Both databases together, in the plain form CI reads.
echo "total: $TOTAL_PASSED passed, $TOTAL_FAILED failed"
if [[ $FAILED != 0 ]]; then
    echo "make test: FAILED"
    exit 1
fi
echo "make test: all passed"
