# The handler's container image (function_deployment = "container", the default): the Functions
# host on Debian 12 (glibc 2.36) with the package in /home/site/wwwroot. The handler links glibc
# symbols up to 2.34 and bundles a libstdc++ that needs 2.36; code-deployed custom handlers on Linux
# run on Debian 11 (glibc 2.31), where it cannot start (infrastructure/runtime-base.json, checked by
# scripts/lib/check_package.py). scripts/deploy.sh builds the image inside this registry (`az acr
# build` of dist/chargeback-image/, written by scripts/package.sh): no Docker engine is needed.
resource "azurerm_container_registry" "main" {
  #checkov:skip=CKV_AZURE_139:no VNet in this template: ACR Tasks and the Function App reach the registry over its public endpoint; admin user and anonymous pull are off, pulls use the app's managed identity
  #checkov:skip=CKV_AZURE_233:zone redundancy needs the Premium tier; the registry is read only when an instance starts, so a zone outage delays new instances, never running ones
  #checkov:skip=CKV_AZURE_237:dedicated data endpoints matter with firewall rules (Premium); this template has no network rules
  #checkov:skip=CKV_AZURE_164:the only image is built by ACR Tasks from the package the pipeline tested, in the same deployment, and pulled by that exact tag; Docker Content Trust is Premium-only and being retired by Microsoft
  #checkov:skip=CKV_AZURE_165:single-region deployment: the registry serves the Function App in the same region
  #checkov:skip=CKV_AZURE_166:quarantine is a Premium preview; nothing is pushed from outside: the image is built by ACR Tasks from the tested package
  #checkov:skip=CKV_AZURE_167:retention of untagged manifests is Premium-only; each deployment adds one tagged image of about 100 MB
  count                         = local.container ? 1 : 0
  name                          = local.names.registry
  location                      = azurerm_resource_group.main.location
  resource_group_name           = azurerm_resource_group.main.name
  sku                           = "Standard"
  admin_enabled                 = false
  anonymous_pull_enabled        = false
  public_network_access_enabled = true
  tags                          = local.tags
}

resource "azurerm_role_assignment" "function_acr_pull" {
  count                            = local.container ? 1 : 0
  scope                            = azurerm_container_registry.main[0].id
  role_definition_name             = "AcrPull"
  principal_id                     = azurerm_user_assigned_identity.function.principal_id
  principal_type                   = "ServicePrincipal"
  skip_service_principal_aad_check = true
}

locals {
  container = var.function_deployment == "container"
  # The Functions host image the package runs on (infrastructure/runtime-base.json); the Dockerfile
  # scripts/package.sh writes starts FROM it.
  runtime_base = jsondecode(file("${path.module}/runtime-base.json"))
}
