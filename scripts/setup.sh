#!/usr/bin/env bash
# Installs what is missing, and nothing else: SoftHSM2 and NSS (Debian packages), node_modules (npm ci),
# the pkcs11js native addon, and the compiled CLI. Quick when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*" >&2; }

# Debian packages: SoftHSM2 (the reference token), NSS softokn with certutil (the second
# software token the token tests also run on), and Chromium, which prints the ceremony record to
# PDF headless (`transcript record --pdf`; its test renders the record). One apt-get run for
# whatever is missing.
missing=()
if [ ! -e /usr/lib/softhsm/libsofthsm2.so ] || ! command -v softhsm2-util >/dev/null 2>&1; then missing+=(softhsm2); fi
softokn=""
for f in /usr/lib/*/libsoftokn3.so /usr/lib64/libsoftokn3.so /usr/lib/libsoftokn3.so; do if [ -e "$f" ]; then softokn="$f"; fi; done
if [ -z "$softokn" ]; then missing+=(libnss3); fi
if ! command -v certutil >/dev/null 2>&1; then missing+=(libnss3-tools); fi
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then missing+=(chromium); fi
if [ ${#missing[@]} -gt 0 ]; then
  say "missing Debian packages: ${missing[*]}: installing them"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || { say "need root (or sudo) to run apt-get install ${missing[*]}"; exit 2; }
    SUDO=sudo
  fi
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y "${missing[@]}"
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi

if [ ! -f node_modules/pkcs11js/build/Release/pkcs11.node ]; then
  say "building the pkcs11js native addon"
  npm rebuild pkcs11js
fi

stamp=dist/.build-stamp
if [ ! -f "$stamp" ] || [ -n "$(find src bench tsconfig.json tsconfig.build.json package.json -newer "$stamp" -print -quit 2>/dev/null)" ]; then
  say "compiling TypeScript"
  npx tsc -p tsconfig.build.json
  touch "$stamp"
fi
