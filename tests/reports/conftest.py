"""Report pages reuse the dashboards' world: the property schemes on a frozen clock."""

from tests.dashboards.conftest import frozen, schemes

__all__ = ["frozen", "schemes"]
