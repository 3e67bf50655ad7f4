"""The read-only JSON API: published content only, under /api/v1/."""
