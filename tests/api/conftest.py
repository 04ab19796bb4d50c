import pytest

from tests.conftest import _db_params


@pytest.fixture(params=_db_params())
def db_kind(request) -> str:  # noqa: ANN001
    """API tests run on SQLite, and on PostgreSQL too when CI provides one."""
    return request.param
