"""Shared fixtures: keep mpmath's global precision from leaking between tests."""
import mpmath
import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: long-running tests (run in CI too)")


@pytest.fixture(autouse=True)
def reset_mp_dps():
    """Reset ``mpmath.mp.dps`` to 15 after each test (mpmath's own ``reset_mp_globals``)."""
    yield
    mpmath.mp.dps = 15
