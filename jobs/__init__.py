"""The Shop-floor Jobs service.

Layers, each a folder: `http` (the edge), `views` (one module per resource),
`services` (rules and transactions), `store` (database, models, statements),
`openapi` (the API document). Top-level modules hold what every layer shares:
domain errors, vocabularies, the clock.
"""
