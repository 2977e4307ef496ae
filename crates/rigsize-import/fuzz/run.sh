#!/usr/bin/env bash
# Runs each fuzz target for SECONDS (default 600) at low priority, seeded
# from the test fixtures. Needs nightly and cargo-fuzz:
#   rustup toolchain install nightly --profile minimal; cargo install cargo-fuzz
set -euo pipefail
cd "$(dirname "$0")"
SECONDS_PER_TARGET="${1:-600}"
mkdir -p corpus/gguf_header corpus/safetensors_header corpus/hf_config
# GGUF seeds: the headers of the llama.cpp fixtures (first 32 KiB).
for f in ../../../tests/fixtures/llamacpp/*.gguf; do
  [ -e "$f" ] && head -c 32768 "$f" > "corpus/gguf_header/$(basename "$f").head"
done
printf '\x4d\x00\x00\x00\x00\x00\x00\x00{"a.weight":{"dtype":"BF16","shape":[4,8],"data_offsets":[0,64]},"__metadata__":{}}' > corpus/safetensors_header/seed
head -c 64 /dev/zero >> corpus/safetensors_header/seed
cargo +nightly fuzz build -O
for t in gguf_header safetensors_header hf_config; do
  extra=()
  [ "$t" = hf_config ] && extra=(../tests/fixtures/configs)
  nice -n 15 cargo +nightly fuzz run "$t" "corpus/$t" "${extra[@]}" -- \
    -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
    > "fuzz-$t.log" 2>&1 &
done
wait
tail -n 25 fuzz-*.log
