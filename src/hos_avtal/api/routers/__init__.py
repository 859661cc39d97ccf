"""One router per resource; each route validates, calls the core, and shapes the answer."""
