#!/usr/bin/env bash
# Tools some tests use:
# - chromium (Debian's package) for crates/rigsize-cli/tests/web_e2e.rs: that
#   test prints a WARNING and skips without it, but FAILS when CI=true.
# - docker-compose (Debian's v1.29, ~70 s here) for crates/rigsize-plan/tests/bundle_tools.rs
#   (`docker-compose config` on the emitted docker-compose.yml), unless a compose is present;
# - litellm[proxy] 1.108.7 (pinned) in a venv at ~/.cache/rigsize/litellm-venv (~4.5 min the first time on
#   2 shared cores, ~0.5 GB; reused after) for the same test's LiteLLM config-loader check.
# Both tests skip loudly without their tool and FAIL when CI=true.
# Installs what is missing with apt-get/pip when it can; this script itself
# never fails, the tests report what is missing.
set -uo pipefail

install_chromium() {

  have_chromium() {
    command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 ||
      command -v google-chrome >/dev/null 2>&1
  }

  if have_chromium; then
    echo "ci-deps: chromium present"
    return 0
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "ci-deps: no apt-get; the web end-to-end test will skip (and fail under CI=true) (install chromium to run it)"
    return 0
  fi
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo -n"; else
      echo "ci-deps: not root and no sudo; the web end-to-end test will skip (and fail under CI=true)"
      return 0
    fi
  fi
  echo "ci-deps: installing chromium"
  export DEBIAN_FRONTEND=noninteractive
  if $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null; then
    echo "ci-deps: chromium installed: $(chromium --version 2>/dev/null)"
  else
    echo "ci-deps: could not install chromium; the web end-to-end test will skip (and fail under CI=true)"
  fi
  return 0
}

sudo_cmd() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"; else return 1; fi
}

install_compose() {
  if docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null 2>&1; then
    echo "ci-deps: docker compose present"
    return 0
  fi
  command -v apt-get >/dev/null 2>&1 || { echo "ci-deps: no apt-get; the compose check will skip (and fail under CI=true)"; return 0; }
  echo "ci-deps: installing docker-compose"
  if DEBIAN_FRONTEND=noninteractive sudo_cmd apt-get install -y -qq docker-compose >/dev/null 2>&1 ||
    { sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive sudo_cmd apt-get install -y -qq docker-compose >/dev/null; }; then
    echo "ci-deps: $(docker-compose version --short 2>/dev/null)"
  else
    echo "ci-deps: could not install docker-compose; the compose check will skip (and fail under CI=true)"
  fi
}

install_litellm() {
  local venv="${HOME}/.cache/rigsize/litellm-venv"
  if "$venv/bin/python" -c "import litellm.proxy.proxy_server" >/dev/null 2>&1; then
    echo "ci-deps: litellm[proxy] present in $venv"
    return 0
  fi
  echo "ci-deps: installing litellm[proxy] into $venv"
  if python3 -m venv "$venv" && "$venv/bin/pip" install -q 'litellm[proxy]==1.108.7'; then
    echo "ci-deps: litellm $("$venv/bin/pip" show litellm 2>/dev/null | sed -n 's/^Version: //p')"
  else
    echo "ci-deps: could not install litellm[proxy]; the LiteLLM check will skip (and fail under CI=true)"
  fi
}

install_chromium
install_compose
install_litellm
exit 0
