# shellcheck shell=bash
# libFuzzer on envelope parsing and usage extraction (Tests/Fuzz/FuzzExtract.swift), coverage-guided,
# from the seed corpus in Tests/Fuzz/corpus (the documented envelopes and one per OpenAI fixture).
# Built with plain swiftc: SwiftPM renames an executable's main, and libFuzzer brings its own.
# Usage: source scripts/lib/fuzz.sh; run_fuzzer RUNS   (a crash, a hang over 10 s or more than
# 2 GB of memory fails it; the input is kept in out/fuzz/ to add to the corpus once fixed).
FUZZ_BUILD="${FUZZ_BUILD:-.build-fuzz}"

build_fuzzer() {
  mkdir -p "$FUZZ_BUILD"
  local -a flags=(-sanitize=fuzzer -O -parse-as-library -wmo -I "$FUZZ_BUILD")
  swiftc "${flags[@]}" -emit-module -emit-library -static -module-name CivilCalendar Sources/CivilCalendar/*.swift \
    -emit-module-path "$FUZZ_BUILD/CivilCalendar.swiftmodule" -o "$FUZZ_BUILD/libCivilCalendar.a"
  local -a core
  mapfile -t core < <(find Sources/ChargebackCore -name '*.swift' | sort)
  swiftc "${flags[@]}" -emit-module -emit-library -static -module-name ChargebackCore "${core[@]}" \
    -emit-module-path "$FUZZ_BUILD/ChargebackCore.swiftmodule" -o "$FUZZ_BUILD/libChargebackCore.a"
  swiftc -sanitize=fuzzer -O -parse-as-library -I "$FUZZ_BUILD" -L "$FUZZ_BUILD" Tests/Fuzz/FuzzExtract.swift \
    -lChargebackCore -lCivilCalendar -o "$FUZZ_BUILD/fuzz-extract"
}

run_fuzzer() {  # runs
  local runs=$1 work
  build_fuzzer
  work=$(mktemp -d "${TMPDIR:-/tmp}/chargeback-fuzz.XXXXXX")
  mkdir -p out/fuzz
  # The first folder collects what the fuzzer finds; the seed corpus is only read.
  if ! "$FUZZ_BUILD/fuzz-extract" -runs="$runs" -max_len=262144 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix=out/fuzz/ "$work" Tests/Fuzz/corpus >"$work.log" 2>&1; then
    tail -40 "$work.log" >&2
    echo "fuzz: failed; the input is in out/fuzz/" >&2
    rm -rf "$work" "$work.log"
    return 1
  fi
  grep -E "^Done|stat::number_of_executed_units|stat::peak_rss_mb|cov:" "$work.log" | tail -4
  rm -rf "$work" "$work.log"
}
