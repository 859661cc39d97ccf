"""``hos-avtal home-care``: hemtjänst and hemsjukvård invoiced between municipalities."""
