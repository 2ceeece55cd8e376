# The Swift custom handler on a Linux Elastic Premium plan.
#
# Why Elastic Premium (and not Consumption or Flex Consumption):
# - persistent shared storage for the durable spool, where events wait while Redis is unavailable:
#   an Azure Files share mounted at /mounts/spool (container) or the /home content share (zip);
#   Flex Consumption has neither and mounts the package read-only;
# - always-ready and pre-warmed instances, so APIM's fire-and-forget send-one-way-request posts
#   never meet a cold start (a lost post is lost usage);
# - longer executions: Premium's default function timeout is 30 minutes (host.json's
#   functionTimeout is the effective value) against Consumption's 10-minute cap.
resource "azurerm_service_plan" "function" {
  #checkov:skip=CKV_AZURE_225:zone balancing is variable-driven (function_zone_balancing_enabled, true in prod.tfvars); dev keeps a single instance for cost
  #checkov:skip=CKV_AZURE_212:the instance count is variable-driven (function_minimum_instances); dev runs one always-ready instance for cost, prod.tfvars sets more
  name                         = local.names.service_plan
  location                     = azurerm_resource_group.main.location
  resource_group_name          = azurerm_resource_group.main.name
  os_type                      = "Linux"
  sku_name                     = var.function_plan_sku
  maximum_elastic_worker_count = var.function_maximum_elastic_worker_count
  # Elastic Premium's minimum plan instances; a zone-balanced plan needs at least 3.
  worker_count           = var.function_zone_balancing_enabled ? max(3, var.function_minimum_instances) : var.function_minimum_instances
  zone_balancing_enabled = var.function_zone_balancing_enabled
  tags                   = local.tags
}

resource "azurerm_linux_function_app" "main" {
  #checkov:skip=CKV_AZURE_221:no VNet in this template: the public endpoint stays on for APIM, but access restrictions admit only the APIM gateway (and function_allowed_ip_ranges), and every route except /api/v1/health needs a key
  name                        = local.names.function_app
  location                    = azurerm_resource_group.main.location
  resource_group_name         = azurerm_resource_group.main.name
  service_plan_id             = azurerm_service_plan.function.id
  functions_extension_version = "~4"

  # AzureWebJobsStorage and the content share (see storage.tf for why the key is used).
  storage_account_name       = azurerm_storage_account.function.name
  storage_account_access_key = azurerm_storage_account.function.primary_access_key

  https_only                    = true
  public_network_access_enabled = true
  client_certificate_enabled    = false
  # AzureWebJobsDashboard is a Functions v1 feature.
  builtin_logging_enabled                        = false
  ftp_publish_basic_authentication_enabled       = false
  webdeploy_publish_basic_authentication_enabled = var.function_scm_basic_auth_enabled

  # The alert channels' webhook URLs and secret (config/budgets.json names the variables), e.g.
  # ALERT_TEAMS_URL = "@Microsoft.KeyVault(SecretUri=...)": secrets, so from a variable, never in Git.
  app_settings = merge(local.handler_app_settings, local.deployment_app_settings, var.alert_app_settings)

  # The container's durable spool (its /home is not persistent: app-settings.tf).
  dynamic "storage_account" {
    for_each = local.container ? [1] : []
    content {
      name         = "spool"
      type         = "AzureFiles"
      account_name = azurerm_storage_account.function.name
      share_name   = azurerm_storage_share.spool[0].name
      access_key   = azurerm_storage_account.function.primary_access_key
      mount_path   = "/mounts/spool"
    }
  }

  # The user-assigned identity (identity.tf) with its roles granted before the app is created.
  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.function.id]
  }
  key_vault_reference_identity_id = azurerm_user_assigned_identity.function.id

  site_config {
    # container (default): the image built from the package on the Functions host's Debian 12 image
    # (registry.tf explains why); zip: the package on the code-based custom-handler stack.
    dynamic "application_stack" {
      for_each = local.container ? [1] : []
      content {
        docker {
          registry_url = "https://${azurerm_container_registry.main[0].login_server}"
          image_name   = "chargeback"
          image_tag    = var.image_tag
        }
      }
    }
    dynamic "application_stack" {
      for_each = local.container ? [] : [1]
      content {
        use_custom_runtime = true
      }
    }
    container_registry_use_managed_identity       = local.container
    container_registry_managed_identity_client_id = local.container ? azurerm_user_assigned_identity.function.client_id : null

    application_insights_connection_string = azurerm_application_insights.main.connection_string

    ftps_state              = "Disabled"
    minimum_tls_version     = "1.2"
    scm_minimum_tls_version = "1.2"
    http2_enabled           = true

    # Anonymous route served by the handler; an instance failing it 5 minutes is replaced.
    health_check_path                 = "/api/v1/health"
    health_check_eviction_time_in_min = 5

    # Only APIM and function_allowed_ip_ranges (function-network.tf); the rest is refused (403).
    ip_restriction_default_action = "Deny"
    dynamic "ip_restriction" {
      for_each = local.function_ip_rules
      content {
        name        = ip_restriction.value.name
        priority    = ip_restriction.value.priority
        action      = "Allow"
        ip_address  = ip_restriction.value.ip_address
        service_tag = ip_restriction.value.service_tag
      }
    }

    # The SCM site has its own list: APIM never calls it; a zip deployment does (with Entra ID).
    scm_use_main_ip_restriction       = false
    scm_ip_restriction_default_action = length(var.function_scm_allowed_ip_ranges) > 0 ? "Deny" : "Allow"
    dynamic "scm_ip_restriction" {
      for_each = var.function_scm_allowed_ip_ranges
      content {
        name       = "deploy-${scm_ip_restriction.key}"
        priority   = 100
        action     = "Allow"
        ip_address = scm_ip_restriction.value
      }
    }

    # always_on is not set: it must stay off on Elastic Premium (the always-ready instances
    # below play that role).
    elastic_instance_minimum  = var.function_minimum_instances
    pre_warmed_instance_count = var.function_prewarmed_instances
    app_scale_limit           = var.function_maximum_elastic_worker_count
  }

  tags = local.tags

  # The running image is deploy.sh's (`az functionapp config container set`, after it built that
  # tag): an apply that is not a deployment (a key rotation, a plan in a pull request) must not
  # point the app back at var.image_tag, an image that may not exist.
  lifecycle {
    ignore_changes = [site_config[0].application_stack[0].docker[0].image_tag]
  }

  depends_on = [time_sleep.function_identity_rbac]
}
