import pytest

from complaints.services import rating_link_for
from tests.complaints.helpers import desk_scheme_import


@pytest.fixture
def desk_scheme(db):
    return desk_scheme_import()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what waits for the commit (the ledger epoch bump) at the end of the block, as a
    real request would: the standings then see the change."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def link_a(staff_a):
    return rating_link_for(staff=staff_a)
