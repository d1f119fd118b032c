"""Runtime logic of the Observatoire de la démocratie en santé (queries, indicators, charts, formatting)."""
