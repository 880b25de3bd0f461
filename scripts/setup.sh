#!/usr/bin/env bash
# Installs what is missing, and nothing else: SoftHSM2 (Debian package), node_modules (npm ci),
# the pkcs11js native addon, and the compiled CLI. Quick when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*" >&2; }

if [ ! -e /usr/lib/softhsm/libsofthsm2.so ] || ! command -v softhsm2-util >/dev/null 2>&1; then
  say "SoftHSM2 is missing: installing the Debian package softhsm2"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || { say "need root (or sudo) to run apt-get install softhsm2"; exit 2; }
    SUDO=sudo
  fi
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y softhsm2
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
