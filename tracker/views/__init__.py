"""Public pages for readers, one module per area; `common` holds what every page shares."""
