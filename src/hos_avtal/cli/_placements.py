"""``hos-avtal placements``: placement cost splits between region and municipality."""
