#!/usr/bin/env bash
# Make throwaway SoftHSM2 tokens in a folder, for tests and ceremony rehearsals.
#
#   make-tokens.sh [--disable CKM_A,CKM_B] <folder> <label>:<so-pin>:<user-pin> [...]
#
# --disable removes mechanisms from the tokens (for rehearsing with a token that lacks one); it
# applies when the folder's softhsm2.conf is first written.
# Writes only inside <folder>: softhsm2.conf (from softhsm2.conf.template), tokens/ (the token
# store) and pins/<label>.pin (the user PIN, mode 0600, for scripted runs). Prints one JSON
# document: {"conf", "module", "tokens": [{"label", "serial", "pinFile"}]}.
# Running it again on the same folder adds tokens. The PINs appear on softhsm2-util's command
# line: use it for throwaway tokens only, never for real keys.
set -euo pipefail
umask 077

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
module="${SOFTHSM2_MODULE:-/usr/lib/softhsm/libsofthsm2.so}"
mechanisms="ALL"
if [[ "${1:-}" == "--disable" ]]; then
  disable="${2:?--disable needs a list like CKM_EDDSA,CKM_EC_EDWARDS_KEY_PAIR_GEN}"
  [[ "$disable" =~ ^CKM_[A-Z0-9_]+(,CKM_[A-Z0-9_]+)*$ ]] || { echo "make-tokens.sh: bad --disable \"$disable\"" >&2; exit 2; }
  # SoftHSM 2.6 ignores the first name after the leading "-", so the first name is given twice.
  mechanisms="-${disable%%,*},$disable"
  shift 2
fi
[[ $# -ge 1 ]] || { echo "usage: make-tokens.sh [--disable CKM_A,CKM_B] <folder> <label>:<so-pin>:<user-pin> ..." >&2; exit 2; }
command -v softhsm2-util >/dev/null || { echo "make-tokens.sh: softhsm2-util is not installed" >&2; exit 2; }
[[ -f "$module" ]] || { echo "make-tokens.sh: no SoftHSM2 module at $module (set SOFTHSM2_MODULE)" >&2; exit 2; }

mkdir -p "$1"
folder="$(cd "$1" && pwd)"
shift
[[ "$folder" != *'"'* && "$folder" != *'\\'* && "$folder" != *'|'* ]] || { echo "make-tokens.sh: the folder name must not contain \" \\ or |" >&2; exit 2; }
conf="$folder/softhsm2.conf"
mkdir -p "$folder/tokens" "$folder/pins"
if [[ ! -f "$conf" ]]; then
  sed -e "s|@TOKENDIR@|$folder/tokens|" -e "s|@MECHANISMS@|$mechanisms|" "$here/softhsm2.conf.template" > "$conf"
fi
export SOFTHSM2_CONF="$conf"

# Serial numbers of the tokens labelled $1, one a line, from what softhsm2-util prints
# (in each token's info the serial line comes before the label line).
serials_of() {
  softhsm2-util --show-slots | awk -v want="$1" '
    /Serial number:/ { serial = $3 }
    /Label:/ { sub(/^[ \t]*Label:[ \t]*/, ""); sub(/[ \t]+$/, ""); if ($0 == want) print serial }'
}

# Check every argument before making any token: a label is never used twice in one folder.
labels=()
for spec in "$@"; do
  IFS=: read -r label so_pin user_pin extra <<<"$spec"
  [[ -z "${extra:-}" && "$label" =~ ^[A-Za-z0-9._-]{1,32}$ ]] || { echo "make-tokens.sh: bad token \"$label\" (label of letters, digits, . _ -; then :so-pin:user-pin)" >&2; exit 2; }
  [[ ${#so_pin} -ge 4 && ${#user_pin} -ge 4 ]] || { echo "make-tokens.sh: PINs of \"$label\" must have at least 4 characters" >&2; exit 2; }
  for seen in "${labels[@]}"; do [[ "$seen" != "$label" ]] || { echo "make-tokens.sh: label \"$label\" given twice" >&2; exit 2; }; done
  [[ -z "$(serials_of "$label")" ]] || { echo "make-tokens.sh: $folder already has a token labelled \"$label\"" >&2; exit 2; }
  labels+=("$label")
done

for spec in "$@"; do
  IFS=: read -r label so_pin user_pin <<<"$spec"
  softhsm2-util --init-token --free --label "$label" --so-pin "$so_pin" --pin "$user_pin" >/dev/null
  printf '%s\n' "$user_pin" > "$folder/pins/$label.pin"
done

out='{"conf":"'"$conf"'","module":"'"$module"'","tokens":['
sep=""
for label in "${labels[@]}"; do
  serial="$(serials_of "$label")"
  out+="$sep"'{"label":"'"$label"'","serial":"'"$serial"'","pinFile":"'"$folder/pins/$label.pin"'"}'
  sep=","
done
printf '%s]}\n' "$out"
