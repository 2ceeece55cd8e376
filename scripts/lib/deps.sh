# shellcheck shell=bash disable=SC2034 # sets variables for the scripts that source it
# Installs the Debian packages the build, the tests and the demo need, when missing.
# Usage: source scripts/lib/deps.sh; ensure_packages pkg...
ensure_packages() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing: ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >&2
}

# Packages every command of this repository needs.
BASE_PACKAGES=(libhiredis-dev libcurl4-openssl-dev libssl-dev redis-server redis-tools openssl python3 curl tzdata)

# Installs Python modules the checks need, when missing. Usage: ensure_python_modules module=package...
ensure_python_modules() {
  for pair in "$@"; do
    local module=${pair%%=*} package=${pair#*=}
    python3 -c "import $module" 2>/dev/null || python3 -m pip install -q "$package" >&2
  done
}
