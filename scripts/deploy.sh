#!/usr/bin/env bash
# Deploys the whole environment to Azure: `terraform apply` (infrastructure/) and the code, then a
# health check. The code, per function_deployment: the container image built in the registry from
# dist/chargeback-image/ (the default: `az acr build`, tagged with the commit, before the apply, or
# after it on the first deployment; then `az functionapp config container set` points the app at
# it), or a zip deploy of dist/chargeback-functionapp.zip.
# DRY RUN BY DEFAULT: prints what it would run and changes nothing. Pass --apply to deploy.
#
# Usage: scripts/deploy.sh [--environment dev|prod] [--apply] [--auto-approve] [--skip-package]
# Needs (for --apply): terraform >= 1.11, the Azure CLI logged in (`az login`; `az account set -s …`),
# and rights to create the resources and role assignments (Owner or Contributor + User Access
# Administrator on the target subscription). Terraform state: configure a backend first (see README).
set -euo pipefail
cd "$(dirname "$0")/.."

environment="dev"
apply=false
auto_approve=false
skip_package=false
while [ $# -gt 0 ]; do
  case "$1" in
    --environment|-e) environment="${2:-}"; shift 2 ;;
    --apply) apply=true; shift ;;
    --auto-approve) auto_approve=true; shift ;;
    --skip-package) skip_package=true; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "deploy.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done

var_file="environments/$environment.tfvars"
[ -f "infrastructure/$var_file" ] || { echo "deploy.sh: no infrastructure/$var_file (environments: dev, prod)" >&2; exit 2; }
package="dist/chargeback-functionapp.zip"
context="dist/chargeback-image"
# The image tag: the commit, and the time when the tree has uncommitted changes (a tag names one build).
image_tag=$(git rev-parse --short=12 HEAD 2>/dev/null || echo build)
if [ -n "$(git status --porcelain 2>/dev/null)" ]; then image_tag="$image_tag-dirty-$(date -u +%Y%m%d%H%M%S)"; fi
# The deployment kind the environment asks for (variables.tf default: container).
deployment=$(sed -n 's/^function_deployment *= *"\(.*\)"/\1/p' "infrastructure/$var_file")
deployment=${deployment:-container}

# Prints a command; runs it only with --apply.
step() {
  printf '+ %s\n' "$*"
  if $apply; then "$@"; fi
}

if $apply; then
  for tool in terraform az curl python3; do
    command -v "$tool" >/dev/null || { echo "deploy.sh: '$tool' is needed for --apply" >&2; exit 1; }
  done
  az account show --query '{subscription:name, id:id}' --output tsv >/dev/null \
    || { echo "deploy.sh: the Azure CLI is not logged in (az login)" >&2; exit 1; }
else
  echo "deploy.sh: dry run for '$environment' (nothing is changed; pass --apply to deploy)"
fi

# 1. The package, built before anything changes in Azure so that a build failure stops early.
if ! $skip_package; then
  step scripts/package.sh --out "$package"
fi

# 2. The image first, when the registry exists already (every deployment after the first), so the
#    app is never pointed at an image that is not there yet. Whether it exists is read from the
#    state; an error reading it stops the deployment (it must not be taken for a first one).
step terraform -chdir=infrastructure init -input=false
first=true
if [ "$deployment" = container ] && $apply; then
  if state=$(terraform -chdir=infrastructure state list 2>&1); then
    grep -qx 'azurerm_container_registry.main\[0\]' <<<"$state" && first=false
  elif ! grep -q "No state file was found" <<<"$state"; then
    echo "deploy.sh: cannot read the Terraform state: $state" >&2
    exit 1
  fi
elif [ "$deployment" = container ]; then
  first=false  # the dry run shows a later deployment's order
fi
build_image() {
  local registry
  if $apply; then registry=$(terraform -chdir=infrastructure output -raw registry_name); else registry="<registry_name output>"; fi
  step az acr build --registry "$registry" --image "chargeback:$image_tag" "$context"
}
if [ "$deployment" = container ] && ! $first; then
  build_image
fi

# 3. The environment. image_tag only matters when the app is created; the running image is set below.
approve=()
if $auto_approve; then approve=(-auto-approve); fi
step terraform -chdir=infrastructure apply -input=false -var-file="$var_file" -var "image_tag=$image_tag" "${approve[@]}"

# 4. The code.
if $apply; then
  resource_group=$(terraform -chdir=infrastructure output -raw resource_group_name)
  function_app=$(terraform -chdir=infrastructure output -raw function_app_name)
  function_url=$(terraform -chdir=infrastructure output -raw function_url)
  login_server=$(terraform -chdir=infrastructure output -raw registry_login_server 2>/dev/null || true)
else
  resource_group="<resource_group_name output>"
  function_app="<function_app_name output>"
  function_url="<function_url output>"
  login_server="<registry_login_server output>"
fi
if [ "$deployment" = container ]; then
  # The first deployment: the registry has just been created; build now.
  if $first; then build_image; fi
  # Point the app at this build (and restart it), even when the tag is unchanged: a redeploy of the
  # same commit must run the image just built.
  step az functionapp config container set --resource-group "$resource_group" --name "$function_app" \
    --image "$login_server/chargeback:$image_tag"
  step az functionapp restart --resource-group "$resource_group" --name "$function_app"
else
  # Zip deploy (run from package; the zip keeps the executable's run bit) with `az functionapp
  # deploy` (the OneDeploy API, with the signed-in identity), not the older `deployment source
  # config-zip`, which needs SCM basic-auth publishing credentials.
  step az functionapp deploy --resource-group "$resource_group" --name "$function_app" --src-path "$package" --type zip
fi

# 5. Health: the handler answers and reaches Redis (retried while the new code starts; an image pull
#    takes longer than a zip mount).
step curl --fail --silent --show-error --retry 30 --retry-delay 10 --retry-all-errors "$function_url/v1/health"
echo

# 6. Every APIM subscription Terraform created must have a cost center in the packaged config.
if $apply; then
  terraform -chdir=infrastructure output -json subscription_cost_centers | python3 -c '
import json, sys
wanted = json.load(sys.stdin)
mapped = json.load(open("config/cost-centers.json"))["subscriptions"]
wrong = {s: c for s, c in wanted.items() if mapped.get(s) != c}
for s, c in sorted(wrong.items()):
    print(f"deploy.sh: warning: subscription {s} is {c} in Terraform but {mapped.get(s, \"unassigned\")} in config/cost-centers.json", file=sys.stderr)
print("deploy.sh: cost centers agree with Terraform" if not wrong else "deploy.sh: fix config/cost-centers.json and deploy again")'
else
  echo "+ (compare terraform output subscription_cost_centers with config/cost-centers.json)"
fi
