"""Live scoring: matches, their event log, the API, the `match:<id>` topic and the admin.

`services` writes (create, append an event, undo, correct, abandon, rebuild), `selectors` reads,
`api` is the thin REST layer, `topics` the realtime topic, `signals` the domain signals.
"""
