#!/bin/sh
# Refits data/speed-calibration.toml on the public benchmark files and prints
# the validation and the leave-one-source-out cross-validation (per engine,
# one stream vs several streams).
# Usage: scripts/calibrate.sh [BENCH.csv ...]   (default: data/bench/dev.csv data/bench/batched.csv)
set -e
cd "$(dirname "$0")/.."
if [ "$#" -eq 0 ]; then
  set -- data/bench/dev.csv data/bench/batched.csv
fi
exec cargo run --release -q -p rigsize-speed --example calibrate -- "$@" --write data/speed-calibration.toml
