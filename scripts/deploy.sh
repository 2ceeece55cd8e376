#!/usr/bin/env bash
# Deploys the whole environment to Azure: `terraform apply` (infrastructure/) and the code, then a
# health check. The code, per function_deployment: the container image built in the registry from
# dist/chargeback-image/ (the default: `az acr build`, tagged with the commit, before the apply that
# points the app at it, so a running app never waits for a missing image), or a zip deploy of
# dist/chargeback-functionapp.zip.
# DRY RUN BY DEFAULT: prints what it would run and changes nothing. Pass --apply to deploy.
#
# Usage: scripts/deploy.sh [--environment dev|prod] [--apply] [--auto-approve] [--skip-package]
# Needs (for --apply): terraform >= 1.6, the Azure CLI logged in (`az login`; `az account set -s …`),
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
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "deploy.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done

var_file="environments/$environment.tfvars"
[ -f "infrastructure/$var_file" ] || { echo "deploy.sh: no infrastructure/$var_file (environments: dev, prod)" >&2; exit 2; }
package="dist/chargeback-functionapp.zip"
context="dist/chargeback-image"
image_tag=$(git rev-parse --short=12 HEAD 2>/dev/null || date -u +%Y%m%d%H%M%S)
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

# 2. The image first, when the registry exists already (every deployment after the first): the apply
#    below then points the app at an image that is there.
step terraform -chdir=infrastructure init -input=false
registry=""
if [ "$deployment" = container ]; then
  if $apply; then
    registry=$(terraform -chdir=infrastructure output -raw registry_name 2>/dev/null || true)
  else
    registry="<registry_name output>"
  fi
  if [ -n "$registry" ]; then
    step az acr build --registry "$registry" --image "chargeback:$image_tag" "$context"
  fi
fi

# 3. The environment.
approve=()
if $auto_approve; then approve=(-auto-approve); fi
step terraform -chdir=infrastructure apply -input=false -var-file="$var_file" -var "image_tag=$image_tag" "${approve[@]}"

# 4. The code.
if $apply; then
  resource_group=$(terraform -chdir=infrastructure output -raw resource_group_name)
  function_app=$(terraform -chdir=infrastructure output -raw function_app_name)
  function_url=$(terraform -chdir=infrastructure output -raw function_url)
else
  resource_group="<resource_group_name output>"
  function_app="<function_app_name output>"
  function_url="<function_url output>"
fi
if [ "$deployment" = container ]; then
  if [ -z "$registry" ]; then
    # The first deployment: the registry was just created; build, then let the app pull it.
    registry=$(terraform -chdir=infrastructure output -raw registry_name)
    step az acr build --registry "$registry" --image "chargeback:$image_tag" "$context"
    step az functionapp restart --resource-group "$resource_group" --name "$function_app"
  fi
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
