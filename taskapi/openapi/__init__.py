"""The OpenAPI document: the facts each route states next to it, the shared shapes, the builder."""
