"""labgrade: an autograder for deep-learning programming labs.

The public API is loaded lazily, so that the sandbox child, which imports
``grader.sandbox``, does not pay for pandas or rich.
"""
__version__ = "0.1.0"

_EXPORTS = {
    "grade_path": "grader.batch",
    "grade_batch": "grader.batch",
    "plan": "grader.batch",
    "Course": "grader.lab",
    "default_course": "grader.lab",
    "check": "grader.selfcheck.notebook",  # the in-notebook self-check: from grader import check
}


def __getattr__(name):
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'grader' has no attribute {name!r}")
