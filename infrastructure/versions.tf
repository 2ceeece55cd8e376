# Terraform and provider versions for the chargeback deployment.
#
# azurerm is pinned to the 4.81.x line (4.81.0, 2026-07-14: the last 4.x minor before 5.0). Every
# attribute used here is in its resource docs and none is deprecated there, so the configuration
# also carries over to 5.x. The newest names it relies on: `rbac_authorization_enabled` on the Key
# Vault (4.42+; `enable_rbac_authorization` is deprecated) and `enabled_metric` in diagnostic
# settings (replaces the deprecated `metric` block).
#
# azapi creates the Function App's keys (function-keys.tf), which azurerm cannot: 2.11 is the first
# version whose azapi_resource_action takes a write-only `sensitive_body` (CHANGELOG v2.11.0,
# GH-1150), and write-only arguments need Terraform 1.11.
terraform {
  required_version = ">= 1.11"

  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.81.0"
    }
    azapi = {
      source  = "Azure/azapi"
      version = "~> 2.11"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.7"
    }
    time = {
      source  = "hashicorp/time"
      version = "~> 0.13"
    }
  }
}

provider "azurerm" {
  # null falls back to ARM_SUBSCRIPTION_ID or the az CLI's default subscription.
  subscription_id = var.subscription_id

  # storage_use_azuread stays false: an Elastic Premium app's Azure Files content share, and the
  # container's spool share, are mounted with the account key (WEBSITE_CONTENTAZUREFILECONNECTIONSTRING,
  # the storage_account mount); Azure Files mounts have no managed-identity option, so the account
  # keeps Shared Key enabled.
  features {
    key_vault {
      # Purge protection is on: purging on destroy would fail, so leave objects soft-deleted.
      purge_soft_delete_on_destroy          = false
      purge_soft_deleted_secrets_on_destroy = false
    }
  }
}
