"""A pytest plugin for the GPU check: each failure's report written as it happens.

``-p _report_failures`` (with ``benchmarks/`` on the path) appends every failed
test's name and traceback to ``$FAILURES_FILE`` the moment it fails (also
under pytest-xdist), so a run cut off by its time limit still tells what failed
and why.
"""

import os


def pytest_runtest_logreport(report):
    path = os.environ.get("FAILURES_FILE")
    # Under xdist the controller sees every worker's reports: write there only.
    if path and report.failed and "PYTEST_XDIST_WORKER" not in os.environ:
        with open(path, "a") as f:
            f.write(f"==== {report.nodeid} ({report.when})\n{report.longreprtext}\n\n")
