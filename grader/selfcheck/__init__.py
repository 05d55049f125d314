"""Students' side of labgrade: self-check, the student kit, and CI on a submission repo.

    expectations.py   the kit's self-check data, and `KitExpectations` answering the judge from it
    locate.py         finding a kit's data and telling which lab a submission is for
    command.py        `grade check` (terminal, HTML, --ci) and `grade kit`
    notebook.py       `check("Q2")` inside a notebook
    ci.py             JUnit XML, the GitHub step summary and annotations, injection-safe
    starter.py        the starter notebook, from a course's starters/<lab>.toml
    kit.py            building a kit: notebook, self-check data, engine wheel, workflow, README

Nothing here needs a reference solution at a student's end: a kit carries only
the visible checks and the expected values they read.
"""
