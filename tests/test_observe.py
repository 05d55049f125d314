"""Observing free-form work: the instruments in a real child, the wire format, and the source's facts.

The instruments run in a child process started by the same launchers `grade` uses, so what is tested is what
grading sees; the syntax-tree facts and the input rewriting are pure functions, tested directly.
"""
from __future__ import annotations

import ast
import json
from pathlib import Path
from textwrap import dedent

import pytest

from conftest import ROOT
from grader.judge.behaviour.descent import replay
from grader.notebook import load_units
from grader.observe import instruments
from grader.observe.events import Activity
from grader.observe.perturb import factors_for, input_literals, moved, rewrite
from grader.observe.sites import instrumented, report_sites
from grader.observe.source import analyse
from grader.sandbox.job import Job, ProbeSpec, StrategySpec
from grader.sandbox.limits import Limits
from grader.sandbox.warm import WarmLauncher

LIMITS = Limits(wall_seconds=60, cpu_seconds=120, memory_bytes=3 * 1024**3)


@pytest.fixture(scope="module")
def launcher():
    warm = WarmLauncher()
    yield warm
    warm.close()


def run(launcher, tmp_path: Path, source: str, name: str = "q1.py", evaluations: dict | None = None):
    """Run one script in a sandboxed child; returns (its record, its unit activity)."""
    path = tmp_path / name
    path.write_text(dedent(source))
    job = Job(part=name, units=load_units(path), probes=(), evaluations=evaluations or {})
    record = launcher.run(job, files=[path], limits=LIMITS, keep_dir=None)
    assert record.finished, record.process_stderr
    units = [a for a in record.activities if a.unit is not None]
    assert len(units) == len(record.units)
    return record, units[0]


class TestInstruments:
    """What the child records while student code runs, and that the code's own results do not change."""

    def test_a_gradient_computation_is_recorded_with_the_names_of_its_leaves(self, launcher, tmp_path):
        record, activity = run(launcher, tmp_path, """
            import torch
            a = torch.tensor(1.0, requires_grad=True)
            b = torch.tensor(2.0, requires_grad=True)
            z = 2 * (2 * a + 3 * b) + 3 * (5 * a * a + 3 * b ** 3)
            z.backward()
            print("dz/da:", a.grad.item(), "dz/db:", b.grad)
        """)
        (call,) = activity.gradients
        assert call.root.scalar() == 103.0 and call.line == 6
        leaves = {leaf.names[0]: leaf for leaf in call.leaves}
        assert leaves["a"].grad.scalar() == 34.0 and leaves["b"].grad.scalar() == 114.0
        assert "MulBackward0" in call.graph.ops
        assert record.units[0].stdout == "dz/da: 34.0 dz/db: tensor(114.)\n"  # printed as without instruments

    def test_printed_values_come_back_by_site_with_every_occurrence_numbered(self, launcher, tmp_path):
        _, activity = run(launcher, tmp_path, """
            import torch
            for k in range(3):
                print(f"k = {k}, square = {k * k}")
        """)
        by_site = {r.site: [(n, v.values) for n, v in r.samples] for r in activity.reports}
        assert by_site == {0: [(1, (0.0,)), (2, (1.0,)), (3, (2.0,))], 1: [(1, (0.0,)), (2, (1.0,)), (3, (4.0,))]}

    def test_starred_arguments_are_reported_and_still_unpacked(self, launcher, tmp_path):
        record, activity = run(launcher, tmp_path, """
            values = [1.5, 2.5]
            print("w = {:.2f}, b = {:.2f}".format(*values))
            print(*values, sep=" | ")
        """)
        assert record.units[0].status == "ok"
        assert record.units[0].stdout == "w = 1.50, b = 2.50\n1.5 | 2.5\n"
        assert any(v.values == (1.5, 2.5) for r in activity.reports for _, v in r.samples)

    def test_calls_of_the_students_own_methods_are_counted(self, launcher, tmp_path):
        _, activity = run(launcher, tmp_path, """
            class Model:
                def forward(self, x):
                    return 2 * x
                def unused(self):
                    pass
            m = Model()
            for i in range(5):
                m.forward(i)
        """)
        assert activity.calls == {"Model.forward": 5}

    def test_modules_loaders_and_optimizer_steps_are_recorded(self, launcher, tmp_path):
        _, activity = run(launcher, tmp_path, """
            import torch
            from torch import nn
            from torch.utils.data import Dataset, DataLoader
            class Pairs(Dataset):
                def __init__(self, x, y): self.x, self.y = x, y
                def __len__(self): return len(self.x)
                def __getitem__(self, i): return self.x[i], self.y[i]
            class Line(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.linear = nn.Linear(1, 1)
                def forward(self, x):
                    return self.linear(x)
            x = torch.tensor([[1.0], [2.0], [3.0], [4.0]]); y = 2 * x + 1
            model = Line(); optimizer = torch.optim.SGD(model.parameters(), lr=0.05); loss_fn = nn.MSELoss()
            loader = DataLoader(Pairs(x, y), batch_size=2)
            for epoch in range(3):
                for xb, yb in loader:
                    optimizer.zero_grad(); loss_fn(model(xb), yb).backward(); optimizer.step()
        """, evaluations={"points": [1.0, 2.0]})
        modules = {m.cls: m for m in activity.modules}
        assert modules["Line"].own and modules["Line"].outer_calls == 6 and modules["Linear"].features == (1, 1)
        assert len(modules["MSELoss"].values) == 6 and modules["MSELoss"].inputs == ((2, 1), (2, 1))
        (loader,) = activity.loaders
        assert (loader.dataset_cls, loader.dataset_own, loader.batch_size, loader.batches, loader.iterations) \
            == ("Pairs", True, 2, 6, 3)
        (optimizer,) = activity.optimizers
        assert optimizer.cls == "SGD" and optimizer.steps == 6 and optimizer.hyper["lr"] == 0.05
        evaluated = {e.data: e.output for e in activity.evaluations if e.module == modules["Line"].ident}
        assert evaluated["points"].shape == (2, 1)

    def test_a_long_loop_costs_no_more_to_report_than_a_short_one(self, launcher, tmp_path):
        loop = """
            import torch
            x = torch.tensor([1.0, 2.0, 3.0]); y = torch.tensor([2.0, 4.0, 6.0])
            w = torch.tensor(0.0, requires_grad=True)
            for epoch in range({epochs}):
                loss = ((w * x - y) ** 2).mean()
                loss.backward()
                with torch.no_grad():
                    w -= 0.01 * w.grad
                w.grad.zero_()
                print("loss", loss.item())
        """
        sizes = {}
        for epochs in (3_000, 10_000):  # both past the kept series: the report stops growing
            _, activity = run(launcher, tmp_path, loop.format(epochs=epochs))
            (series,) = activity.series
            assert series.count == epochs and len(activity.gradients) == instruments.DETAILED_PER_SITE
            assert len(series.first) + len(series.last) <= instruments.SERIES_FIRST + instruments.SERIES_LAST
            sizes[epochs] = len(json.dumps(activity.to_json()))
        assert sizes[10_000] < 1.05 * sizes[3_000]

    def test_a_training_line_called_again_on_new_tensors_starts_a_new_run(self, launcher, tmp_path):
        _, activity = run(launcher, tmp_path, """
            import torch
            def train(x, y):
                w = torch.ones(1, requires_grad=True)
                for _ in range(20):
                    loss = ((w * x - y) ** 2).mean(); loss.backward()
                    with torch.no_grad():
                        w -= 0.01 * w.grad
                    w.grad.zero_()
                return w
            train(torch.tensor([1.0, 2.0]), torch.tensor([2.0, 4.0]))
            train(torch.tensor([1.0, 2.0]), torch.tensor([3.0, 6.0]))
        """)
        assert [s.count for s in activity.series] == [20, 20]


    @pytest.mark.parametrize("record", [True, False])
    def test_a_contract_functions_first_case_is_recorded_when_asked(self, launcher, tmp_path, record):
        path = tmp_path / "lab.py"
        path.write_text(dedent("""
            import torch
            def train(start):
                w = torch.tensor(start, requires_grad=True)
                for step in range(5):
                    loss = (w * 3.0 - 6.0) ** 2
                    loss.backward()
                    with torch.no_grad():
                        w -= 0.01 * w.grad
                    w.grad.zero_()
                return w.item()
        """))
        probe = ProbeSpec(name="p1_train", strategies=(StrategySpec(needs=("train",), code="train(start)"),),
                          cases=({"start": 1.0}, {"start": 4.0}), record=record)
        job = Job(part="lab.py", units=load_units(path), probes=(probe,))
        record_ = launcher.run(job, files=[path], limits=LIMITS, keep_dir=None)
        runs = [a for a in record_.activities if a.probe]
        assert [o.status for o in record_.observations] == ["ok", "ok"]  # both cases still answered
        if not record:
            assert runs == []
            return
        (run,) = runs
        assert run.probe == "p1_train" and run.series[0].count == 5  # the first case's five steps only
        assert run.gradients[0].leaves[0].names == ("w",) and run.gradients[0].root.scalar() == 9.0


    def test_a_helper_that_differentiates_anything_makes_one_run_per_function(self, launcher, tmp_path):
        _, activity = run(launcher, tmp_path, """
            import torch
            def grad_of(f, *values, wrt=0):
                inputs = [torch.tensor(v, requires_grad=True) for v in values]
                (g,) = torch.autograd.grad(f(*inputs), inputs[wrt])
                return g.item()
            def show(label, value):
                print(label, value)
            for x in (1.0, 2.0):
                show("autograd", grad_of(lambda t: torch.sigmoid(t), x))
            show("autograd", grad_of(lambda a, b: 2 * (2 * a + 3 * b) + 3 * (5 * a * a + 3 * b ** 3), 1.0, 2.0))
            show("manual", 4 + 30 * 1.0)
        """)
        runs = {call.segment for call in activity.gradients}
        assert len(runs) == 2  # the sigmoid at two points is one run; Q1's z is another
        q1 = activity.gradients[-1]
        assert sorted(leaf.value.scalar() for leaf in q1.leaves) == [1.0, 2.0]  # the graph's other leaf too
        (shown,) = [r for r in activity.reports if r.count == 4 and r.samples]
        assert [line for _, _, line in shown.callers] == [10, 10, 11, 12]  # each call of show(), by line

    def test_a_site_past_its_first_values_keeps_its_last_ones_and_their_callers(self, launcher, tmp_path):
        _, activity = run(launcher, tmp_path, """
            def show(value):
                print("value", value)
            for step in range(40):
                show(step)
            show(100.0)
            for step in range(40):
                print("step %d" % step, step * 2)
        """)
        (inside,) = [r for r in activity.reports if r.count == 41 and r.samples]
        (top,) = [r for r in activity.reports if r.count == 40 and r.samples and r.samples[-1][1].scalar() == 78.0]
        assert inside.samples[-1][1].scalar() == 100.0 and inside.callers[-1][2] == 6  # the last call, by line
        assert [line for _, _, line in inside.callers[-3:]] == [5, 5, 6]
        assert not top.callers and len(top.samples) > 24  # a top-level line has no caller; its last values kept

    def test_a_functions_first_frames_give_its_locals_and_sympy_numbers_are_read(self, launcher, tmp_path):
        _, activity = run(launcher, tmp_path, """
            import math, sympy
            def forward(x, y, z):
                a = 2 * x
                b = math.sin(y)
                return a / b
            forward(1.0, 2.0, 3.0)
            X = sympy.symbols("x")
            print("analytic:", sympy.diff(X ** 2, X).subs(X, 3))
        """)
        assert {named.name: named.value.scalar() for named in activity.locals}["forward.a"] == 2.0
        assert activity.reports[0].samples[0][1].scalar() == 6.0


class TestWireFormat:
    """The reader refuses what the child could not have written."""

    GOOD = {"type": "activity", "unit": 0, "gradients": [], "reports": [
        {"unit": 0, "site": 0, "count": 1, "samples": [[1, {"shape": [], "values": [2.0], "grad": False}]]}]}

    def test_round_trip(self):
        activity = Activity.from_json(self.GOOD)
        assert Activity.from_json(activity.to_json()) == activity
        with_callers = json.loads(json.dumps(self.GOOD))
        with_callers["reports"][0]["callers"] = [[1, 0, 7]]
        with_callers["locals"] = [{"name": "manual.a", "value": {"shape": [], "values": [2.0], "grad": False}}]
        assert Activity.from_json(Activity.from_json(with_callers).to_json()) == Activity.from_json(with_callers)
        probe_run = Activity.from_json({**self.GOOD, "probe": "p1_train"})
        assert Activity.from_json(probe_run.to_json()).probe == "p1_train"
        spec = ProbeSpec(name="p", strategies=(), cases=(), record=True)
        job = Job(part="x.py", units=(), probes=(spec,))
        assert Job.from_json(json.loads(json.dumps(job.to_json()))).probes[0].record is True

    @pytest.mark.parametrize("change", [
        lambda d: d["reports"][0].update(count="1"),  # a string where a count belongs
        lambda d: d["reports"][0].update(count=True),
        lambda d: d["reports"][0]["samples"][0][1].update(values=["lots"]),
        lambda d: d["reports"][0]["samples"][0][1].update(values=[0.0] * 5000),  # over the bound
        lambda d: d.update(gradients=[{"seq": 1}]),  # fields missing
        lambda d: d["reports"][0].update(callers=[[1, 0, -3]]),  # a line that cannot be
        lambda d: d.update(locals=[{"name": 3, "value": {"shape": [], "values": [1.0], "grad": False}}]),
    ])
    def test_malformed_activities_are_refused(self, change):
        data = json.loads(json.dumps(self.GOOD))
        change(data)
        with pytest.raises((ValueError, KeyError, TypeError)):
            Activity.from_json(data)


def provenance(source: str, index: int = -1):
    return analyse([dedent(source)], cells=False).units[0].reports[index].provenance


class TestProvenance:
    """How a shown value was made, read from the syntax tree in the grader's process."""

    @pytest.mark.parametrize("source, autograd, computed, constant", [
        ("x = torch.tensor(2.0)\nprint(x.grad)", True, False, False),
        ("x = torch.tensor(2.0)\ng = x.grad\nprint(g.item())", True, False, False),
        ("x = torch.tensor(2.0)\nprint(32 * x ** 3 + 6)", False, True, False),
        ("print(32 * 2 ** 3 + 6)", False, True, True),  # typed-in arithmetic
        ("answer = 326\nprint(answer)", False, False, True),
        ("x = torch.tensor(2.0)\nprint(x.item())", False, False, True),  # a copy of an input
        ("def d(v):\n    v.backward()\n    return v.grad\nprint(d(y))", True, True, False),  # autograd inside
        ("def d(v):\n    return 2 * v\nprint(d(y))", False, True, False),
        ("w = torch.ones(1)\nw -= 0.1 * w.grad\nprint(2 * w)", False, True, False),  # a step, then a formula
        ("v = w * x + b\nm = x if v > 0 else 0\nprint(m)", False, True, False),
    ])
    def test_table(self, source, autograd, computed, constant):
        found = provenance("import torch\n" + source)
        assert (found.autograd, found.computed, found.constant) == (autograd, computed, constant)

    def test_loops_over_zip_keep_each_column_apart(self):
        found = analyse([dedent("""
            import numpy as np
            manual = np.cos(xs)
            for a, g, m in zip(xs, x.grad.numpy(), manual):
                print(a, g, m)
        """)], cells=False).units[0].reports
        assert [r.provenance.autograd for r in found] == [False, True, False]

    def test_grads_of_names_the_tensor(self):
        assert provenance("print(f'{w.grad} and {model.b.grad}')", 1).grads_of == {"model.b"}

    def test_sites_agree_between_the_child_and_the_grader(self):
        source = "print(f'a {x} b {y:.2f}', z, 'text')\nprint('{} {}'.format(p, q))\nx.grad"
        tree = ast.parse(source)
        _, child_sites, _ = instrumented(ast.parse(source), source, cell=True)
        grader_sites = report_sites(tree, source, cell=True)
        assert [ast.unparse(s.node) for s in child_sites] == [ast.unparse(s.node) for s in grader_sites] \
            == ["x", "y", "z", "p", "q", "x.grad"]

    def test_a_printing_helper_is_read_per_call(self):
        (fact,) = analyse([dedent("""
            import torch
            def show(label, value):
                print(label, value)
            show("autograd", x.grad.item())
            show("manual", 32 * x ** 3 + 6)
            show("typed", 326)
        """)], cells=False).units[0].reports[1:]
        how = {line: (p.autograd, p.computed, p.constant) for _, line, p in fact.callers}
        assert how == {5: (True, False, False), 6: (False, True, False), 7: (False, False, True)}

    def test_rounding_and_displayed_dicts(self):
        reports = analyse(["print(round(g, 4), np.round(h, 2), k.round(decimals=3), round(m))\n"
                           "display({'analytic': a, 'autograd': w.grad})"], cells=True).units[0].reports
        assert [r.decimals for r in reports[:4]] == [4, 2, 3, 0]
        assert [(r.label, r.provenance.autograd) for r in reports[4:]] == [("analytic", False), ("autograd", True)]

    def test_comparisons_and_tables_show_each_side(self):
        source = ("assert torch.isclose(m, x.grad)\nprint('ok' if abs(m - g) < 1e-6 else 'no')\n"
                  "t = pd.DataFrame({'manual': m, 'autograd': g})\n(m, x.grad)")
        shown = [ast.unparse(s.node) for s in report_sites(ast.parse(source), source, cell=True)]
        assert shown == ["m", "g", "m", "x.grad", "m", "g", "m", "x.grad", "(m, x.grad)"]

    def test_a_notebooks_cells_share_what_they_define(self):
        cells = ["import torch\nx = torch.tensor(2.0, requires_grad=True)", "g = x.grad\nm = 32 * x ** 3",
                 "print(g, m)"]
        (g, m) = analyse(cells, cells=True).units[2].reports
        assert (g.provenance.autograd, m.provenance.autograd, m.provenance.computed) == (True, False, True)

    def test_each_item_a_function_returns_keeps_its_meaning(self):
        reports = analyse([dedent("""
            def q(v):
                t = torch.tensor(v, requires_grad=True)
                (t ** 2).backward()
                return 2 * v, t.grad.item()
            manual, auto = q(3.0)
            print(manual, auto)
        """)], cells=False).units[0].reports
        assert [(r.provenance.autograd, r.provenance.computed) for r in reports] == [(False, True), (True, False)]

    def test_a_semicolon_hides_a_cells_last_value(self):
        assert report_sites(ast.parse("x.grad;"), "x.grad;", cell=True) == []


class TestStructure:
    """Facts about the code as a whole, read from the syntax tree."""

    @pytest.mark.parametrize("cells, depends_on_the_seed", [
        (["import torch\nw = torch.rand(1)"], True),
        (["import torch\ntorch.manual_seed(0)\nw = torch.rand(1)"], False),  # seeds itself first
        (["import torch\nw = torch.rand(1)\ntorch.manual_seed(0)"], True),  # too late for w
        (["import torch as t\nt.manual_seed(3)", "w = t.randn(2)"], False),  # a notebook's earlier cell
        (["import random\nrandom.seed()\nx = random.random()"], True),  # seeded from the clock
        (["import torch\nw = torch.ones(1)"], False),
        (["from torch.utils.data import DataLoader\nloader = DataLoader(data, shuffle=True)"], True),
    ])
    def test_whether_a_run_depends_on_the_seed(self, cells, depends_on_the_seed):
        assert analyse([dedent(c) for c in cells], cells=len(cells) > 1).random is depends_on_the_seed


class TestPerturbation:
    """Moving a script's input literals, and only those."""

    def test_inputs_move_and_formula_constants_stay(self):
        source = dedent("""
            a = torch.tensor(2.0, requires_grad=True)
            b = torch.tensor(2.0, requires_grad=True)
            z = 2 * (2 * a + 3 * b)
            for _ in range(2):
                pass
            print(manual(2.0, 2.0))
        """)
        source = "def manual(a, b):\n    return 4 + 30 * a\n" + source
        literals = input_literals(source, {"a", "b"}, {2.0: "a"})
        factors = factors_for(["a", "b"])
        rewritten = rewrite(source, literals, factors)
        assert f"torch.tensor({moved(2.0, factors['a'])}," in rewritten
        assert f"torch.tensor({moved(2.0, factors['b'])}," in rewritten
        assert f"manual({moved(2.0, factors['a'])}, {moved(2.0, factors['b'])})" in rewritten
        assert "2 * (2 * a + 3 * b)" in rewritten and "range(2)" in rewritten and "4 + 30 * a" in rewritten

    def test_equal_inputs_move_apart(self):
        factors = factors_for(["w", "x"])
        assert moved(1.0, factors["w"]) != moved(1.0, factors["x"])

    def test_a_value_moves_with_the_input_named_on_its_line(self):
        source = ("def manual(x):\n    return 2 * x\ndef grad_of(f, *values):\n    pass\n"
                  "def report(point, by_hand, auto):\n    pass\nreport(2.0, manual(2.0), grad_of(f, 2.0))")
        literals = input_literals(source, {"x", "b"}, {2.0: "b"})
        assert {literal.name for literal in literals} == {"x"} and len(literals) == 3

    def test_a_keyword_argument_is_not_an_input_by_its_value(self):
        source = "def grad_of(f, *values, wrt=0):\n    pass\ny = torch.tensor(1.0)\ngrad_of(f, 1.0, wrt=1)"
        assert [(literal.line, literal.name) for literal in input_literals(source, {"y"}, {1.0: "y"})] == \
            [(3, "y"), (4, "y")]

    def test_an_alias_moves_with_its_input(self):
        source = "input_x = 2.0\nx = torch.tensor(input_x).requires_grad_(True)\nprint(manual(input_x))"
        (literal,) = input_literals(source, {"x"}, {2.0: "x"})
        assert (literal.line, literal.name) == (1, "x")


class TestReplay:
    """Gradient descent replayed in float64 gives the handout's numbers."""

    def test_problem_one(self):
        line = lambda params, x: params[0] * x + params[1]
        run = replay(line, [5.0, 7.0, 12.0, 16.0, 20.0], [40.0, 120.0, 180.0, 210.0, 240.0], [1.0, 1.0], 0.001,
                     100, "mean")
        assert run.final == pytest.approx([12.8508, 2.1500], abs=1e-4)
        assert run.losses[0] == pytest.approx(25359.8)

    def test_one_update_per_sample(self):
        line = lambda params, x: params[0] * x + params[1]
        run = replay(line, [2.0, 4.0], [20.0, 40.0], [1.0, 1.0], 0.001, 2, "sample")
        assert list(run.grads) == [pytest.approx([-68.0, -34.0]), pytest.approx([-277.552, -69.388])]

    def test_two_epochs_of_q2(self):
        line = lambda params, x: params[0] * x + params[1]
        run = replay(line, [2.0, 4.0], [20.0, 40.0], [1.0, 1.0], 0.001, 2, "mean")
        assert list(run.grads) == [pytest.approx([-174.0, -52.0]), pytest.approx([-170.208, -50.852])]
        assert run.params[1] == pytest.approx([1.344208, 1.102852])


def test_the_source_read_a_step_at_a_time_says_what_it_says_read_at_once():
    """Grading reads the source between its child's messages (grader.observe.source.analysing): a step per unit
    after the program's flow, each short, and the facts the same as `analyse` gives."""
    from grader.observe.source import analysing

    for notebook in ("ada_lovelace.ipynb", "nadia_karim.ipynb"):
        sources = [unit.source for unit in load_units(ROOT / "submissions" / "autograd" / notebook)]
        steps, taken = analysing(sources, cells=True), 0
        while True:
            try:
                next(steps)
                taken += 1
            except StopIteration as done:
                facts = done.value
                break
        assert taken == len(sources) + 1
        assert facts == analyse(sources, cells=True) and any(unit.reports for unit in facts.units)
