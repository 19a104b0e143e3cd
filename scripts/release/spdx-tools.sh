#!/bin/sh
# sh scripts/release/spdx-tools.sh  ->  prints the path of pyspdxtools (the SPDX project's own validator)
# Installs the pinned spdx-tools from PyPI (pip) into a venv in the cache, once; python3 -m venv needs the
# Debian package python3-venv (scripts/debian-tools.txt).
set -eu
version=0.8.5
venv="${XDG_CACHE_HOME:-$HOME/.cache}/r4/spdx-tools-$version"
# pip writes pyspdxtools last: an interrupted install is simply redone.
if [ ! -x "$venv/bin/pyspdxtools" ]; then
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check "spdx-tools==$version" >&2
fi
echo "$venv/bin/pyspdxtools"
