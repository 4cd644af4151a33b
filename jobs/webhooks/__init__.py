"""Webhook delivery (docs/api.md, Webhooks; docs/operations.md, Webhooks): the receivers'
addresses, the signed POST, and the long-running deliverer. No Flask here but the command."""
