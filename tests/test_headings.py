"""Headings in whole-lab files: which lines name an exercise, and which section a line sits in."""
import pytest

from grader.observe.headings import Heading, exercises_in_heading, headings, section_at

IDS = ("P1", "Q1", "Q2", "AQ1", "Q3", "Q4", "Q5", "Q6", "Q7")


@pytest.mark.parametrize("line, named", [
    ("## Exercise 4", ("Q4",)),
    ("# ---------- Q4 ----------", ("Q4",)),
    ("# Lab 3 - Q3: the class", ("Q3",)),
    ("**Question 5**", ("Q5",)),
    ("# Problem 1 / Q3 / Q4", ("P1", "Q3", "Q4")),
    ("# Q2 and the additional question", ("Q2", "AQ1")),
    ("## Additional question", ("AQ1",)),
    ("# same as Q2 but with the sigmoid", ()),  # a remark, not a heading
    ("# Q3 -- unlike Q2, a sigmoid", ("Q3",)),
    ("## Problem", ()),  # the word alone names no exercise
    ("# Exercise 10", ()),  # not one of the lab's
    ("## Exercise question 3", ("Q3",)),
    ("# Question no. 5", ("Q5",)),
])
def test_a_heading_names_the_exercises_it_starts_with(line, named):
    assert exercises_in_heading(line, IDS) == named


@pytest.mark.parametrize("comment, named", [
    ("# Q1 data", ()),  # a remark in code, not a banner
    ("# p1 data reused here", ()),
    ("# Q3: the sigmoid neuron", ("Q3",)),
    ("# Q5", ("Q5",)),
    ("# ===== Q5 using nn.Linear =====", ("Q5",)),
    ("# Q2 and the additional question", ("Q2", "AQ1")),
])
def test_a_comment_is_a_heading_only_when_it_reads_as_a_title(comment, named):
    assert exercises_in_heading(comment, IDS, titled=True) == named


def test_sections_come_from_a_notebooks_markdown_and_a_scripts_banner_comments():
    sources = ("import torch\n", "w = 1\n# ---- Q2 ----\nv = 2\n")
    prose = ("# My lab\n## Exercise 1\nSame model as in Problem 1.", "")
    found = headings(sources, prose, IDS)
    assert found == (Heading(unit=0, line=0, exercises=("Q1",)), Heading(unit=1, line=2, exercises=("Q2",)))
    assert section_at(found, 1, 1) == ("Q1",)  # before the banner: still the previous section
    assert section_at(found, 1, 3) == ("Q2",)


def test_a_heading_for_an_exercise_the_lab_lacks_ends_the_section_before_it():
    found = headings(("a = 1\n", "b = 2\n"), ("## Exercise 7", "## Exercise 8"), IDS)
    assert section_at(found, 1, 1) == ()
