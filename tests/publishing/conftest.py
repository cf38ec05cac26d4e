"""The publishing tests use the web tests' database (Django migrates the tables the rows are in)."""

from tests.web.conftest import database  # noqa: F401  (a fixture)
