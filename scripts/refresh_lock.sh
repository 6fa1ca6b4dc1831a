#!/usr/bin/env bash
# Regenerate the hashed lock files that `make setup` installs from:
#   requirements-pip.lock  pip, setuptools and wheel (the installer and the build backend)
#   requirements.lock      every dependency of pyproject.toml, with the [dev] extra
# Each line pins one exact version (==) and lists the sha256 of every file PyPI has for it
# (all platforms), so `pip install --require-hashes` installs the same bytes everywhere, or
# nothing. The dependency set is resolved for the Python that runs this script (3.11, Linux
# x86_64 on the project's machines and CI). Needs PyPI; pip-tools runs in a throwaway venv.
#
#   bash scripts/refresh_lock.sh              # keep the current pins, add what pyproject.toml gained
#   bash scripts/refresh_lock.sh --upgrade    # newest releases pyproject.toml allows
#
# Then run `make setup` in a fresh clone and `make test`, and commit both lock files.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$python" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet pip-tools
compile=("$work/venv/bin/pip-compile" --quiet --generate-hashes --allow-unsafe --strip-extras
    --no-emit-index-url --no-emit-find-links "$@")
export CUSTOM_COMPILE_COMMAND="bash scripts/refresh_lock.sh"  # the command the headers name
printf 'pip\nsetuptools>=68\nwheel\n' >"$work/requirements-pip.in"
"${compile[@]}" --output-file requirements-pip.lock "$work/requirements-pip.in"
# The annotations name the throwaway input file: say what it was instead.
sed -i "s|$work/requirements-pip.in|scripts/refresh_lock.sh|" requirements-pip.lock
"${compile[@]}" --extra dev --output-file requirements.lock pyproject.toml
for lock in requirements-pip.lock requirements.lock; do
    echo "$lock: $(grep -c '==' "$lock") packages pinned, $(grep -c -- '--hash=sha256:' "$lock") hashes"
done
