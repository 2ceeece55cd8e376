# Who may reach the Function App (its site_config in function.tf): the APIM gateway, plus the
# addresses listed in function_allowed_ip_ranges (report readers, operators, deploy.sh's health
# check); everything else gets 403 from App Service's front ends before any key is looked at.
# Access restrictions: articles/app-service/overview-access-restrictions.md (rules in priority
# order, then the unmatched rule; the main site and the SCM site each have their own list).
#
# Why APIM's public IPs and not only the `ApiManagement` service tag: that tag "represents the
# Azure API Management service endpoint for control plane per region" (articles/virtual-network/
# service-tags-overview.md; MicrosoftDocs/azure-docs#40683), not the gateways' outbound addresses,
# and it would also admit other customers' instances. A classic-tier instance (Developer, Basic,
# Standard, Premium) calls public backends from public IPs of its own, static for the service's
# lifetime with listed exceptions (articles/api-management/api-management-howto-ip-addresses.md),
# so those are allowed one by one. Consumption and v2 tiers have no dedicated address: there the
# regional tag is the only rule available (the same article's advice for Consumption), and the
# keys remain the boundary; put the app behind a VNet (private endpoint) for more.

variable "function_allowed_ip_ranges" {
  description = "CIDR ranges besides APIM that may call the Function App: report readers, operators, the machine running scripts/deploy.sh (its health check). Empty: only APIM."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for range in var.function_allowed_ip_ranges : can(cidrhost(range, 0))])
    error_message = "function_allowed_ip_ranges must be CIDR ranges such as 203.0.113.0/24 or 198.51.100.7/32."
  }
}

variable "function_scm_allowed_ip_ranges" {
  description = "CIDR ranges allowed to the SCM (Kudu) site, where a zip deployment goes (the container is pulled from the registry instead). Empty: the SCM site stays reachable from anywhere but needs an Entra ID identity with rights on the app (basic auth is off unless function_scm_basic_auth_enabled)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for range in var.function_scm_allowed_ip_ranges : can(cidrhost(range, 0))])
    error_message = "function_scm_allowed_ip_ranges must be CIDR ranges such as 203.0.113.0/24."
  }
}

locals {
  apim_has_dedicated_ips = !can(regex("^(Consumption|BasicV2|StandardV2|PremiumV2)_", var.apim_sku_name))

  # Allow rules of the main site; the unmatched rule denies (function.tf).
  function_ip_rules = concat(
    local.apim_has_dedicated_ips ? [
      for index, address in azurerm_api_management.main.public_ip_addresses :
      { name = "apim-${index}", priority = 100, ip_address = "${address}/32", service_tag = null }
      ] : [
      { name = "apim-service-tag", priority = 100, ip_address = null, service_tag = "ApiManagement" }
    ],
    [for index, range in var.function_allowed_ip_ranges : { name = "allowed-${index}", priority = 200, ip_address = range, service_tag = null }],
  )
}
