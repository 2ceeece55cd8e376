# Resource group, the random name suffix and the identity running Terraform.
data "azurerm_client_config" "current" {}

# Short suffix that makes the globally unique names (storage, Key Vault, Redis, function app,
# Azure OpenAI, API Management) unique; stored in state, so names stay stable across applies.
resource "random_string" "suffix" {
  length  = 5
  lower   = true
  upper   = false
  numeric = true
  special = false
}

resource "azurerm_resource_group" "main" {
  name     = local.names.resource_group
  location = var.location
  tags     = local.tags
}
