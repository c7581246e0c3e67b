"""A source's problems as the lines an operator reads: one per kind and location.

A feed of a thousand entries with the same defect gives one line with its count and the
first few entries named, not a thousand lines; a source of a million bad entries costs no
memory beyond the first :data:`KEPT_PROBLEMS` lines (:mod:`digest.ingest`).
"""

from __future__ import annotations

from collections.abc import Iterable

from digest.model import Problem

#: Lines of problems of one source kept while it is read (the most that can be shown);
#: the others are only counted, so a source of a million bad entries costs no memory.
KEPT_PROBLEMS = 1_000
#: Subjects (entries) named in a line that counts several problems of one kind.
NAMED_PER_LINE = 3


class _Group:
    """Problems of one kind at one location: the first, how many, the first few subjects."""

    def __init__(self, problem: Problem) -> None:
        self.first = problem
        self.count = 0
        self.subjects: list[str] = []
        self.add(problem)

    def add(self, problem: Problem) -> None:
        self.count += problem.count
        if problem.subject and len(self.subjects) < NAMED_PER_LINE:
            self.subjects.append(problem.subject)

    def line(self) -> Problem:
        first = self.first
        if self.count == first.count or first.kind is None:
            return first
        named = ", ".join(self.subjects) + (", …" if self.count > len(self.subjects) else "")
        what = f"{self.count} {first.kind}" + (f" ({named})" if self.subjects else "")
        return Problem(first.location, what, first.action, kind=first.kind, count=self.count)


class ProblemLog:
    """A source's problems as the lines to show: one per kind and location, in the order met.

    Problems of one kind at one location (the same feed) become one line with their
    count and the first :data:`NAMED_PER_LINE` subjects; a problem without a kind is a
    line of its own. At most :data:`KEPT_PROBLEMS` lines are kept; the problems of any
    further line are only counted.
    """

    def __init__(self) -> None:
        self._groups: dict[object, _Group] = {}
        self.more = 0

    def __call__(self, problem: Problem) -> None:
        # A problem without a kind gets a key of its own: it is never merged.
        key = (problem.location, problem.kind) if problem.kind is not None else object()
        group = self._groups.get(key)
        if group is not None:
            group.add(problem)
        elif len(self._groups) < KEPT_PROBLEMS:
            self._groups[key] = _Group(problem)
        else:
            self.more += problem.count

    def extend(self, problems: Iterable[Problem]) -> None:
        for problem in problems:
            self(problem)

    def lines(self) -> tuple[Problem, ...]:
        """One problem per line to show, in the order each kind was first met."""
        return tuple(group.line() for group in self._groups.values())
