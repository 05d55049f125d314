"""Comparators and value decoding: equivalent forms pass, wrong ones fail with a reason."""
import math

import numpy as np
import pytest
import torch

from grader.judge.compare import COMPARATORS, Context
from grader.judge.values import as_numbers, as_python
from grader.sandbox.encode import encode


def judge(kind: str, got, expected, **params):
    context = Context(params=params, inputs=params.pop("inputs", {}))
    return COMPARATORS[kind](encode(got), None if expected is None else encode(expected), context)


class TestEquivalentForms:
    """A number may come back as any of the forms students naturally return."""

    @pytest.mark.parametrize("answer", [0.25, np.float32(0.25), np.float64(0.25), torch.tensor(0.25),
                                        torch.tensor([0.25]), torch.tensor([[0.25]]), np.array([0.25])])
    def test_scalar_forms_pass(self, answer):
        assert judge("scalar", answer, 0.25, rtol=1e-6).passed

    def test_tuple_of_tensors_reads_as_array(self):
        numbers = as_numbers(encode((torch.tensor([1.0]), 2.0, np.float32(3.0))))
        assert numbers.values == (1.0, 2.0, 3.0) and numbers.shape == (3,)

    def test_nested_history_has_epoch_shape(self):
        history = [(1.0, 2.0, 3.0, 4.0), (5.0, 6.0, 7.0, 8.0)]
        assert as_numbers(encode(history)).shape == (2, 4)

    def test_as_python_turns_0d_tensor_into_float(self):
        assert as_python(encode(torch.tensor(3.5))) == 3.5


class TestScalar:
    """One number within tolerance; everything else explained."""

    @pytest.mark.parametrize("answer, message", [
        (float("nan"), "NaN or infinite"),
        (float("inf"), "NaN or infinite"),
        ("0.25", "expected a number, got the text '0.25'"),
        (None, "return"),
        ([0.25, 0.5], "single number"),
        (True, "boolean"),
        (0.3, "differs by"),
    ])
    def test_wrong_answers_fail_with_reason(self, answer, message):
        result = judge("scalar", answer, 0.25, rtol=1e-6)
        assert not result.passed
        assert message in result.message

    def test_tolerance_is_relative_plus_absolute(self):
        assert judge("scalar", 100.05, 100.0, rtol=1e-3, atol=0).passed
        assert not judge("scalar", 100.5, 100.0, rtol=1e-3, atol=0).passed


class TestArray:
    def test_names_the_mismatched_elements(self):
        result = judge("array", (1.0, 2.0, 3.5), (1.0, 2.0, 3.0), names=["dx", "dy", "dz"])
        assert not result.passed
        assert "1 of 3 are off" in result.message and "dz is 3.5, expected 3" in result.message

    def test_wrong_length_is_a_shape_problem(self):
        result = judge("array", (1.0, 2.0), (1.0, 2.0, 3.0))
        assert not result.passed and "shape" in result.message

    def test_column_and_flat_vectors_are_the_same(self):
        assert judge("array", torch.tensor([[1.0], [2.0]]), [1.0, 2.0]).passed


class TestLossCurve:
    def test_decreasing_curve_of_right_length_passes(self):
        assert judge("loss_curve", [3.0, 2.0, 1.0], None, length=3, decreasing="strict").passed

    @pytest.mark.parametrize("losses, params, message", [
        ([3.0, 2.0], {"length": 3}, "one loss per epoch (3), got 2"),
        ([1.0, 2.0, 3.0], {"decreasing": "strict"}, "went up in 2 epoch"),
        ([1.0, 2.0, 0.5, 1.5], {"decreasing": "overall"}, "last loss is not below the first"),
        ([3.0, float("nan")], {}, "blew up"),
    ])
    def test_bad_curves(self, losses, params, message):
        result = judge("loss_curve", losses, None, **params)
        assert not result.passed and message in result.message


class TestFitAndClassification:
    def test_fit_within_factor_of_reference(self):
        inputs = {"y": [1.0, 2.0, 3.0]}
        assert judge("fit", [1.1, 2.0, 2.9], [1.0, 2.1, 3.0], targets="y", factor=3, inputs=inputs).passed
        result = judge("fit", [3.0, 3.0, 3.0], [1.0, 2.1, 3.0], targets="y", factor=3, inputs=inputs)
        assert not result.passed and "worse than the reference" in result.message

    def test_classified_needs_every_point_right(self):
        inputs = {"y": [0.0, 1.0, 1.0]}
        assert judge("classified", [0.1, 0.9, 0.6], None, targets="y", inputs=inputs).passed
        result = judge("classified", [0.1, 0.4, 0.6], None, targets="y", inputs=inputs)
        assert not result.passed and "1 point(s)" in result.message

    def test_probabilities_must_lie_in_unit_interval(self):
        assert judge("probabilities", [0.0, 0.5, 1.0], None).passed
        assert not judge("probabilities", [0.5, 1.2], None).passed
        assert not judge("probabilities", [math.nan], None).passed

    def test_true_needs_exactly_true(self):
        assert judge("true", True, None).passed
        assert not judge("true", 1, None, failure="no DataLoader").passed


class TestTamperScan:
    """Code that reaches into the grader is found in the source; ordinary lab code is not."""

    @pytest.mark.parametrize("source, words", [
        ("import sys\nsys.modules['grader.sandbox.child'].observe = None", "sys.modules[…]"),
        ("import sys\nharness = sys.modules.get('grader.sandbox.child')", "sys.modules.get"),
        ("import grader.sandbox.child", "import grader.sandbox.child"),
        ("from grader.sandbox import child", "import grader.sandbox"),
        ("from grader import check, sandbox", "import grader"),
        ("import gc\nchannels = [o for o in gc.get_objects() if 'Channel' in type(o).__name__]", "gc.get_objects"),
        ("import sys\ncaller = sys._getframe(1)", "sys._getframe"),
        ("import inspect\nfor f in inspect.stack(): pass", "inspect.stack"),
        ("def f():\n    return f.__code__ and (lambda: 0).__globals__", "__globals__"),
        ("import os\nos.write(5, b'{}')", "os.write"),
        ("open(7, 'w').write('x')", "file descriptor number"),
        ("print(open('/proc/self/fd/3').read())", "/proc/self"),
        ("import ctypes", "import ctypes"),
        ("code = 'x' + '= 1'\nexec(code)", "exec() of a computed string"),
        ("import builtins\nbuiltins.print = lambda *a: None", "assigns into builtins"),
        ("__builtins__['len'] = max", "assigns into builtins"),
        ("import builtins as b\nsetattr(b, 'abs', None)", "setattr(builtins"),
    ])
    def test_reaching_into_the_grader_is_found_with_its_line(self, source, words):
        from grader.judge.tamper import findings

        found = findings([("q5.py", source)])
        assert found and words in str(found[0]), found
        assert str(found[0]).startswith("q5.py line ")

    @pytest.mark.parametrize("source", [
        "import matplotlib.pyplot as plt\nplt.plot([1, 2]); plt.show()",
        "import torch\nwith torch.no_grad():\n    w = torch.ones(1)",
        "import sys\nsys.exit(0)",
        "import sys\nIN_COLAB = 'google.colab' in sys.modules",
        "exec('x = 1')",  # a literal the grader can read
        "print(eval('2 + 2'))",
        "import numpy as np\nnp.random.seed(0)",
        "import os\nos.makedirs('out', exist_ok=True)",
        "from grader import check\ncheck('Q2')",  # the self-check kit's starter notebook does this
    ])
    def test_ordinary_lab_code_is_not_flagged(self, source):
        from grader.judge.tamper import findings

        assert findings([("q1.py", source)]) == []
