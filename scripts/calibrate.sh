#!/bin/sh
# Refits data/speed-calibration.toml on the public benchmark file and prints
# the validation and the leave-one-source-out cross-validation.
# Usage: scripts/calibrate.sh [BENCH.csv]
set -e
cd "$(dirname "$0")/.."
exec cargo run --release -q -p rigsize-speed --example calibrate -- "${1:-data/bench/dev.csv}" --write data/speed-calibration.toml
