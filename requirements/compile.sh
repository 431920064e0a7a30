#!/usr/bin/env bash
# Regenerate requirements/lock.txt: the exact versions that the test suite passed with, for every extra
# (test, notebooks), on Python 3.11 / Linux x86_64. pyproject.toml keeps the compatible ranges for library users;
# this lock is what the README's commands and .ci/run install through (`pip install -c requirements/lock.txt ...`).
#
#   bash requirements/compile.sh            # keep the pins, resolve what pyproject.toml added or changed
#   bash requirements/compile.sh --upgrade  # the newest versions the ranges allow (then run the suite!)
#
# Before committing a new lock, run `bash .ci/upgrade-check` (it does the same resolve in a throw-away
# environment, runs the suite and prints what changed and what failed).
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install -q "uv==0.13.9"
# -o keeps every pin the lock already has (uv prefers the versions in the output file); only new or changed
# requirements are resolved.  Add --upgrade to move everything to the newest allowed versions.
python -m uv pip compile pyproject.toml --all-extras --python-version 3.11 \
    --python-platform x86_64-manylinux_2_34 --no-header --annotation-style line -q -o requirements/lock.txt "$@"
{
    echo "# Exact versions the innonet test suite passed with (Python 3.11, Linux x86_64), all extras."
    echo "# Regenerate: bash requirements/compile.sh [--upgrade]   (uv pip compile pyproject.toml --all-extras)"
    echo "# Install:    pip install -c requirements/lock.txt -e \".[test]\""
    grep -v '^#' requirements/lock.txt
} > requirements/lock.txt.new
mv requirements/lock.txt.new requirements/lock.txt
echo "wrote requirements/lock.txt ($(grep -c '==' requirements/lock.txt) pins)"
