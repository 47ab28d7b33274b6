"""Parameterised, cached queries. Every function takes the warehouse version first, so a
publish (new file) is a new cache key and users see new data on their next interaction."""
