# API Management: the gateway teams call with their subscription key. It forwards to Azure OpenAI
# with its managed identity and posts each request/response pair to the chargeback function
# (policies in apim-policy.tf). One product, one subscription per team.
resource "azurerm_api_management" "main" {
  #checkov:skip=CKV_AZURE_107:no VNet in this template: the gateway is the public entry point for teams' OpenAI SDKs
  #checkov:skip=CKV_AZURE_174:public_network_access_enabled only governs the management plane and must be true at creation; the gateway is public by design
  name                = local.names.api_management
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  publisher_name      = var.apim_publisher_name
  publisher_email     = var.apim_publisher_email
  sku_name            = var.apim_sku_name

  identity {
    type = "SystemAssigned"
  }

  # TLS 1.2+ only, front and back, and no legacy ciphers (all of these default to false; stated
  # here so a change is deliberate).
  security {
    frontend_ssl30_enabled = false
    frontend_tls10_enabled = false
    frontend_tls11_enabled = false
    backend_ssl30_enabled  = false
    backend_tls10_enabled  = false
    backend_tls11_enabled  = false

    triple_des_ciphers_enabled                          = false
    tls_ecdhe_ecdsa_with_aes128_cbc_sha_ciphers_enabled = false
    tls_ecdhe_ecdsa_with_aes256_cbc_sha_ciphers_enabled = false
    tls_ecdhe_rsa_with_aes128_cbc_sha_ciphers_enabled   = false
    tls_ecdhe_rsa_with_aes256_cbc_sha_ciphers_enabled   = false
    tls_rsa_with_aes128_cbc_sha256_ciphers_enabled      = false
    tls_rsa_with_aes128_cbc_sha_ciphers_enabled         = false
    tls_rsa_with_aes256_cbc_sha256_ciphers_enabled      = false
    tls_rsa_with_aes256_cbc_sha_ciphers_enabled         = false
  }

  protocols {
    http2_enabled = true
  }

  tags = local.tags
}

locals {
  # Azure OpenAI's data-plane root, e.g. https://oai-chargeback-dev-ab12c.openai.azure.com/openai
  openai_backend_url = "${azurerm_cognitive_account.openai.endpoint}openai"
}

resource "azurerm_api_management_backend" "openai" {
  #checkov:skip=CKV_AZURE_215:the URL is the account's endpoint (always https://<subdomain>.openai.azure.com/) + openai; checkov cannot resolve the reference
  name                = "azure-openai"
  api_management_name = azurerm_api_management.main.name
  resource_group_name = azurerm_resource_group.main.name
  protocol            = "http"
  url                 = local.openai_backend_url
  description         = "Azure OpenAI (managed identity, no key)"
}

resource "azurerm_api_management_api" "openai" {
  name                  = "azure-openai"
  api_management_name   = azurerm_api_management.main.name
  resource_group_name   = azurerm_resource_group.main.name
  revision              = "1"
  display_name          = "Azure OpenAI"
  path                  = "openai"
  protocols             = ["https"]
  service_url           = local.openai_backend_url
  subscription_required = true

  # OpenAI SDKs send the key as `api-key`; APIM reads the subscription key from it. The inbound
  # policy removes it (header and query) before forwarding.
  subscription_key_parameter_names {
    header = "api-key"
    query  = "api-key"
  }
}

resource "azurerm_api_management_product" "chargeback" {
  product_id            = "azure-openai-chargeback"
  api_management_name   = azurerm_api_management.main.name
  resource_group_name   = azurerm_resource_group.main.name
  display_name          = "Azure OpenAI (chargeback)"
  description           = "Azure OpenAI through the gateway; usage is charged back to the subscription's cost center."
  subscription_required = true
  approval_required     = false
  published             = true
}

resource "azurerm_api_management_product_api" "chargeback" {
  product_id          = azurerm_api_management_product.chargeback.product_id
  api_name            = azurerm_api_management_api.openai.name
  api_management_name = azurerm_api_management.main.name
  resource_group_name = azurerm_resource_group.main.name
}

# One subscription per team; the key is the subscription identifier, so context.Subscription.Id in
# the policies equals the key of config/cost-centers.json `subscriptions`.
resource "azurerm_api_management_subscription" "team" {
  for_each = var.teams

  subscription_id     = each.key
  display_name        = each.value.display_name
  api_management_name = azurerm_api_management.main.name
  resource_group_name = azurerm_resource_group.main.name
  product_id          = azurerm_api_management_product.chargeback.id
  state               = "active"
  allow_tracing       = false
}
