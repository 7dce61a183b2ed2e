"""Webhooks: the event names, where a webhook may go, the payload, signing, and the delivery worker."""
