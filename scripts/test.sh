#!/usr/bin/env bash
# The test command: install, start a throwaway PostgreSQL, run the whole suite on both back ends.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
set +e
bash scripts/with-postgres.sh .venv/bin/python -m pytest "$@"
rc=$?
set -e
if [ "$rc" = 5 ]; then
  echo "error: pytest collected no tests" >&2
  exit 1
fi
exit "$rc"
