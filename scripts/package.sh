#!/usr/bin/env bash
# Builds the deployable Function App package, dist/chargeback-functionapp.zip:
#   host.json, one folder per function, config/, the `chargeback` executable (run bit set) and lib/
#   with every shared library it needs beyond glibc (found through an RPATH of $ORIGIN/lib), so the
#   package runs with nothing installed on a glibc at least as new as this machine's (2.36).
# The Swift runtime is linked statically (--static-swift-stdlib).
# Beside it, dist/chargeback-image/: the container build context (Dockerfile FROM the Functions
# host's Debian 12 image named in infrastructure/runtime-base.json, and the same files in app/),
# which scripts/deploy.sh builds in Azure Container Registry (infrastructure/registry.tf says why).
# Usage: scripts/package.sh [--out FILE]        (env PACKAGE_SCRATCH: the build folder, .build-static)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh

out="dist/chargeback-functionapp.zip"
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "package.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done

ensure_packages "${BASE_PACKAGES[@]}" zip unzip binutils
source scripts/lib/release.sh

echo "== building release (static Swift runtime) in $RELEASE_SCRATCH"
release_build chargeback
binary="$RELEASE_BIN/chargeback"

stage=$(mktemp -d /tmp/chargeback-package.XXXXXX)
trap 'rm -rf "$stage"' EXIT
app="$stage/app"
mkdir -p "$app/lib" "$app/config"
cp host.json "$app/"
for folder in functions/*/; do
  cp -R "$folder" "$app/$(basename "$folder")"
done
cp config/price-book.json config/cost-centers.json config/budgets.json "$app/config/"
install -m 0755 "$binary" "$app/chargeback"
# The IANA time zones (budgets' timeZone, the usage summary's tz=) are read from zoneinfo/ beside the
# executable before the system's (Sources/ChargebackApp/Money/TimeZones.swift): the handler carries
# no ICU, and Azure's image need not have tzdata. Links are copied as files (-L); posix/ and right/
# (the same zones again, and leap-second variants the handler refuses) are left out.
[ -f /usr/share/zoneinfo/Europe/Paris ] || { echo "package.sh: /usr/share/zoneinfo is missing (tzdata)" >&2; exit 1; }
cp -RL /usr/share/zoneinfo "$app/zoneinfo"
rm -rf "$app/zoneinfo/posix" "$app/zoneinfo/right"
strip --strip-debug "$app/chargeback"

# Bundle every library the dynamic linker resolves outside glibc (ldd lists the whole closure), for
# the executable and for libcurl, which it loads with dlopen on first use (Sources/CCurl) and which
# ldd of the executable therefore does not list: it goes to lib/ explicitly, with its own closure.
glibc='^(linux-vdso|ld-linux|libc\.so|libm\.so|libpthread\.so|libdl\.so|librt\.so|libresolv\.so|libutil\.so)'
# awk reads to the end (no `exit`): a reader that leaves early can kill ldconfig with SIGPIPE,
# which pipefail turns into a failed package (seen once, exit 141, on a loaded machine).
libcurl=$(ldconfig -p | awk '$1 == "libcurl.so.4" && /x86-64/ && !found { print $NF; found = 1 }')
if [ -z "$libcurl" ] || [ ! -f "$libcurl" ]; then echo "package.sh: libcurl.so.4 is not installed (libcurl4)" >&2; exit 1; fi
install -m 0644 "$libcurl" "$app/lib/libcurl.so.4"
bundle_closure() {  # FILE: copies into lib/ every library FILE needs beyond glibc
  local name path
  while read -r name _ path _; do
    [[ "$name" =~ $glibc ]] && continue
    [ -f "$path" ] || { echo "package.sh: $name is not found on this machine" >&2; exit 1; }
    [ -f "$app/lib/$name" ] || install -m 0644 "$path" "$app/lib/$name"
  done < <(ldd "$1" | awk '$2 == "=>" { print $1, $2, $3, $4 }')
}
bundle_closure "$app/chargeback"
bundle_closure "$app/lib/libcurl.so.4"

echo "== checking the bundle with ldd"
for file in "$app/chargeback" "$app/lib/libcurl.so.4"; do
  unresolved=$(ldd "$file" | grep 'not found' || true)
  [ -z "$unresolved" ] || { echo "package.sh: unresolved libraries of $(basename "$file"): $unresolved" >&2; exit 1; }
done
outside=$(ldd "$app/chargeback" | awk '$2 == "=>" { print $1, $3 }' | grep -Ev "$glibc" | grep -v " $app/lib/" || true)
[ -z "$outside" ] || { echo "package.sh: libraries resolved outside the package: $outside" >&2; exit 1; }
ldd "$app/chargeback" | sed 's/ (0x[0-9a-f]*)//; s/^/   /'
# libcurl as the handler loads it: from lib/, its closure from lib/ through the executable's DT_RPATH.
"$app/chargeback" check --price-book "$app/config/price-book.json" --cost-centers "$app/config/cost-centers.json" \
  --budgets "$app/config/budgets.json" --libcurl | grep '^libcurl: ' | sed 's/^/   /'

mkdir -p "$(dirname "$out")"
rm -f "$out"
out_abs="$(cd "$(dirname "$out")" && pwd)/$(basename "$out")"
(cd "$app" && zip -q -r -X "$out_abs" .)
zipinfo "$out_abs" chargeback | grep -q '^-rwx' || { echo "package.sh: the executable lost its run bit in the zip" >&2; exit 1; }
echo "== $out ($(du -h "$out" | cut -f1)): $(zipinfo -1 "$out" | grep -c .) files"

# The container build context. The app goes to /home/site/wwwroot: on App Service the Functions
# host reads its script root there whatever AzureWebJobsScriptRoot says (azure-functions-host,
# WebScriptHostConfigurationSource.cs: $HOME/site/wwwroot when WEBSITE_INSTANCE_ID is set). The app
# therefore runs with WEBSITES_ENABLE_APP_SERVICE_STORAGE=false, so that no share is mounted over
# /home, and keeps its spool on an Azure Files mount instead (infrastructure/function.tf).
context="$(dirname "$out_abs")/chargeback-image"
rm -rf "$context"
mkdir -p "$context"
cp -a "$app" "$context/app"
base_image=$(python3 -c 'import json; print(json.load(open("infrastructure/runtime-base.json"))["image"])')
cat >"$context/Dockerfile" <<DOCKERFILE
# The chargeback custom handler on the Azure Functions host's Debian 12 image (glibc 2.36; the
# evidence is in infrastructure/runtime-base.json). Written by scripts/package.sh; built by
# scripts/deploy.sh with az acr build.
FROM $base_image
ENV AzureWebJobsScriptRoot=/home/site/wwwroot \\
    AzureFunctionsJobHost__Logging__Console__IsEnabled=true \\
    FUNCTIONS_WORKER_RUNTIME=custom
COPY app/ /home/site/wwwroot/
# The run bit again: a build context that went through a CI artifact has lost its file modes.
RUN chmod 0755 /home/site/wwwroot/chargeback
DOCKERFILE
echo "== $context: Dockerfile FROM $base_image"
