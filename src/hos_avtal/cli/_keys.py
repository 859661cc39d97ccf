"""``hos-avtal keys``: API keys for the HTTP API."""
