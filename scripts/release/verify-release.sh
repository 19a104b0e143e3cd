#!/bin/sh
# Checks an r4 release without Node: sh, sha256sum, gpg, tar (and gzip, sed, awk, sort, cmp).
#   sh verify-release.sh <release dir> --key <public-key.asc>   (or --unsigned for a release without a signature)
# The same checks as `npm run verify-release`, one line each, exit 0 only when all pass:
#   signature  re4_release.tar.gz.asc against the given key only (a throwaway GnuPG home, never your keyring)
#   checksums  every SHA-256 in re4_release.sha256, and it lists exactly the tarball's files
#   sbom       the SBOM in the tarball describes exactly its other files (names and SHA-256)
#   sbom-copy  SBOM.spdx.json beside the tarball is the tarball's
#   core       runtime/bin/re4_dump's SHA-256 is selftest/manifest.json's core_sha256
# It reads SBOM.spdx.json as the release tool writes it (two-space JSON, one key per line).
set -u
usage="usage: sh verify-release.sh <release dir> --key <public-key.asc> (or --unsigned)"
dir="" key="" unsigned=""
while [ $# -gt 0 ]; do
  case "$1" in
    --key) [ $# -ge 2 ] || { echo "--key needs a public key file; $usage" >&2; exit 2; }; key="$2"; shift 2 ;;
    --unsigned) unsigned=1; shift ;;
    -*) echo "unknown argument $1; $usage" >&2; exit 2 ;;
    *) [ -z "$dir" ] || { echo "unknown argument $1; $usage" >&2; exit 2; }; dir="$1"; shift ;;
  esac
done
[ -n "$dir" ] || { echo "which release? $usage" >&2; exit 2; }
[ -n "$key" ] || [ -n "$unsigned" ] || { echo "no key: give the signer's public key with --key, or --unsigned to skip the signature; $usage" >&2; exit 2; }
case "$key" in ""|/*) ;; *) key="$(pwd)/$key" ;; esac

failed=""
work=$(mktemp -d "${TMPDIR:-/tmp}/r4-verify-sh.XXXXXX") || exit 1
trap 'gpgconf --homedir "$work/gnupg" --kill all >/dev/null 2>&1; rm -rf "$work"' EXIT INT TERM
report() { # report ok|FAIL check detail
  if [ "$1" = ok ]; then printf 'ok   %s: %s\n' "$2" "$3"; else printf 'FAIL %s: %s\n' "$2" "$3"; failed="$failed $2"; fi
}

# signature
if [ ! -f "$dir/re4_release.tar.gz.asc" ]; then
  if [ -n "$unsigned" ]; then report ok signature "unsigned release (no re4_release.tar.gz.asc), accepted by --unsigned"
  else report FAIL signature "unsigned release: no re4_release.tar.gz.asc"; fi
elif [ -z "$key" ]; then
  report ok signature "not checked (--unsigned, no --key)"
else
  mkdir -m 700 "$work/gnupg"
  if ! GNUPGHOME="$work/gnupg" gpg --batch --quiet --import "$key" >"$work/import.log" 2>&1; then
    report FAIL signature "cannot import the key $key"
  else
    GNUPGHOME="$work/gnupg" gpg --batch --status-fd 1 --verify "$dir/re4_release.tar.gz.asc" "$dir/re4_release.tar.gz" >"$work/status" 2>/dev/null
    status=$?
    fpr=$(sed -n 's/^\[GNUPG:\] VALIDSIG \([0-9A-F]*\).*/\1/p' "$work/status")
    if [ "$status" -eq 0 ] && [ -n "$fpr" ]; then report ok signature "good signature by $fpr"
    elif grep -q '^\[GNUPG:\] BADSIG' "$work/status"; then report FAIL signature "BAD signature of re4_release.tar.gz"
    elif grep -q -e '^\[GNUPG:\] NO_PUBKEY' -e '^\[GNUPG:\] ERRSIG' "$work/status"; then report FAIL signature "not made by the given key ($key)"
    else report FAIL signature "gpg cannot verify it"; fi
  fi
fi

# Unpack once; list the regular files as "sha256  path" (sorted), and anything else.
unreadable=""
mkdir "$work/x"
if [ ! -f "$dir/re4_release.tar.gz" ]; then unreadable="no re4_release.tar.gz"
elif ! tar -x -z --no-same-owner --no-same-permissions -C "$work/x" -f "$dir/re4_release.tar.gz" 2>/dev/null; then unreadable="re4_release.tar.gz does not unpack"
elif [ "$(ls -A "$work/x" | wc -l)" -ne 1 ]; then unreadable="re4_release.tar.gz has more than one top-level entry"
fi
top=$(ls -A "$work/x" | head -n 1)
(cd "$work/x" && find . -type f -exec sha256sum {} + | sed 's|^\([0-9a-f]*\)  \./|\1  |' | LC_ALL=C sort) >"$work/tarball.sums"
others=$(cd "$work/x" && find . ! -type f ! -type d | head -n 3)

# checksums
if [ ! -f "$dir/re4_release.sha256" ]; then report FAIL checksums "no re4_release.sha256"
else
  problems=""
  listed_tarball=$(sed -n 's/^\([0-9a-f]\{64\}\)  re4_release\.tar\.gz$/\1/p' "$dir/re4_release.sha256")
  if [ -z "$listed_tarball" ]; then problems="re4_release.tar.gz is not listed"
  elif [ -f "$dir/re4_release.tar.gz" ] && [ "$(sha256sum "$dir/re4_release.tar.gz" | cut -d' ' -f1)" != "$listed_tarball" ]; then problems="re4_release.tar.gz: SHA-256 mismatch"
  fi
  if [ -n "$unreadable" ]; then problems="${problems:+$problems; }$unreadable"
  else
    grep -v '  re4_release\.tar\.gz$' "$dir/re4_release.sha256" | LC_ALL=C sort >"$work/listed.sums"
    LC_ALL=C sort "$work/tarball.sums" >"$work/actual.sums"
    if ! cmp -s "$work/listed.sums" "$work/actual.sums"; then
      diffs=$(LC_ALL=C comm -3 "$work/listed.sums" "$work/actual.sums" | sed 's/^[[:space:]]*[0-9a-f]*  //' | LC_ALL=C sort -u | head -n 3 | tr '\n' ' ')
      problems="${problems:+$problems; }files whose SHA-256 differs, or that are listed in only one of re4_release.sha256 and the tarball: $diffs"
    fi
    [ -z "$others" ] || problems="${problems:+$problems; }entries that are not regular files: $(echo "$others" | tr '\n' ' ')"
  fi
  if [ -z "$problems" ]; then report ok checksums "$(($(wc -l <"$work/tarball.sums") + 1)) SHA-256 sums match"; else report FAIL checksums "$problems"; fi
fi

# sbom: its files section as "sha256  path", against the tarball's files but the SBOM itself
inner="$work/x/$top/SBOM.spdx.json"
if [ -n "$unreadable" ]; then report FAIL sbom "$unreadable"
elif [ ! -f "$inner" ]; then report FAIL sbom "no SBOM.spdx.json in the tarball"
else
  awk '
    /^      "fileName": "/ { name = $0; sub(/^      "fileName": "(\.\/)?/, "", name); sub(/",?$/, "", name); want = 0; next }
    /^          "algorithm": "SHA256",?$/ { want = 1; next }
    /^          "checksumValue": "/ { if (want && name != "") { value = $0; sub(/^          "checksumValue": "/, "", value); sub(/",?$/, "", value); print value "  " name; want = 0 } next }
    /^    }/ { name = ""; want = 0 }
  ' "$inner" | LC_ALL=C sort >"$work/sbom.sums"
  grep -v "  $top/SBOM\.spdx\.json\$" "$work/tarball.sums" | LC_ALL=C sort >"$work/described.sums"
  if cmp -s "$work/sbom.sums" "$work/described.sums"; then report ok sbom "the SBOM describes exactly the $(wc -l <"$work/described.sums") files of the tarball"
  else report FAIL sbom "the SBOM's files differ from the tarball's: $(LC_ALL=C comm -3 "$work/sbom.sums" "$work/described.sums" | sed 's/^[[:space:]]*[0-9a-f]*  //' | LC_ALL=C sort -u | head -n 3 | tr '\n' ' ')"; fi
fi

# sbom-copy
if [ ! -f "$dir/SBOM.spdx.json" ]; then report FAIL sbom-copy "no SBOM.spdx.json beside the tarball"
elif [ ! -f "$inner" ] || ! cmp -s "$dir/SBOM.spdx.json" "$inner"; then report FAIL sbom-copy "SBOM.spdx.json differs from the tarball's"
else report ok sbom-copy "SBOM.spdx.json is the tarball's"; fi

# core
core="$work/x/$top/runtime/bin/re4_dump"
manifest="$work/x/$top/selftest/manifest.json"
if [ -n "$unreadable" ]; then report FAIL core "$unreadable"
elif [ ! -f "$core" ] || [ ! -f "$manifest" ]; then report FAIL core "runtime/bin/re4_dump or selftest/manifest.json is missing"
else
  expected=$(sed -n 's/.*"core_sha256":"\([0-9a-f]\{64\}\)".*/\1/p' "$manifest")
  actual=$(sha256sum "$core" | cut -d' ' -f1)
  if [ -n "$expected" ] && [ "$expected" = "$actual" ]; then report ok core "re4_dump sha256 $actual is its manifest's"
  else report FAIL core "re4_dump sha256 $actual, its manifest says ${expected:-nothing}"; fi
fi

if [ -n "$failed" ]; then echo "verify-release: FAILED:$failed"; exit 1; fi
echo "verify-release: all checks passed"
