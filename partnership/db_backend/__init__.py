"""PostgreSQL with two roles: Django's backend, logging in as the owner role inside
`partnership.db_roles.as_owner()` (migrate, flush, the test database) and as the
application role everywhere else. ENGINE = "partnership.db_backend"."""
