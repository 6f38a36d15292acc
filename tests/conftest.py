"""Shared pytest configuration.

When ``COURSE_REQUIRE_ALL`` is set (CI sets it), a skipped test is reported as a
failure: every real component (PyTorch, MNIST, Chromium, bubblewrap) must be present.
"""

import os

import numpy as np
import pytest

REQUIRE_ALL = bool(os.environ.get("COURSE_REQUIRE_ALL"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_ALL and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else ""
        report.outcome = "failed"
        report.longrepr = f"skipped under COURSE_REQUIRE_ALL=1: {reason}"


@pytest.fixture
def agg_backend():
    """Draw on matplotlib's non-interactive Agg backend, as headless execution does.

    The explorers' test modules use it with
    ``pytestmark = pytest.mark.usefixtures("agg_backend")``. It is set before each
    test, not once, because the backend is global to the process.
    """
    import matplotlib

    matplotlib.use("Agg")


@pytest.fixture
def rng():
    """A seeded generator so that every test is reproducible."""
    return np.random.default_rng(0)


@pytest.fixture(scope="session")
def mnist():
    """The MNIST files named by ``COURSE_DATA_DIR``, loaded once per session."""
    data_dir = os.environ.get("COURSE_DATA_DIR")
    if not data_dir:
        pytest.skip("COURSE_DATA_DIR is not set: no MNIST files to test on")
    from course.data import load_mnist

    return load_mnist(data_dir, download=False)
