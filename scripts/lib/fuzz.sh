# shellcheck shell=bash
# libFuzzer on envelope parsing and usage extraction (Tests/Fuzz/FuzzExtract.swift), coverage-guided,
# from the seed corpus in Tests/Fuzz/corpus (the documented envelopes and one per OpenAI fixture).
# Built with plain swiftc: SwiftPM renames an executable's main, and libFuzzer brings its own.
# AddressSanitizer by default (FUZZ_SANITIZER=address): ChargebackCore and the harness are
# instrumented, so a read or write out of bounds in the scanner's pointer code, a use after free or
# a stack overflow stops the run with its stack, instead of passing unseen. FUZZ_SANITIZER=none
# builds without it (about 3 times faster, and blind to those).
# Usage: source scripts/lib/fuzz.sh; run_fuzzer RUNS   (a crash, an ASan report, a hang over 10 s or
# more than 2 GB of memory fails it; the input is kept in out/fuzz/ to add to the corpus once fixed).
FUZZ_BUILD="${FUZZ_BUILD:-.build-fuzz}"
FUZZ_SANITIZER="${FUZZ_SANITIZER:-address}"

fuzz_sanitizers() {
  case "$FUZZ_SANITIZER" in
    address) echo "fuzzer,address" ;;
    none) echo "fuzzer" ;;
    *) echo "fuzz.sh: FUZZ_SANITIZER must be address or none, not '$FUZZ_SANITIZER'" >&2; return 1 ;;
  esac
}

build_fuzzer() {  # prints the fuzzer's path
  local sanitizers out
  sanitizers=$(fuzz_sanitizers) || return 1
  out="$FUZZ_BUILD/$FUZZ_SANITIZER"
  mkdir -p "$out"
  # The libraries are instrumented too: the unsafe pointer code is in ChargebackCore, not the harness.
  local -a flags=(-sanitize="$sanitizers" -O -parse-as-library -wmo -I "$out")
  # gold warns once per ASan helper symbol it cannot export (harmless, ~100 lines): keep the log quiet.
  local quiet='Cannot export local symbol'
  swiftc "${flags[@]}" -emit-module -emit-library -static -module-name CivilCalendar Sources/CivilCalendar/*.swift \
    -emit-module-path "$out/CivilCalendar.swiftmodule" -o "$out/libCivilCalendar.a" 2>&1 | { grep -v "$quiet" >&2 || true; }
  [ "${PIPESTATUS[0]}" -eq 0 ] || return 1
  swiftc "${flags[@]}" -emit-module -emit-library -static -module-name JSONOutput Sources/JSONOutput/*.swift \
    -emit-module-path "$out/JSONOutput.swiftmodule" -o "$out/libJSONOutput.a" 2>&1 | { grep -v "$quiet" >&2 || true; }
  [ "${PIPESTATUS[0]}" -eq 0 ] || return 1
  local -a core
  mapfile -t core < <(find Sources/ChargebackCore -name '*.swift' | sort)
  swiftc "${flags[@]}" -emit-module -emit-library -static -module-name ChargebackCore "${core[@]}" \
    -emit-module-path "$out/ChargebackCore.swiftmodule" -o "$out/libChargebackCore.a" 2>&1 | { grep -v "$quiet" >&2 || true; }
  [ "${PIPESTATUS[0]}" -eq 0 ] || return 1
  swiftc -sanitize="$sanitizers" -O -parse-as-library -I "$out" -L "$out" Tests/Fuzz/FuzzExtract.swift \
    -lChargebackCore -lJSONOutput -lCivilCalendar -o "$out/fuzz-extract" 2>&1 | { grep -v "$quiet" >&2 || true; }
  [ "${PIPESTATUS[0]}" -eq 0 ] || return 1
  echo "$out/fuzz-extract"
}

run_fuzzer() {  # runs
  local runs=$1 work fuzzer started
  fuzzer=$(build_fuzzer) || { echo "fuzz: the fuzzer did not build" >&2; return 1; }
  work=$(mktemp -d "${TMPDIR:-/tmp}/chargeback-fuzz.XXXXXX")
  mkdir -p out/fuzz
  started=$SECONDS
  # The first folder collects what the fuzzer finds; the seed corpus is only read.
  # SWIFT_BACKTRACE off: Swift's own crash handler would answer a trap first, and its memory reader
  # trips ASan, which hides the real failure (seen in CI at stop 24); libFuzzer then prints the stack.
  if ! SWIFT_BACKTRACE=enable=no "$fuzzer" -runs="$runs" -max_len=262144 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix=out/fuzz/ "$work" Tests/Fuzz/corpus >"$work.log" 2>&1; then
    grep -E -A60 "^==[0-9]+==ERROR|^SUMMARY|deadly signal|Fatal error" "$work.log" | head -80 >&2 || true
    tail -20 "$work.log" >&2
    # The input itself, so that a failure on a CI machine can be replayed from its log alone.
    local found
    for found in out/fuzz/crash-* out/fuzz/leak-* out/fuzz/timeout-* out/fuzz/oom-*; do
      [ -f "$found" ] || continue
      if [ "$(wc -c <"$found")" -le 16384 ]; then
        echo "fuzz: $found (base64): $(base64 -w0 "$found")" >&2
      else
        echo "fuzz: $found is $(wc -c <"$found") bytes, too long to print" >&2
      fi
    done
    echo "fuzz: failed ($FUZZ_SANITIZER); replay with: $fuzzer out/fuzz/<input>, then add it to Tests/Fuzz/corpus" >&2
    rm -rf "$work" "$work.log"
    return 1
  fi
  grep -E "^Done|stat::number_of_executed_units|stat::peak_rss_mb|cov:" "$work.log" | tail -4
  echo "fuzz: $runs inputs under sanitizer '$FUZZ_SANITIZER' in $((SECONDS - started)) s"
  rm -rf "$work" "$work.log"
}
