#!/usr/bin/env bash
# Tools some tests use:
# - chromium (Debian's package) for crates/rigsize-cli/tests/web_e2e.rs: that
#   test prints a WARNING and skips without it, but FAILS when CI=true.
# Installs what is missing with apt-get when it can; this script itself
# never fails, the test reports the missing browser.
set -uo pipefail

have_chromium() {
  command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 ||
    command -v google-chrome >/dev/null 2>&1
}

if have_chromium; then
  echo "ci-deps: chromium present"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ci-deps: no apt-get; the web end-to-end test will skip (and fail under CI=true) (install chromium to run it)"
  exit 0
fi
sudo=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo -n"; else
    echo "ci-deps: not root and no sudo; the web end-to-end test will skip (and fail under CI=true)"
    exit 0
  fi
fi
echo "ci-deps: installing chromium"
export DEBIAN_FRONTEND=noninteractive
if $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null; then
  echo "ci-deps: chromium installed: $(chromium --version 2>/dev/null)"
else
  echo "ci-deps: could not install chromium; the web end-to-end test will skip (and fail under CI=true)"
fi
exit 0
