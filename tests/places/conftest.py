from tests.volunteering.conftest import other_site, site, supervisor  # noqa: F401 - fixtures
