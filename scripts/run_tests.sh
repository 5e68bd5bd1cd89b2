#!/usr/bin/env bash
# Run pytest; exit 5 ("no tests collected") is a failure for CI, never a silent pass.
# The 15 slowest tests are listed at the end, so a test that grows shows up in every run.
set -uo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -m pytest -p no:cacheprovider --durations=15 "$@"
status=$?
if [ "$status" -eq 5 ]; then
  echo "no tests were collected" >&2
  exit 1
fi
exit "$status"
