"""Every parser of untrusted input, fed whatever Hypothesis can think of: a result or a clear error, never a crash.

The child's messages, the protocol's replies, activity records, notebooks, rubric files and rosters all come
from outside the grader; each must end in a value or in the one error type its callers report in a line.
"""
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.errors import GraderError
from grader.notebook import UnreadableSource, load_units
from grader.observe.events import Activity
from grader.report.lms import read_roster
from grader.rubric import load_rubric
from grader.sandbox.record import asked_observations, parse_messages

pytestmark = pytest.mark.filterwarnings("ignore::nbformat.warnings.MissingIDFieldWarning")

QUICK = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# JSON-shaped data of any shape, with the keys the parsers look for among the random ones.
KEYS = st.sampled_from(["type", "unit", "index", "label", "status", "elapsed", "stdout", "stderr", "error",
                        "figures", "probe", "case", "strategy", "value", "gradients", "reports", "series",
                        "modules", "calls", "finals", "nonce", "kind", "values", "shape", "samples", "x"])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=False),
                    st.text(max_size=20), st.sampled_from(["unit", "observation", "activity", "done", "start",
                                                           "harness-error", "sandbox", "ok", "error", "missing"]))
DATA = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS | st.text(max_size=5),
                                                                                          inner, max_size=6),
                    max_leaves=25)


@QUICK
@given(st.lists(st.one_of(st.text(max_size=200), DATA.map(json.dumps)), max_size=12), st.booleans())
def test_the_childs_message_stream(lines, asked):
    parsed = parse_messages(lines, asked=asked)
    assert parsed.bad + len(parsed.units) + len(parsed.observations) + len(parsed.activities) <= len(lines) + 1


@QUICK
@given(st.lists(DATA, max_size=6))
def test_the_protocols_accepted_replies(replies):
    observations, malformed = asked_observations([r for r in replies if isinstance(r, dict)])
    assert len(observations) + malformed == len([r for r in replies if isinstance(r, dict)])


@QUICK
@given(DATA)
def test_activity_records(data):
    try:
        activity = Activity.from_json(data if not isinstance(data, dict) else {"unit": 0, **data})
    except (ValueError, KeyError, TypeError, AttributeError):
        return
    assert Activity.from_json(activity.to_json()) == activity


@QUICK
@given(st.one_of(st.binary(max_size=400),
                 DATA.map(lambda d: json.dumps(d).encode()),
                 st.builds(lambda cells, cut: json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                                                          "cells": cells}).encode()[:cut],
                           st.lists(st.fixed_dictionaries({"cell_type": st.sampled_from(["code", "markdown", "raw"]),
                                                           "source": st.text(max_size=40), "metadata": st.just({})}),
                                    max_size=3),
                           st.integers(0, 400))))
def test_notebook_files(tmp_path_factory, content):
    path = tmp_path_factory.mktemp("nb") / "hand_in.ipynb"
    path.write_bytes(content)
    try:
        units = load_units(path)
    except UnreadableSource as problem:
        assert str(problem)
        return
    assert all(isinstance(unit.source, str) for unit in units)


RUBRIC_LINES = st.sampled_from([
    "[lab]", 'id = "x"', 'title = "X"', 'version = "1"', 'reference = "x"', "[exercises]", 'Q1 = "One"',
    "[[checks]]", 'id = "Q1.a"', 'exercise = "Q1"', "points = 1", 'compare = "scalar"', 'probe = "p"',
    "[probes.p]", "cases = [{ x = 1.0 }]", "[[probes.p.strategy]]", 'needs = ["f"]', 'code = "f(x)"',
    "[limits]", "timeout = -1", "points = \"many\"", "[behaviour.Q1]", 'kind = "nothing"', "[data]", "x = [1, 2]"])


@QUICK
@given(st.one_of(st.lists(RUBRIC_LINES, max_size=25).map("\n".join), st.text(max_size=200)))
def test_rubric_files(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("rubric") / "x.toml"
    path.write_text(text, encoding="utf-8")
    try:
        load_rubric(path)
    except GraderError as error:
        assert str(error)


@QUICK
@given(st.one_of(st.text(max_size=300),
                 st.lists(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
                                   min_size=1, max_size=5), max_size=6)
                 .map(lambda rows: "submission,id,email,login,name\n" + "\n".join(",".join(r) for r in rows))))
def test_roster_csv_files(tmp_path_factory, text):
    path = Path(tmp_path_factory.mktemp("roster")) / "roster.csv"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        entries = read_roster(path)
    except GraderError as error:
        assert str(error)
        return
    assert all(entry.submission for entry in entries)
