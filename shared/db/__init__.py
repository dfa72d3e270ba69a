"""MySQL access: the pool, migrations and the repositories."""
