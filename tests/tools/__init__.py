"""Developer tools kept with the tests (golden results of the lab scenarios)."""
