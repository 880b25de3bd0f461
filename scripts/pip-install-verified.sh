#!/usr/bin/env bash
# Install with pip only files that the index's TUF metadata vouches for (docs/pip.md).
#
# pip has no hook for a TUF check, so this downloads first, checks every downloaded file with
# `tuf-ceremony verify-download`, and installs from those files alone (--no-index). One file that
# fails the check stops everything: the exit code is verify-download's (3), nothing is installed.
#
# usage: scripts/pip-install-verified.sh --metadata <folder> --root <trusted root.json>
#          [--state <folder>] [--index-url <url>] [--simple-pages] [--allow-sdist]
#          [--dest <new folder>] [--target <folder>] <requirement>...
#
#   --metadata, --root, --state  as for verify-download: the metadata folder (from `dev fetch`,
#                    or the online side's), the root you trust, the folder that keeps what was
#                    trusted last time
#   --index-url      the simple index pip downloads from (else pip's own configuration)
#   --simple-pages   Warehouse's model: fetch each project's simple page from --index-url and
#                    check the file by the hash the TUF-verified page lists (verify-download
#                    --simple-page); without it, each file is a target of its own
#   --allow-sdist    let pip download source distributions: pip may run their build backend to
#                    read their metadata before this script has checked them (see docs/pip.md)
#   --dest           where the files are downloaded (must not exist; default: a new temporary folder)
#   --target         passed to pip install (install into this folder instead of the environment)
#
# Needs `tuf-ceremony` on the PATH and python3 with pip (PYTHON names another interpreter).
set -euo pipefail

die() {
  echo "pip-install-verified: $*" >&2
  exit 2
}

python=${PYTHON:-python3}
metadata='' root='' state='' index_url='' dest='' target='' simple_pages=0 allow_sdist=0
requirements=()
while [ $# -gt 0 ]; do
  case $1 in
    --metadata | --root | --state | --index-url | --dest | --target)
      [ $# -ge 2 ] || die "$1 needs a value"
      case $1 in
        --metadata) metadata=$2 ;;
        --root) root=$2 ;;
        --state) state=$2 ;;
        --index-url) index_url=$2 ;;
        --dest) dest=$2 ;;
        --target) target=$2 ;;
      esac
      shift 2
      ;;
    -h | --help)
      sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "$0"
      exit 0
      ;;
    --simple-pages) simple_pages=1 && shift ;;
    --allow-sdist) allow_sdist=1 && shift ;;
    --) shift && requirements+=("$@") && break ;;
    -*) die "unknown option $1" ;;
    *) requirements+=("$1") && shift ;;
  esac
done
[ -n "$metadata" ] || die "give --metadata <folder>"
[ -n "$root" ] || die "give --root <trusted root.json>"
[ ${#requirements[@]} -gt 0 ] || die "give at least one requirement"
[ $simple_pages -eq 0 ] || [ -n "$index_url" ] || die "--simple-pages needs --index-url"

if [ -z "$dest" ]; then
  dest=$(mktemp -d "${TMPDIR:-/tmp}/pip-verified.XXXXXX")
else
  # A new folder: pip install --find-links takes every file in it, so only checked files may be there.
  mkdir -- "$dest" || die "$dest: cannot make it (it must not exist yet)"
fi

index=()
[ -z "$index_url" ] || index=(--index-url "$index_url")
binary=(--only-binary=:all:)
[ $allow_sdist -eq 0 ] || binary=()
state_arg=()
[ -z "$state" ] || state_arg=(--state "$state")

"$python" -m pip download --no-deps --no-cache-dir "${binary[@]}" "${index[@]}" -d "$dest" -- "${requirements[@]}"

# Every file is copied into a folder only this script writes, checked there, and installed from
# there: what pip install reads is what was checked, whatever appears or changes in $dest later.
pages=$(mktemp -d "${TMPDIR:-/tmp}/pip-verified-pages.XXXXXX")
checked=$(mktemp -d "${TMPDIR:-/tmp}/pip-verified-checked.XXXXXX")
trap 'rm -rf -- "$pages" "$checked"' EXIT
count=0
shopt -s nullglob dotglob
for file in "$dest"/*; do
  name=$(basename -- "$file")
  # pip download writes regular files only. pip install --find-links reads every entry, hidden
  # ones too, an .html file as a page of links to follow: anything else here is refused.
  if [ -L "$file" ] || [ ! -f "$file" ]; then
    echo "pip-install-verified: $file is not a regular file pip downloaded; nothing installed" >&2
    exit 3
  fi
  cp -- "$file" "$checked/$name"
  page_arg=()
  if [ $simple_pages -eq 1 ]; then
    # The project from the file name (the part before the first "-"), normalized as PEP 503 does;
    # verify-download checks that the page is that project's TUF target.
    project=$(printf '%s' "${name%%-*}" | tr 'A-Z' 'a-z' | sed -E 's/[-_.]+/-/g')
    "$python" - "${index_url%/}/$project/" "$pages/$project" <<'EOF'
import sys, urllib.request
request = urllib.request.Request(sys.argv[1], headers={"Accept": "text/html"})
with urllib.request.urlopen(request, timeout=60) as r, open(sys.argv[2], "wb") as f:
    f.write(r.read())
EOF
    page_arg=(--simple-page "$pages/$project")
  fi
  code=0
  tuf-ceremony verify-download "$checked/$name" --metadata "$metadata" --root "$root" "${state_arg[@]}" "${page_arg[@]}" || code=$?
  if [ $code -ne 0 ]; then
    echo "pip-install-verified: $file failed verification; nothing installed (the files stay in $dest)" >&2
    exit $code
  fi
  count=$((count + 1))
done
[ $count -gt 0 ] || die "pip downloaded nothing into $dest"

target_arg=()
[ -z "$target" ] || target_arg=(--target "$target")
"$python" -m pip install --no-index --no-cache-dir --find-links "$checked" "${target_arg[@]}" -- "${requirements[@]}"
echo "pip-install-verified: installed from $count verified file(s) downloaded into $dest"
