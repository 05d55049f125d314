"""Array jobs: `grade --shard i/N` grades a stable part of each class, `grade merge` makes one run of the parts."""
from __future__ import annotations

import csv
import json
import random
import shutil
from pathlib import Path

import pytest

from conftest import ROOT, run_grade_command
from grader.batch import Shard, shard_of
from grader.cli import main
from grader.store import ResultsStore

STUDENTS = ("ada_lovelace.ipynb", "dmitri_volkov.py", "emma_schultz.py", "kofi_mensah.py")


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """Four students graded whole into A, and as shards 1/2 and 2/2 into S1 and S2, all with seed 1."""
    root = tmp_path_factory.mktemp("shards")
    lab = root / "submissions" / "autograd"
    lab.mkdir(parents=True)
    for name in STUDENTS:
        shutil.copy(ROOT / "submissions" / "autograd" / name, lab / name)
    folders = {"A": root / "A", "S1": root / "S1", "S2": root / "S2"}
    for name, shard in (("A", None), ("S1", "1/2"), ("S2", "2/2")):
        args = [str(root / "submissions"), "--seed", "1", "--out", str(folders[name])]
        done = run_grade_command(*args, *(["--shard", shard] if shard else []))
        assert done.returncode == 0, done.stderr
    merged = run_grade_command("merge", str(folders["S1"]), str(folders["S2"]), "--out", str(root / "M"))
    assert merged.returncode == 0, merged.stderr
    return {**folders, "M": root / "M", "root": root}


def results(out: Path) -> dict:
    return {r.student: r for r in ResultsStore(out / "autograd").read_all()}


def grade_rows(out: Path) -> list[dict]:
    with (out / "autograd" / "grades.csv").open(encoding="utf-8") as handle:
        return sorted(csv.DictReader(handle), key=lambda row: sorted(row.items()))


def snapshot(out: Path) -> dict[str, bytes]:
    lab = out / "autograd"
    files = [*sorted((lab / "results").glob("*.json")), lab / "grades.csv", lab / "index.html"]
    return {path.name: path.read_bytes() for path in files}


class TestShardFunction:
    def test_stable_whatever_the_listing_order(self):
        """A name's shard depends on the name alone, not on where it is listed."""
        names = [f"student_{i}" for i in range(40)] + ["zoë_müller", "李雷"]
        before = {name: shard_of(name, 3) for name in names}
        random.Random(7).shuffle(names)
        assert {name: shard_of(name, 3) for name in names} == before

    def test_shards_cover_the_class_once(self):
        """Every name falls in exactly one of the N shards."""
        names = [f"student_{i}" for i in range(40)]
        shards = [Shard(index=i, count=4) for i in range(1, 5)]
        held = [[name for name in names if shard.holds(name)] for shard in shards]
        assert sorted(sum(held, [])) == sorted(names)
        assert all(held)

    @pytest.mark.parametrize("text", ["0/2", "3/2", "1/0", "a/2", "2", "-1/2"])
    def test_bad_shard_refused(self, text, tmp_path, capsys):
        """--shard outside 1 ≤ i ≤ N stops with exit 2 and a one-line reason, before anything runs."""
        assert main([str(tmp_path), f"--shard={text}"]) == 2  # in process: it stops before grading
        stderr = capsys.readouterr().err
        assert "--shard" in stderr and len(stderr.strip().splitlines()) == 1

    def test_single_submission_refused(self, capsys):
        """One student's path cannot be sharded."""
        path = ROOT / "submissions" / "autograd" / "emma_schultz.py"
        assert main([str(path), "--lab", "autograd", "--shard", "1/2"]) == 2
        assert "single submission" in capsys.readouterr().err


class TestMerge:
    def test_shards_split_the_class(self, runs):
        """The two shards hold every student once between them."""
        first, second = set(results(runs["S1"])), set(results(runs["S2"]))
        assert first and second and not first & second
        assert first | second == set(results(runs["A"]))

    def test_merged_equals_one_run(self, runs):
        """Merged shards give each student the score and check statuses of one unsharded run."""
        whole, merged = results(runs["A"]), results(runs["M"])
        assert set(merged) == set(whole)
        for student, result in whole.items():
            assert merged[student].score == result.score
            assert [(c.id, c.status) for c in merged[student].checks] == [(c.id, c.status) for c in result.checks]

    def test_merged_gradebook_and_dashboard(self, runs):
        """grades.csv has the rows of one run, and the dashboard lists every student."""
        assert grade_rows(runs["M"]) == grade_rows(runs["A"])
        dashboard = (runs["M"] / "autograd" / "index.html").read_text(encoding="utf-8")
        assert all(Path(name).stem in dashboard for name in STUDENTS)
        assert not (runs["M"] / "shard.json").exists()

    def test_merging_again_changes_nothing(self, runs):
        """A second merge of the same shards leaves every results file and grades.csv byte for byte."""
        before = snapshot(runs["M"])
        done = run_grade_command("merge", str(runs["S1"]), str(runs["S2"]), "--out", str(runs["M"]))
        assert done.returncode == 0, done.stderr
        assert snapshot(runs["M"]) == before

    def test_missing_shard_named(self, runs):
        """A shard folder that is not there, or a shard not given, is named and nothing is merged."""
        out = runs["root"] / "M_missing"
        gone = runs["root"] / "S9"
        done = run_grade_command("merge", str(runs["S1"]), str(gone), "--out", str(out))
        assert done.returncode == 2
        assert str(gone) in done.stderr and "2/2 not given" in done.stderr
        assert not out.exists()

    def test_conflicting_results_named(self, runs):
        """The same student with different results in two shards is named and nothing is merged."""
        fake = runs["root"] / "S1_conflict"
        shutil.copytree(runs["S1"], fake)
        student = next(iter(results(runs["S2"])))
        path = ResultsStore(fake / "autograd").path(student)
        shutil.copy(ResultsStore(runs["S2"] / "autograd").path(student), path)
        document = json.loads(path.read_text(encoding="utf-8"))
        document["extra_data"]["labgrade"]["score"] += 1
        path.write_text(json.dumps(document), encoding="utf-8")
        marker = json.loads((fake / "shard.json").read_text(encoding="utf-8"))
        marker["labs"]["autograd"].append(student)
        (fake / "shard.json").write_text(json.dumps(marker), encoding="utf-8")
        out = runs["root"] / "M_conflict"
        done = run_grade_command("merge", str(fake), str(runs["S2"]), "--out", str(out))
        assert done.returncode == 2
        assert student in done.stderr and "different results" in done.stderr
        assert not out.exists()
