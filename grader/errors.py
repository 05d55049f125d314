"""The grader's own errors: a problem with the course material or the command line.

Problems caused by a student's submission are never raised as these; they
become messages on that student's report (see grader.judge).
"""


class GraderError(Exception):
    """The grader cannot do what was asked; the message is a one-line reason."""


class UnknownLabError(GraderError):
    """No rubric exists for the requested lab."""


class RubricError(GraderError):
    """A rubric file is malformed or refers to something that does not exist."""


class ReferenceSolutionError(GraderError):
    """The reference solution failed to load or to answer a probe."""


class SubmissionPathError(GraderError):
    """The path given on the command line cannot be read."""


class ExpectationUnavailable(Exception):
    """An expected value that this source of expectations cannot know.

    Not a failure of the grader nor of the student: a student's self-check has
    no reference solution, so a check whose expected value must be computed
    from the student's own values (a handout-style script) is left to the
    instructor's grader. The message says so, in the student's words.
    """
