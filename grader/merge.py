"""`grade merge`: the output folders of `grade … --shard i/N` array jobs, combined into one.

    S1/shard.json                      written by a sharded run once it finished: i, N, each lab's students
    S1/<lab>/results/<student>.json    the shard's per-student files (and code/, figures/, notebooks/)
    S1/<lab>/lab.json, policy.json, overrides.csv, extensions.csv, submitted.csv, S1/roster.csv
                                       course files: the same in every shard, copied once

Everything is checked before anything is written: a shard folder that is missing, unfinished
(no shard.json), a shard of 1..N not given, a student of a shard without a result, the
same student with different results in two shards, or a course file that differs between shards,
is named and nothing is merged. A finished shard that graded nobody (N close to the class size)
is fine: it adds nothing. Then each shard's per-student files are copied into OUT and every
gradebook, export and page is rendered again from the merged results (grader.report.html.rerender),
as `grade report` does; no student code runs. Merging the same shards again changes no file.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from grader.batch import Shard
from grader.errors import GraderError
from grader.report import executed, html, lms
from grader.report.files import write_atomic
from grader.results import SubmissionResult
from grader.store import CODE_FOLDER, ResultsStore, lab_stores

SHARD_FILE = "shard.json"
LAB_COURSE_FILES = (html.LAB_FILE, "policy.json", "overrides.csv", "extensions.csv", "submitted.csv")
STUDENT_FOLDERS = ("figures", executed.FOLDER)  # <lab>/<folder>/<student>/


class MergeError(GraderError):
    """Shard outputs that cannot be merged; the message names every problem."""

    def __init__(self, problems: list[str]):
        self.problems = tuple(problems)
        super().__init__("cannot merge: " + "; ".join(problems))


@dataclass(frozen=True, kw_only=True)
class ShardOutput:
    """One shard's output folder, as its shard.json describes it."""

    folder: Path
    shard: Shard
    students: dict[str, tuple[str, ...]]  # lab id -> the students this shard graded


@dataclass(frozen=True, kw_only=True)
class MergedLab:
    lab: str
    students: tuple[str, ...]
    exports: lms.Exports


@dataclass(frozen=True, kw_only=True)
class MergeOutcome:
    out: Path
    shards: tuple[ShardOutput, ...]
    labs: tuple[MergedLab, ...]


def write_shard_marker(out: Path, shard: Shard, students: dict[str, list[str]]) -> None:
    """Mark `out` as shard `shard`'s finished output: written last, so a stopped job has none."""
    document = {"shard": shard.index, "of": shard.count, "labs": {lab: sorted(names) for lab, names in students.items()}}
    write_atomic(out / SHARD_FILE, json.dumps(document, indent=2, ensure_ascii=False))


def forget_shard_marker(out: Path) -> None:
    """A run of the whole class into a folder that once held a shard: it is not a shard any more."""
    (out / SHARD_FILE).unlink(missing_ok=True)


def read_shard(folder: Path) -> ShardOutput:
    """A shard's output folder, or a GraderError naming what is wrong with it."""
    if not folder.is_dir():
        raise GraderError(f"shard folder {folder} does not exist")
    try:
        document = json.loads((folder / SHARD_FILE).read_text(encoding="utf-8"))
        shard = Shard(index=int(document["shard"]), count=int(document["of"]))
        students = {str(lab): tuple(str(name) for name in names) for lab, names in document["labs"].items()}
    except FileNotFoundError:
        raise GraderError(f"{folder} is not a finished shard (no {SHARD_FILE}: graded without --shard, "
                          "or the job stopped before the end)") from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise GraderError(f"{folder}/{SHARD_FILE} cannot be read ({type(error).__name__})") from None
    return ShardOutput(folder=folder, shard=shard, students=students)


def merge(folders: list[Path], out: Path, *, instructor: bool = False, roster: Path | None = None,
          on_policy=None) -> MergeOutcome:
    """Combine the shard outputs in `folders` into `out` and render it again; see the module docstring."""
    problems: list[str] = []
    shards = []
    for folder in folders:
        if folder.resolve() == out.resolve():
            problems.append(f"{folder} is the merged folder itself: give --out a folder of its own")
            continue
        try:
            shards.append(read_shard(folder))
        except GraderError as error:
            problems.append(str(error))
    problems += _coverage_problems(shards)
    chosen: dict[str, dict[str, tuple[ShardOutput, SubmissionResult]]] = {}  # lab -> student -> first shard's
    for output in shards:
        problems += _collect(output, chosen)
    course_files = {}  # relative path -> (bytes, shard)
    for output in shards:
        for relative in [Path(html.ROSTER_FILE)] + [Path(lab) / name for lab in chosen for name in LAB_COURSE_FILES]:
            source = output.folder / relative
            if not source.is_file():
                continue
            data = source.read_bytes()
            if relative in course_files and course_files[relative][0] != data:
                problems.append(f"{relative} differs between shard {course_files[relative][1].shard} "
                                f"({course_files[relative][1].folder}) and shard {output.shard} ({output.folder})")
            course_files.setdefault(relative, (data, output))
    if problems:
        raise MergeError(problems)
    out.mkdir(parents=True, exist_ok=True)
    forget_shard_marker(out)
    for relative, (_, output) in sorted(course_files.items()):
        _copy_file(output.folder / relative, out / relative)
    for lab, students in chosen.items():
        for student, (output, _) in students.items():
            _copy_student(output.folder / lab, out / lab, student)
    exports = html.rerender(out, instructor=instructor, roster=roster, on_policy=on_policy)
    labs = tuple(MergedLab(lab=lab, students=tuple(sorted(chosen[lab])), exports=exports[lab])
                 for lab in sorted(chosen) if lab in exports)
    return MergeOutcome(out=out, shards=tuple(sorted(shards, key=lambda s: s.shard.index)), labs=labs)


def _coverage_problems(shards: list[ShardOutput]) -> list[str]:
    """Every shard of 1..N given once, all of the same N."""
    counts = sorted({output.shard.count for output in shards})
    if len(counts) > 1:
        return ["the shards were cut in different numbers of parts: "
                + ", ".join(f"shard {o.shard} ({o.folder})" for o in shards)]
    problems, seen = [], {}
    for output in shards:
        if output.shard.index in seen:
            problems.append(f"shard {output.shard} is given twice: {seen[output.shard.index]} and {output.folder}")
        seen.setdefault(output.shard.index, output.folder)
    for count in counts:
        missing = [f"{index}/{count}" for index in range(1, count + 1) if index not in seen]
        if missing:
            problems.append(f"shard {', '.join(missing)} not given")
    return problems


def _collect(output: ShardOutput, chosen: dict[str, dict[str, tuple[ShardOutput, SubmissionResult]]]) -> list[str]:
    """Add a shard's results to `chosen`; the problems found (a student without a result, a conflict)."""
    problems = []
    stores = {store.lab_out.name: store for store in lab_stores(output.folder)}
    for lab, students in output.students.items():
        store = stores.get(lab)
        for student in students:
            result = store.read(student) if store else None
            if result is None:
                problems.append(f"shard {output.shard} ({output.folder}): {lab}: no result for {student}")
                continue
            earlier = chosen.setdefault(lab, {}).get(student)
            if earlier is None:
                chosen[lab][student] = (output, result)
            elif _outcome(earlier[1]) != _outcome(result):
                problems.append(f"{lab}: {student} has different results in shard {earlier[0].shard} "
                                f"({earlier[0].folder}) and shard {output.shard} ({output.folder})")
    return problems


def _outcome(result: SubmissionResult) -> tuple:
    """What a result decided, without how the run went (its time, memory, uid), which differs every run."""
    checks = tuple((c.id, c.status, c.score, c.max_score, c.message) for c in result.checks)
    return (result.fingerprint, result.score, result.max_score, result.exercises, checks, result.flags)


def _copy_student(source: Path, target: Path, student: str) -> None:
    """One student's files from a shard's lab folder into the merged one, replacing what was there."""
    for relative in (Path(ResultsStore(source).path(student).relative_to(source)), Path(CODE_FOLDER) / f"{student}.json"):
        _copy_file(source / relative, target / relative)
    for folder in STUDENT_FOLDERS:
        if (target / folder / student).is_dir():
            shutil.rmtree(target / folder / student)
        if (source / folder / student).is_dir():
            shutil.copytree(source / folder / student, target / folder / student)


def _copy_file(source: Path, target: Path) -> None:
    if not source.is_file():
        target.unlink(missing_ok=True)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.is_file() or target.read_bytes() != source.read_bytes():
        shutil.copyfile(source, target)
