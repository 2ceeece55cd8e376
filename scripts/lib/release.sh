# shellcheck shell=bash disable=SC2034 # sets RELEASE_BIN for the scripts that source it
# Release builds with the Swift runtime linked statically, as deployed (scripts/package.sh), in one
# scratch folder shared by scripts/run, scripts/bench and scripts/package.sh: the same flags
# everywhere, so no product is relinked just because another script built it.
# Usage: source scripts/lib/release.sh; release_build PRODUCT...; "$RELEASE_BIN/chargeback" …
RELEASE_SCRATCH="${PACKAGE_SCRATCH:-.build-static}"
RELEASE_BIN="$RELEASE_SCRATCH/release"

release_build() {
  local product
  for product in "$@"; do
    # --disable-new-dtags writes DT_RPATH, which (unlike RUNPATH) also serves the bundled libraries'
    # own dependencies (scripts/package.sh ships them in lib/ beside the executable).
    # shellcheck disable=SC2016 # $ORIGIN is for the dynamic linker, not the shell
    # No DWARF: the package strips it anyway (scripts/package.sh), and leaving it out saves compile
    # and link time; backtraces still name functions (the symbol table stays).
    swift build -c release --product "$product" --static-swift-stdlib --scratch-path "$RELEASE_SCRATCH" \
      -debug-info-format none -Xlinker -rpath -Xlinker '$ORIGIN/lib' -Xlinker --disable-new-dtags
  done
}
