"""``hos-avtal serve``: the HTTP API (uvicorn)."""
