"""Opaque cursors handed to clients: one signer, one codec per kind (listing, sync)."""
