#!/bin/sh
# Builds the third-party batteries that no Debian package carries, once, into a cache outside the repository:
#   PractRand 0.94 (RNG_test), TestU01 1.2.3 (libtestu01.a, for scripts/proof/testu01-stdin.c),
#   NIST SP 800-90B (ea_non_iid, ea_restart).
# Sources: the tarballs of ../shared/tools (R4_PROOF_TOOLS_SRC overrides); cache: ~/.cache/r4/proof-tools
# (R4_PROOF_CACHE overrides). A tool whose tarball is absent is reported on stderr and skipped: the proof
# then runs the Debian batteries only. Prints one line per tool on stdout: "<tool> <dir>" or "<tool> absent <why>".
set -eu
repo=$(cd "$(dirname "$0")/../.." && pwd)
src=${R4_PROOF_TOOLS_SRC:-$repo/../shared/tools}
cache=${R4_PROOF_CACHE:-$HOME/.cache/r4/proof-tools}
jobs=$(nproc 2>/dev/null || echo 2)

# build NAME TARBALL COMMAND...: runs COMMAND in a fresh copy of TARBALL unpacked under the cache; the
# directory NAME appears only when the build succeeded, so an interrupted build is redone, never half-used.
build() {
  name=$1; tarball=$2; shift 2
  dir=$cache/$name
  if [ -f "$dir/.built" ]; then echo "$name $dir"; return 0; fi
  if [ ! -f "$src/$tarball" ]; then
    echo "r4 proof: $src/$tarball is absent: $name is skipped" >&2
    echo "$name absent $src/$tarball not found"
    return 0
  fi
  echo "r4 proof: building $name from $src/$tarball into $dir (once; a few minutes)" >&2
  work=$cache/.build-$name.$$
  rm -rf "$work"; mkdir -p "$work"
  tar -xzf "$src/$tarball" -C "$work" --strip-components=1
  if (cd "$work" && "$@") >"$cache/$name.build.log" 2>&1; then
    rm -rf "$dir"; mv "$work" "$dir"; touch "$dir/.built"
    echo "$name $dir"
  else
    echo "r4 proof: building $name failed; see $cache/$name.build.log" >&2
    rm -rf "$work"
    echo "$name absent build failed (see $cache/$name.build.log)"
  fi
}

practrand() {
  mkdir -p obj
  for f in src/*.cpp src/RNGs/*.cpp src/RNGs/other/*.cpp; do
    echo "$f"
  done | xargs -P "$jobs" -I{} sh -c 'g++ -c -O3 -Iinclude -pthread -std=gnu++11 "$1" -o "obj/$(echo "$1" | tr / _).o"' _ {}
  ar rcs libPractRand.a obj/*.o
  g++ -O3 -Iinclude -pthread -std=gnu++11 tools/RNG_test.cpp libPractRand.a -o RNG_test
}

testu01() {
  ./configure --disable-shared --prefix="$PWD/install"
  make -j"$jobs"
  make install
}

sp800_90b() {
  cd cpp && make -j"$jobs" non_iid restart
}

mkdir -p "$cache"
build practrand-0.94 practrand-0.94.tar.gz practrand
build testu01-1.2.3 testu01-1.2.3.tar.gz testu01
build sp800-90b sp800-90b-entropy-assessment.tar.gz sp800_90b

# The TestU01 front end of this repository, rebuilt when its source changes (its hash names the binary).
testu01=$cache/testu01-1.2.3
if [ -f "$testu01/.built" ]; then
  harness_src=$repo/scripts/proof/testu01-stdin.c
  harness=$cache/testu01-stdin-$(sha256sum "$harness_src" | cut -c1-12)
  if [ ! -x "$harness" ]; then
    gcc -O2 -std=c11 -Wall -Wextra -Werror -I"$testu01/install/include" "$harness_src" \
      -L"$testu01/install/lib" -ltestu01 -lprobdist -lmylib -lm -o "$harness.tmp"
    mv "$harness.tmp" "$harness"
  fi
  echo "testu01-stdin $harness"
fi
