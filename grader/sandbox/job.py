"""What crosses the process boundary: a job going in, messages coming out.

Everything here is plain frozen dataclasses of builtins with explicit
``to_json``/``from_json``; nothing is ever pickled. The child imports this
module too, so it must stay free of heavy imports.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True, kw_only=True)
class CodeUnit:
    """One piece of student code run as a whole: a notebook cell or a script."""

    label: str  # "cell 4", "q3.py"
    filename: str  # shown in tracebacks, so the student sees their own lines
    source: str


@dataclass(frozen=True, kw_only=True)
class StrategySpec:
    """One way of observing an answer; the first whose names exist is used."""

    needs: tuple[str, ...]
    code: str
    script: bool = False  # reads the student's globals instead of calling on grader inputs


@dataclass(frozen=True, kw_only=True)
class ProbeSpec:
    """A named observation to make, once per case (inputs bound as names)."""

    name: str
    strategies: tuple[StrategySpec, ...]
    cases: tuple[dict, ...]
    record: bool = False  # record what the contract function does on the first case (grader.observe)


@dataclass(frozen=True, kw_only=True)
class Job:
    """Everything the child needs: code to run, probes to make, limits to keep."""

    part: str
    units: tuple[CodeUnit, ...]
    probes: tuple[ProbeSpec, ...]
    data: dict = field(default_factory=dict)
    seed: int = 0
    unit_timeout: float = 10.0
    probe_timeout: float = 10.0
    output_limit: int = 20_000  # characters of stdout/stderr kept per unit
    hide: tuple[str, ...] = ()  # folders the child must not see (answers, reports, other students)
    uid: int | None = None  # the uid to run as, when the grader may switch (root)
    threads: int = 1  # torch intra-op threads; more only where the rubric allows
    evaluations: dict = field(default_factory=dict)  # inputs a trained module is called on at a unit's end
    answers: dict = field(default_factory=dict)  # input() prompts answered with these (name -> text), in order
    images: bool = True  # save each figure as a PNG; a run whose figures no report shows (another seed) need not
    draw_after: bool = False  # save them once the answers are in, while the grader judges (grader.sandbox.warm)
    printers: tuple[str, ...] = ()  # the submission's helper functions that print what they are given (report sites)

    def to_json(self) -> dict:
        # Spelled out rather than dataclasses.asdict, which deep-copies every case of every probe: a few
        # milliseconds for each set of a folder of scripts, for a dict that is only ever written out as JSON.
        return {
            "part": self.part,
            "units": [{"label": unit.label, "filename": unit.filename, "source": unit.source} for unit in self.units],
            "probes": [{"name": probe.name,
                        "strategies": [{"needs": list(s.needs), "code": s.code, "script": s.script}
                                       for s in probe.strategies],
                        "cases": list(probe.cases), "record": probe.record} for probe in self.probes],
            "data": self.data, "seed": self.seed, "unit_timeout": self.unit_timeout,
            "probe_timeout": self.probe_timeout, "output_limit": self.output_limit, "hide": list(self.hide),
            "uid": self.uid, "threads": self.threads, "evaluations": self.evaluations, "answers": self.answers,
            "images": self.images, "draw_after": self.draw_after, "printers": list(self.printers),
        }

    @classmethod
    def from_json(cls, data: dict) -> "Job":
        return cls(
            part=data["part"],
            units=tuple(CodeUnit(**unit) for unit in data["units"]),
            probes=tuple(
                ProbeSpec(
                    name=probe["name"],
                    strategies=tuple(
                        StrategySpec(needs=tuple(s["needs"]), code=s["code"], script=s["script"])
                        for s in probe["strategies"]
                    ),
                    cases=tuple(probe["cases"]),
                    record=bool(probe.get("record", False)),
                )
                for probe in data["probes"]
            ),
            data=data["data"],
            seed=data["seed"],
            unit_timeout=data["unit_timeout"],
            probe_timeout=data["probe_timeout"],
            output_limit=data["output_limit"],
            hide=tuple(data.get("hide", ())),
            uid=data.get("uid"),
            threads=data.get("threads", 1),
            evaluations=dict(data.get("evaluations", {})),
            answers={str(k): str(v) for k, v in dict(data.get("answers", {})).items()},
            images=bool(data.get("images", True)),
            draw_after=bool(data.get("draw_after", False)),
            printers=tuple(str(name) for name in data.get("printers", ())),
        )


@dataclass(frozen=True, kw_only=True)
class PartPaths:
    """Where one job of a set lives: its job file, its scratch copy and its channel files."""

    job: str
    scratch: str
    messages: str
    stderr: str


@dataclass(frozen=True, kw_only=True)
class RunSet:
    """Several jobs of one submission for one child, which runs them one after another (grader.sandbox.child).

    Every job keeps its own scratch folder, channel, namespace and wall clock; they share a process where
    that is safe (grader.sandbox.between), which saves a process's fixed costs per job.
    """

    parts: tuple[PartPaths, ...]
    hide: tuple[str, ...] = ()
    uid: int | None = None
    feed: str | None = None  # where a follow-on set's file is named, once these parts are done (see FollowOn)
    # Bytes each part may write, where the set's folder is capped (grader.sandbox.folder): a part that leaves
    # less than that for each part after it, or for a follow-on set as large, is the last this process runs.
    room_each: int | None = None

    def to_json(self) -> dict:
        return {"type": "set", **asdict(self)}

    @classmethod
    def from_json(cls, data: dict) -> "RunSet":
        feed = data.get("feed")
        return cls(parts=tuple(PartPaths(**{key: str(part[key]) for key in ("job", "scratch", "messages", "stderr")})
                               for part in data["parts"]),
                   hide=tuple(data.get("hide", ())), uid=data.get("uid"), feed=str(feed) if feed else None,
                   room_each=data.get("room_each"))
