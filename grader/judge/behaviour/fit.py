"""A model trained with settings of the student's choosing, judged by what it ends up doing.

The learning rate, batch size, epochs and start are free here, so there is no
exact trajectory to replay. A training episode answers the exercise when its
first gradient computation sees the exercise's data in scope; the trained
model's predictions come from the child calling the student's own module on
the exercise's data at the end of the unit (grader.observe.instruments), or,
for hand-made parameters, from the reference's model function. Verdicts:

* ``fit`` — the trained model fits: its mean squared error within a factor of
  the reference procedure's, or under an absolute bound with enough variance
  explained; for classification, a binary cross-entropy well below what a
  constant answer gets;
* ``predict`` — the prediction at the exercise's point was shown;
* ``losses`` — the loss goes down over training;
* ``module``, ``dataset``, ``loader``, ``sgd``, ``linear`` — the structure the
  exercise asks for, decided from the source's syntax tree and corroborated by
  what was called;
* ``model`` — a sigmoid output trained with binary cross-entropy;
* ``probabilities`` — outputs that are probabilities, not a hard 0/1 threshold.

An output broadcast against its target (a (9,) prediction minus a (9, 1)
target makes a 9 × 9 loss) minimises the wrong objective: every verdict of the
exercise then fails, saying so.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

from grader.judge.behaviour.base import (Match, Reference, Verdict, agreement, close, columns_of, fmt, fmt_all,
                                         options_from, shown_with, trained_elsewhere, where)
from grader.judge.episodes import Episode, PartView
from grader.observe.events import TRAINING_INPUT

_SIGMOID_OPS = {"SigmoidBackward0", "BinaryCrossEntropyWithLogitsBackward0"}
_BCE_OPS = {"BinaryCrossEntropyBackward0", "BinaryCrossEntropyWithLogitsBackward0"}
_MSE_OPS = {"MseLossBackward0"}
_LOGIT_LOSS_OPS = {"BinaryCrossEntropyWithLogitsBackward0"}


def _logits(episode: Episode, outputs) -> bool:
    """The module's outputs are log-odds: the loss applies the sigmoid itself (nn.BCEWithLogitsLoss) and the model
    none before it; or the training applies torch.sigmoid outside the module, whose outputs are not probabilities."""
    ops = episode.graph_ops()
    sigmoid_module = any(m.cls == "Sigmoid" for m in episode.modules)
    logit_loss = bool(ops & _LOGIT_LOSS_OPS) or any(m.cls == "BCEWithLogitsLoss" for m in episode.modules)
    if logit_loss:
        return "SigmoidBackward0" not in ops and not sigmoid_module
    return "SigmoidBackward0" in ops and not sigmoid_module and any(not 0.0 <= v <= 1.0 for v in outputs)


def _sigmoid(values) -> list[float]:
    return [1.0 / (1.0 + math.exp(-v)) if v >= 0 else math.exp(v) / (1.0 + math.exp(v)) for v in values]


@dataclass(frozen=True, kw_only=True)
class FitOptions:
    x: str  # [data] names: inputs (a list, or rows of a table) and targets
    y: str
    model: str  # reference function model(params, x) for hand-made parameters
    task: str = "regression"  # or "classification"
    baseline: str = ""  # reference function baseline(x, y) giving the reference procedure's predictions
    factor: float = 0.0  # fit: mean squared error at most factor × the baseline's
    mse_max: float | None = None  # fit: or at most this, …
    r2_min: float | None = None  # … explaining at least this share of the targets' variance
    bce_max: float | None = None  # fit (classification): binary cross-entropy at most this
    point: str = ""  # [data] name of the input whose prediction must be shown
    requires_module: bool = False  # recognised more readily when it is the student's own nn.Module
    requires_linear: bool = False  # … or an nn.Linear
    example: dict = field(default_factory=dict)  # what a TA types when the script asks with input()
    rtol: float = 1e-3
    atol: float = 1e-3


def _least_squares(x, y):
    """The least-squares affine fit of y on x, in float64: (coefficients, then the intercept; a predictor)."""
    rows = [list(map(float, row)) if isinstance(row, list) else [float(row)] for row in x]
    targets = [float(v) for v in y]
    if not rows or len(rows) != len(targets):
        return None
    design = torch.tensor([row + [1.0] for row in rows], dtype=torch.float64)
    solution = torch.linalg.lstsq(design, torch.tensor(targets, dtype=torch.float64).unsqueeze(1)).solution
    coefficients = [float(v) for v in solution.squeeze(1)]

    def predict(point) -> list[float]:
        points = point if point and isinstance(point[0], list) else [point]
        return [sum(c * float(v) for c, v in zip(coefficients, row)) + coefficients[-1] for row in points]

    return coefficients, predict


def _holds_all(values, wanted, rtol: float, atol: float) -> bool:
    """Every wanted number is among the shown ones (the coefficients, in whatever order they are printed)."""
    return len(values) >= len(wanted) and all(any(close(v, w, rtol, atol) for v in values) for w in wanted)


def _columns(value) -> list[list[float]]:
    """The data columns of a [data] value: one for a list, one per column for rows."""
    if value and isinstance(value[0], list):
        return [[float(row[j]) for row in value] for j in range(len(value[0]))]
    return [[float(v) for v in value]]


def _affine(column, wanted) -> tuple[float, float, float]:
    """How well a column is the wanted data scaled and shifted (x / 100, standardised…): (share, scale, shift)."""
    if len(column) != len(wanted) or len(set(wanted)) < 2:
        return 0.0, 1.0, 0.0
    n = len(wanted)
    mean_w, mean_c = sum(wanted) / n, sum(column) / n
    var = sum((w - mean_w) ** 2 for w in wanted)
    scale = sum((w - mean_w) * (c - mean_c) for w, c in zip(wanted, column)) / var
    if abs(scale) < 1e-12:
        return 0.0, 1.0, 0.0
    shift = mean_c - scale * mean_w
    return agreement(column, [scale * w + shift for w in wanted], 1e-3, 1e-5), scale, shift


@dataclass(frozen=True)
class _Column:
    """Where one of the exercise's data columns was found in the student's scope."""

    name: str
    values: tuple[float, ...]
    share: float  # how many values agree (a typo lowers it)
    scale: float = 1.0  # the student's column is scale · data + shift (inputs only; 1, 0 when used as given)
    shift: float = 0.0
    shuffled: bool = False  # the same values in another order (a shuffled batch holding the whole data)

    @property
    def transformed(self) -> bool:
        return self.scale != 1.0 or self.shift != 0.0


class FitFamily:
    """See the module docstring; one instance per exercise."""

    verdicts = ("fit", "predict", "losses", "module", "dataset", "loader", "sgd", "linear", "model", "probabilities",
                "data", "plot")
    # What a contract function's training run on the handout's inputs can decide (grader.judge.checks).
    probe_verdicts = ("fit", "losses", "module", "dataset", "loader", "sgd", "linear", "model", "probabilities",
                      "data")
    usage_verdicts: tuple[str, ...] = ()  # no contract class whose calls matter

    def __init__(self, exercise: str, table: dict):
        self.exercise = exercise
        self.options: FitOptions = options_from(FitOptions, exercise, table)

    # ------------------------------------------------------------------ a closed-form answer
    def shown_answer(self, views: list[PartView], reference: Reference) -> tuple[dict[str, Verdict], str] | None:
        """Least squares solved exactly (`lstsq`, the normal equation) trains nothing, so no run is recognised; its
        answer is judged from what the code shows: the least-squares prediction at the exercise's point, or the
        least-squares coefficients, computed (never typed in). Only for a regression that asks for no particular
        machinery (no nn.Module, no nn.Linear) and for a linear model."""
        o = self.options
        if o.task != "regression" or o.requires_module or o.requires_linear:
            return None
        solved = _least_squares(reference.data(o.x), reference.data(o.y))
        if solved is None:
            return None
        coefficients, predict = solved
        computed = lambda sh: sh.fact.provenance.computed and not sh.fact.provenance.constant
        point = reference.data(o.point) if o.point else None
        at = predict(point) if point is not None else None
        for view in sorted(views, key=lambda v: v.prior != self.exercise):
            shown_point = shown_with(view.shown, at, o.rtol, o.atol, computed) if at is not None else []
            shown_fit = [sh for sh in view.shown if computed(sh) and sh.values()
                         and any(_holds_all(values, coefficients, o.rtol, o.atol) for values in sh.values())]
            if shown_point or shown_fit:
                return self._closed_form(view, point, at, coefficients, shown_point, shown_fit), view.part
        return None

    def _closed_form(self, view: PartView, point, at, coefficients, shown_point, shown_fit) -> dict[str, Verdict]:
        exact = (f"your code solves least squares exactly (coefficients {fmt_all(coefficients, 4)}): the best fit "
                 f"there is, so nothing needs training")
        verdicts = {key: Verdict(passed=False, message=f"{exact}; there is no training run to judge this on.")
                    for key in self.verdicts}
        where_at = ", ".join(fmt(v) for v in (point[0] if point and isinstance(point[0], list) else point or []))
        first = (shown_point or shown_fit)[0]
        verdicts["fit"] = Verdict(passed=True, message=f"{exact} ({where(first)}).")
        verdicts["data"] = Verdict(passed=True, message="the solution is that of the exercise's data.")
        if shown_point:
            verdicts["predict"] = Verdict(passed=True, got=fmt_all(at),
                                          message=f"the prediction at ({where_at}) is shown ({where(shown_point[0])}): "
                                                  f"{fmt_all(at)}.")
        elif point is not None:
            verdicts["predict"] = Verdict(passed=False, message=f"the prediction at ({where_at}) is never shown: "
                                                                f"evaluate your solution at that point and print it.")
        return verdicts

    # ------------------------------------------------------------------ recognising
    def _data(self, episode: Episode, reference: Reference) -> list[_Column] | None:
        """Each wanted column (inputs, then targets), as found in scope; None if one is absent."""
        scope = episode.scope()
        inputs = _columns(reference.data(self.options.x))
        wanted = inputs + _columns(reference.data(self.options.y))
        rows = len(wanted[-1])
        trained_on = next((m.training_input for m in episode.modules if m.outer_calls and m.training_input
                           and m.training_input.values and m.training_input.shape and m.training_input.shape[0] == rows
                           and not m.cls.endswith("Loss")), None)  # a mini-batch shows nothing of the whole data
        found = []
        for index, column in enumerate(wanted):
            best: _Column | None = None
            sources = list(scope.items())
            if trained_on is not None and index < len(inputs):
                # What the model was actually fed decides whether the student scaled the data, when it shows.
                sources = [(TRAINING_INPUT, (trained_on.shape, trained_on.values))]
            for name, (shape, values) in sources:
                for candidate in columns_of(shape, values):
                    share = agreement(candidate, column)
                    option = _Column(name=name, values=tuple(candidate), share=share)
                    if share < 1.0 and name == TRAINING_INPUT:
                        resorted = agreement(sorted(candidate), sorted(column))
                        if resorted > share:
                            option = _Column(name=name, values=tuple(candidate), share=resorted, shuffled=True)
                            share = resorted
                    if share < 1.0 and index < len(inputs):
                        scaled, scale, shift = _affine(candidate, column)
                        if scaled * 0.99 > share:
                            option = _Column(name=name, values=tuple(candidate), share=scaled * 0.99,
                                             scale=scale, shift=shift)
                    if option.share > 0 and (best is None or option.share > best.share):
                        best = option
            if best is None and trained_on is not None and index < len(inputs):
                return None  # the model was trained on something else
            if best is None or best.share < 0.6:
                return None
            found.append(best)
        return found

    def recognise(self, episode: Episode, reference: Reference) -> Match | None:
        if episode.first.root.scalar() is None or episode.count < 2:
            return None
        found = self._data(episode, reference)
        if found is None or not self._fed(episode, len(found[-1].values)):
            return None
        score = 2.0 if all(column.share >= 0.99 for column in found) else 1.0
        modules = episode.modules
        owners = {leaf.owners[0] for leaf in episode.first.leaves if leaf.owners and leaf.owners[0]}
        own = any(m.own for m in modules) or bool(owners & episode.view.facts.subclasses("torch.nn.Module", upto=episode.unit))
        linear = any(m.cls == "Linear" for m in modules)
        if self.options.requires_module:
            score += (3 if own else 0.5) + (1 if episode.loaders else 0)
        elif self.options.requires_linear:
            score += 3 if linear else 0.5
        else:
            score += 3
        return Match(exercise=self.exercise, episode=episode, score=score, details={"data": found})

    @staticmethod
    def _fed(episode: Episode, rows: int) -> bool:
        """Nothing shows the model was trained on other data: a loader over another data set, or a module
        fed whole batches of another size, means the exercise's data in scope are left over from elsewhere."""
        # A random_split Subset of the data (a validation split) is the data; a loader over other data is not.
        if episode.loaders and all(lo.dataset_len not in (None, rows) and not (
                lo.dataset_cls == "Subset" and (lo.dataset_len or 0) < rows) for lo in episode.loaders):
            return False
        widths = [m.training_input.shape[0] for m in episode.modules
                  if m.outer_calls and m.training_input and m.training_input.shape and not m.cls.endswith("Loss")]
        if widths and not episode.loaders and all(1 < width != rows for width in widths):
            return False
        # Plain tensors show their batches in the graph: a model fed nine rows at once was not trained on five
        # (a notebook's namespace still holds the previous exercise's X and Y).
        parameters = {leaf.value.shape for leaf in episode.first.leaves}
        shapes = [shape for shape in episode.graph_shapes() if shape and shape not in parameters]
        batches = [shape for shape in shapes if shape[0] > 1]
        if not widths and not episode.loaders and batches and not any(
                shape[0] == rows or math.prod(shape) == rows for shape in shapes):
            return False
        return True

    # ------------------------------------------------------------------ what the trained model does
    def _predictions(self, match: Match, reference: Reference, data_name: str) -> list[float] | None:
        """What the student's trained model predicts for a [data] input of the rubric.

        The student's own module, called by the child on that input, when the student feeds the data as
        given; when they scale it first (x / 100, standardised), the module on its own training input, or
        the reference's model function on their trained parameters and the input scaled the same way.
        """
        episode = match.episode
        found: list[_Column] = match.details["data"]
        inputs = found[:-1]
        scaled = any(column.transformed for column in inputs)
        modules = [m for m in episode.modules if m.outer_calls and not m.cls.endswith("Loss")] + list(episode.modules)
        # A model trained through BCEWithLogitsLoss, or whose output the loop passes through torch.sigmoid,
        # outputs log-odds: its probabilities are their sigmoid.
        def as_probability(values) -> list[float]:
            return _sigmoid(values) if _logits(episode, values) else list(values)

        if not scaled:
            for module in modules:
                values = episode.evaluations.get((module.ident, data_name))
                if values is not None:
                    return as_probability(values)
        elif data_name == self.options.x and all(column.name == TRAINING_INPUT and not column.shuffled
                                                 for column in inputs):
            rows = len(found[-1].values)
            for module in modules:
                values = episode.evaluations.get((module.ident, TRAINING_INPUT))
                if values is not None and len(values) == rows:
                    return as_probability(values)
        params = []
        for leaf in self._ordered(episode.first.leaves):
            final = episode.finals.get(leaf.ident) or next(
                (episode.final_by_name[n] for n in leaf.names if n in episode.final_by_name), None)
            if final is None or final.value.values is None:
                return None
            params.append(torch.tensor(final.value.values, dtype=torch.float64).reshape(final.value.shape))
        columns = _columns(reference.data(data_name))
        if len(columns) != len(inputs):
            return None
        columns = [[column.scale * v + column.shift for v in values] for column, values in zip(inputs, columns)]
        try:
            x = torch.tensor(columns, dtype=torch.float64)
            x = x.T if x.shape[0] > 1 else x.reshape(-1)
            with torch.no_grad():
                out = reference.function(self.options.model)(params, x)
        except (RuntimeError, ValueError, TypeError, IndexError):
            return None
        return None if out is None else [float(v) for v in out.reshape(-1)]

    @staticmethod
    def _ordered(leaves):
        """Parameters in the order a model function takes them: weights first (by name), the bias last."""
        def is_bias(leaf) -> bool:
            last = (leaf.names[0] if leaf.names else "").split(".")[-1].lower()
            return last in ("b", "bias", "b0", "intercept") or last.startswith("bias")

        return sorted(leaves, key=lambda leaf: (is_bias(leaf), (leaf.names[0] if leaf.names else "")))

    def _broadcast(self, match: Match) -> str:
        episode = match.episode
        rows = len(match.details["data"][-1].values)
        # The whole data at once, or a mini-batch of it (a (4, 1) output against a (4,) target makes a 4 × 4 table).
        sizes = {rows} | {size for loader in episode.loaders if loader.batch_size
                          for size in (loader.batch_size, rows % loader.batch_size)}
        for shape in episode.graph_shapes():
            # From 3: a batch of 2 rows of 2 features is a 2 × 2 table of its own.
            if len(shape) == 2 and shape[0] == shape[1] and shape[0] in sizes and shape[0] >= 3:
                n = shape[0]
                return (f"the loss is computed on a {n} × {n} table: a prediction of shape ({n},) and a "
                        f"target of shape ({n}, 1) (or the other way round) broadcast against each other, so the "
                        f"model minimises the wrong objective. Give both the same shape (view(-1, 1) or squeeze()).")
        for module in episode.modules:
            if module.cls.endswith("Loss") and len(module.inputs) == 2 and module.inputs[0] != module.inputs[1]:
                a, b = module.inputs
                if math.prod(a) == math.prod(b) and math.prod(a) > 1:
                    return (f"{module.cls} compares a prediction of shape {a} with a target of shape {b}: they "
                            f"broadcast to a larger table, so the model minimises the wrong objective.")
        return ""

    # ------------------------------------------------------------------ judging
    def judge(self, match: Match, reference: Reference) -> dict[str, Verdict]:
        episode = match.episode
        inputs = {"steps": episode.count, **({"learning rate": episode.optimizers[0].hyper.get("lr")}
                                              if episode.optimizers else {})}
        verdicts = {
            "fit": self._fit(match, reference, inputs),
            "predict": self._predict(match, reference, inputs),
            "losses": self._losses(match, inputs),
            **self._structure(match, inputs),
            "model": self._model(match, inputs),
            "probabilities": self._probabilities(match, reference, inputs),
            "data": self._given_data(match, inputs),
            "plot": self._plot(match, inputs),
        }
        broadcast = self._broadcast(match)
        if broadcast:
            verdicts = {key: Verdict(passed=False, message=broadcast, inputs=inputs) for key in verdicts}
        return verdicts

    @staticmethod
    def _plot(match: Match, inputs: dict) -> Verdict:
        """A graph drawn with this training: in its cell or script, or in the cell after it. Any graph counts (the
        loss per epoch, the data with the fitted line): the exercise asks for "the graph" without saying which."""
        episode = match.episode
        units = {episode.unit, episode.span, episode.span + 1}
        drawn = [figure for unit, figure in episode.view.figures
                 if unit in units and (figure.line_lengths or figure.image)]
        if drawn:
            lines = sum(len(figure.line_lengths) for figure in drawn)
            what = f" with {lines} {'line' if lines == 1 else 'lines'}" if lines else ""
            return Verdict(passed=True, inputs=inputs, message=f"a graph is drawn{what}.")
        return Verdict(passed=False, inputs=inputs, message="no graph is drawn with this training.")

    def _fit(self, match: Match, reference: Reference, inputs: dict) -> Verdict:
        o = self.options
        predictions = self._predictions(match, reference, o.x)
        targets = [float(v) for v in (reference.data(o.y))]
        if predictions is None or len(predictions) != len(targets):
            return Verdict(passed=False, inputs=inputs,
                           message="the trained model's predictions on the exercise's data could not be computed.")
        if any(not math.isfinite(p) for p in predictions):
            return Verdict(passed=False, inputs=inputs, message="the trained model predicts NaN or infinity: training blew up.")
        if o.task == "classification":
            return self._classification(predictions, targets, inputs)
        mse = sum((p - t) ** 2 for p, t in zip(predictions, targets)) / len(targets)
        mean = sum(targets) / len(targets)
        variance = sum((t - mean) ** 2 for t in targets) / len(targets)
        explained = 1 - mse / variance if variance else 0.0
        got = f"mean squared error {fmt(mse)}"
        if o.factor and o.baseline:
            base = [float(v) for v in reference.on_data(o.baseline, o.x, o.y)]
            bound = o.factor * sum((p - t) ** 2 for p, t in zip(base, targets)) / len(targets) + 1e-6
            passed = mse <= bound
            return Verdict(passed=passed, inputs=inputs, got=got, expected=f"at most {fmt(bound)}",
                           metric=mse, bound=bound,
                           message=(f"the trained model's {got} on the data" + (
                               f" is within {fmt(o.factor)}× of the reference procedure's." if passed else
                               f" is more than {fmt(o.factor)}× the reference procedure's ({fmt(bound / o.factor)}): "
                               f"train longer or with a better learning rate.")))
        limits = [o.mse_max] if o.mse_max is not None else []
        if o.r2_min is not None:
            limits.append((1 - o.r2_min) * variance)
        bound = min(limits) if limits else math.inf
        if mse <= bound:
            return Verdict(passed=True, inputs=inputs, got=got, metric=mse, bound=bound, expected=f"at most {fmt(bound)}",
                           message=f"the trained model's {got} on the data explains {explained:.1%} of the targets' variance.")
        return Verdict(passed=False, inputs=inputs, got=got, metric=mse, bound=bound, expected=f"at most {fmt(bound)}",
                       message=f"the model is under-trained: its {got} on the data explains {explained:.1%} of the "
                               f"targets' variance; a trained model gets below {fmt(bound)}. Train longer, or "
                               f"with a larger learning rate.")

    def _classification(self, probabilities, targets, inputs) -> Verdict:
        from grader.judge.compare import binary_cross_entropy, constant_log_loss

        if any(not 0.0 <= p <= 1.0 for p in probabilities):
            return Verdict(passed=False, inputs=inputs,
                           message="the model's outputs are not probabilities (some are outside [0, 1]).")
        loss = binary_cross_entropy(probabilities, targets)
        constant = constant_log_loss(targets)
        bound = self.options.bce_max if self.options.bce_max is not None else 0.9 * constant
        got = f"binary cross-entropy {fmt(loss)}"
        if loss <= bound:
            right = sum((p >= 0.5) == (t >= 0.5) for p, t in zip(probabilities, targets))
            return Verdict(passed=True, inputs=inputs, got=got, expected=f"at most {fmt(bound)}", metric=loss, bound=bound,
                           message=f"the model learned: {got} on the data ({right} of {len(targets)} points on the "
                                   f"right side of 0.5), against {fmt(constant)} for a constant answer.")
        return Verdict(passed=False, inputs=inputs, got=got, expected=f"at most {fmt(bound)}", metric=loss, bound=bound,
                       message=f"the model has not learned: {got} on the data, against {fmt(constant)} for a constant "
                               f"answer. Train longer, with a larger learning rate, or scale x (divide by 100).")

    def _given_data(self, match: Match, inputs: dict) -> Verdict:
        """The data the model was trained on are the exercise's (scaled as a whole, or not; no typos)."""
        off = [column for column in match.details["data"] if column.share < 0.99]
        if not off:
            return Verdict(passed=True, inputs=inputs, message="the model is trained on the exercise's data.")
        worst = min(off, key=lambda column: column.share)
        wrong = round((1 - worst.share) * len(worst.values))
        return Verdict(passed=False, inputs=inputs,
                       message=f"the data differ from the exercise's: {wrong} value(s) of `{worst.name}` are not the "
                               f"handout's (a typo?), so the fit answers a slightly different question.")

    def _predict(self, match: Match, reference: Reference, inputs: dict) -> Verdict:
        o = self.options
        if not o.point:
            return Verdict(passed=False, inputs=inputs, message="this exercise asks for no prediction")
        point = reference.data(o.point)
        predicted = self._predictions(match, reference, o.point)
        if not predicted:
            return Verdict(passed=False, inputs=inputs, message="the trained model's prediction could not be computed.")
        found = shown_with(match.episode.view.shown, predicted, 1e-3, 1e-3)
        where_at = ", ".join(fmt(v) for v in (point[0] if isinstance(point[0], list) else point))
        if found:
            return Verdict(passed=True, inputs=inputs, got=fmt_all(predicted),
                           message=f"the prediction at ({where_at}) is shown ({where(found[0])}): {fmt_all(predicted)}.")
        return Verdict(passed=False, inputs=inputs,
                       message=f"your model's prediction at ({where_at}) is never shown: print model(…) at that point.")

    def _losses(self, match: Match, inputs: dict) -> Verdict:
        losses = [v for v in match.episode.losses if math.isfinite(v)]
        if len(losses) < 2 or len(losses) < len(match.episode.losses):
            return Verdict(passed=False, inputs=inputs, message="the loss is not finite: training blew up.")
        window = max(1, min(len(losses) // 10, max((lo.batches // max(lo.iterations, 1) for lo in match.episode.loaders), default=1)))
        start, end = sum(losses[:window]) / window, sum(losses[-window:]) / window
        if end < start:
            return Verdict(passed=True, inputs=inputs, got=f"{fmt(start)} to {fmt(end)}",
                           message=f"the loss goes down, from {fmt(start)} to {fmt(end)}.")
        return Verdict(passed=False, inputs=inputs, got=f"{fmt(start)} to {fmt(end)}",
                       message=f"the loss does not go down ({fmt(start)} at the start, {fmt(end)} at the end).")

    def _structure(self, match: Match, inputs: dict) -> dict[str, Verdict]:
        episode = match.episode
        facts = episode.view.facts
        leaves = episode.leaf_idents
        own_classes = facts.subclasses("torch.nn.Module", upto=episode.unit)
        used_own = [m.cls for m in episode.modules if m.own and m.cls in own_classes and set(m.params) & leaves]
        # A model called as model.forward(x) passes no module hook; its parameters still name their owner.
        used_own += [leaf.owners[0] for leaf in episode.first.leaves if leaf.owners and leaf.owners[0] in own_classes]
        datasets = facts.subclasses("torch.utils.data.Dataset", upto=episode.unit)
        iterated = [lo for lo in episode.loaders if lo.batches]
        verdicts = {}
        if used_own:
            verdicts["module"] = Verdict(passed=True, inputs=inputs,
                                         message=f"the model is your own {used_own[0]}(nn.Module).")
        else:
            why = (f"{sorted(own_classes)[0]} extends nn.Module but is not the model trained here" if own_classes
                   else "no class of yours extends nn.Module")
            verdicts["module"] = Verdict(passed=False, inputs=inputs, message=f"{why}.")
        used_sets = [lo for lo in iterated if lo.dataset_own and lo.dataset_cls in datasets]
        # torch's own datasets (TensorDataset) illustrate a Dataset too; anything else a loader reads does not.
        torch_sets = [lo for lo in iterated if not lo.dataset_own and "Dataset" in lo.dataset_bases]
        if used_sets:
            verdicts["dataset"] = Verdict(passed=True, inputs=inputs,
                                          message=f"training reads your {used_sets[0].dataset_cls}(Dataset) through a DataLoader.")
        elif torch_sets:
            verdicts["dataset"] = Verdict(passed=True, inputs=inputs,
                                          message=f"training reads a {torch_sets[0].dataset_cls} through a DataLoader.")
        else:
            why = ("a DataLoader is used, but over " + iterated[0].dataset_cls + ", not a Dataset"
                   if iterated else (f"{sorted(datasets)[0]} extends Dataset but no DataLoader reads it during training"
                                     if datasets else "no torch.utils.data.Dataset is read during training"))
            verdicts["dataset"] = Verdict(passed=False, inputs=inputs, message=f"{why}.")
        if iterated and "torch.utils.data.DataLoader" in facts.uses:
            loader = iterated[0]
            verdicts["loader"] = Verdict(passed=True, inputs=inputs,
                                         message=f"a DataLoader (batch size {loader.batch_size}) feeds {loader.batches} "
                                                 f"batches over {loader.iterations} epochs.")
        else:
            verdicts["loader"] = Verdict(passed=False, inputs=inputs,
                                         message="no torch.utils.data.DataLoader is looped over during training.")
        sgd = [o for o in episode.optimizers if o.cls == "SGD" and o.steps]
        if sgd and "torch.optim.SGD" in facts.uses:
            verdicts["sgd"] = Verdict(passed=True, inputs=inputs,
                                      message=f"torch.optim.SGD (lr = {fmt(sgd[0].hyper.get('lr'))}) takes {sgd[0].steps} steps.")
        else:
            other = [o.cls for o in episode.optimizers]
            verdicts["sgd"] = Verdict(passed=False, inputs=inputs,
                                      message=(f"the steps are taken by {other[0]}, not torch.optim.SGD" if other
                                               else "torch.optim.SGD never takes a step on this model") + ".")
        linear = [m for m in episode.modules if m.cls == "Linear" and set(m.params) & leaves]
        if linear and "torch.nn.Linear" in facts.uses:
            verdicts["linear"] = Verdict(passed=True, inputs=inputs,
                                         message=f"the model is built on nn.Linear{tuple(linear[0].features)}.")
        else:
            verdicts["linear"] = Verdict(passed=False, inputs=inputs,
                                         message="the trained parameters are not those of an nn.Linear.")
        return verdicts

    def _model(self, match: Match, inputs: dict) -> Verdict:
        episode = match.episode
        ops = episode.graph_ops()
        classes = {m.cls for m in episode.modules}
        sigmoid = bool(ops & _SIGMOID_OPS) or "Sigmoid" in classes or ({"ExpBackward0"} <= ops and bool(
            ops & {"ReciprocalBackward0", "DivBackward0", "PowBackward0"}))
        bce = bool(ops & _BCE_OPS) or classes & {"BCELoss", "BCEWithLogitsLoss"} or (
            "LogBackward0" in ops and not ops & _MSE_OPS)
        if sigmoid and bce:
            return Verdict(passed=True, inputs=inputs, message="a sigmoid output trained with binary cross-entropy.")
        if sigmoid:
            loss = "the mean squared error" if ops & _MSE_OPS or "MSELoss" in classes else "a loss that is not binary cross-entropy"
            return Verdict(passed=False, inputs=inputs,
                           message=f"the sigmoid model is trained with {loss}; logistic regression minimises binary "
                                   f"cross-entropy (nn.BCELoss).")
        return Verdict(passed=False, inputs=inputs,
                       message="the model's output does not go through a sigmoid, so it is not a probability.")

    def _probabilities(self, match: Match, reference: Reference, inputs: dict) -> Verdict:
        if self.options.task != "classification":
            return Verdict(passed=False, inputs=inputs, message="not a classification exercise")
        predictions = self._predictions(match, reference, self.options.x)
        if not predictions:
            return Verdict(passed=False, inputs=inputs, message="the trained model's outputs could not be computed.")
        if any(not 0.0 <= p <= 1.0 for p in predictions):
            return Verdict(passed=False, inputs=inputs, got=fmt_all(predictions),
                           message="some outputs are outside [0, 1], so they are not probabilities.")
        if all(p in (0.0, 1.0) for p in predictions):
            return Verdict(passed=False, inputs=inputs, got=fmt_all(predictions),
                           message="every output is exactly 0 or 1: a hard threshold, not a probability.")
        return Verdict(passed=True, inputs=inputs, got=fmt_all(predictions, 4), message="the outputs are probabilities.")

    def absent(self, episodes: list[Episode], reference: Reference) -> str:
        return trained_elsewhere(episodes, self.exercise, "a model")
