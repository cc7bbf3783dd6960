#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests when it is missing. Test tools' own browser
# downloads cannot work on machines that reach only package registries, so the tests drive this
# one through playwright-core (CHROMIUM_PATH overrides the path).
set -euo pipefail
path="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$path" ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "Chromium is missing at $path and cannot be installed here (needs root and apt-get);" \
    "the browser tests will be skipped. Install it, or set CHROMIUM_PATH." >&2
  exit 0
fi
echo "Installing Debian's chromium for the browser tests..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
echo "chromium installed: $("$path" --version 2>/dev/null || echo unknown)" >&2
