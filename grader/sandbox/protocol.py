"""The probe phase, driven by the grader: one request per probe and case, each with a fresh nonce.

Student code shares the child process with the harness, so anything the
child writes could have been written by the student. What the grader can
control is *when* an answer may exist: it asks for each observation over a
named pipe, with a nonce drawn at that moment, and accepts only the one reply
that carries it. Requests go a few at a time (`WINDOW`), none before the
student's cells have run, so that the child answers one after another
instead of waiting a round trip for each; the replies come in the order
asked. A probe answered once for all its cases (a script strategy, or a
name that is missing) gets no answer to its other cases' requests: the
child drops them and the grader expects none. An observation written before
its request (a forgery prepared during the student's own cells, then an
early exit) cannot carry the nonce and earns nothing; unsolicited,
duplicate, malformed or late replies are refused and named in the result.
Code that keeps running and answers the requests itself must compute every
answer once it is asked: forging then takes solving the exercise, and the
source scan (grader.judge.tamper) flags it for review.

Two pipes per run, in the run's channel folder, made by the grader before the
child starts: ``requests`` (grader to child) and ``replies`` (child to
grader). The child opens its end of ``replies`` before any student code runs.
"""
from __future__ import annotations

import errno
import json
import os
import secrets
import select
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from grader.sandbox.job import Job

REQUESTS = "requests.fifo"
REPLIES = "replies.fifo"
MAX_REPLY = 2_000_000  # bytes of one reply line (a probe's value is bounded well below)
POLL = 0.01  # seconds between looks at whether the run is still going
# A reply not there within this long is waiting on the student's code, not on a round trip: the grader takes a
# step of its own work (`drive`'s idle) meanwhile. Shorter, and every round trip would wait for a step.
QUICK = 0.002
WINDOW = 16  # requests in flight at once: about 2 KB, far below a pipe's capacity, so a write never waits


def make_pipes(channel: Path) -> None:
    """The two named pipes of one run (the child finds them by name)."""
    os.mkfifo(channel / REQUESTS, 0o600)
    os.mkfifo(channel / REPLIES, 0o600)


@dataclass
class Exchange:
    """What came of one run's probe phase."""

    accepted: list[dict] = field(default_factory=list)  # observation messages the grader asked for, in order
    refused: list[str] = field(default_factory=list)  # what else came, and why it does not count
    completed: bool = False  # every request answered and the end acknowledged


class ProbeDriver:
    """The grader's side of one run's probe phase; open it before the child starts."""

    def __init__(self, job: Job, channel: Path):
        self.job = job
        self.channel = channel
        # Opened now, so the child's end never waits; read and write, so that no writer yet (or any more) is not
        # an end of file that wakes every select: the run's end is learnt from `running` instead.
        self._replies = os.open(channel / REPLIES, os.O_RDWR | os.O_NONBLOCK)
        self._requests: int | None = None
        self._buffer = b""
        self._idle: Callable[[], bool] | None = None
        self.exchange = Exchange()

    def close(self) -> None:
        """Close its ends of the pipes; again, it does nothing (a number closed twice may be another's by then)."""
        for handle in (self._replies, self._requests):
            if handle is not None:
                try:
                    os.close(handle)
                except OSError:
                    pass
        self._replies = self._requests = None

    # ------------------------------------------------------------------ the conversation
    def drive(self, deadline: float, running: Callable[[], bool],
              answered: Callable[[], None] | None = None, idle: Callable[[], bool] | None = None,
              listen_on: bool = False) -> Exchange:
        """Ask for every observation in turn until all are answered, the run ends or time is up; `answered` is
        called once every observation is in, while the child still waits for its end. `idle` is the caller's
        own work, a step at a time, done whenever no reply is there to read (it says whether more is left).
        With `listen_on`, a completed exchange leaves the replies open for `await_drawn`."""
        self._idle = idle
        try:
            if self._await(lambda reply: reply.get("type") == "ready", deadline, running) is None:
                return self.exchange
            if not self._open_requests(deadline, running):
                return self.exchange
            if not self._observe_all(deadline, running):
                return self.exchange
            if answered is not None:
                answered()
            ended = self._ask({"type": "end"}, deadline, running, kind="ended")
            self.exchange.completed = ended is not None
            return self.exchange
        finally:
            if not (listen_on and self.exchange.completed):
                self.close()

    def await_drawn(self, deadline: float, running: Callable[[], bool]) -> bool:
        """After a completed exchange (`drive(listen_on=True)`): whether the child said its deferred figures are
        drawn (grader.sandbox.child.draw_deferred) before it ended or time was up. Its word is only about the
        run's own PNGs, so it needs no nonce: a word said early costs the student's report its pictures."""
        self._idle = None
        try:
            while (line := self._line(deadline, running)) is not None:
                try:
                    reply = json.loads(line)
                except ValueError:
                    continue
                if isinstance(reply, dict) and reply.get("type") == "drawn":
                    return True
            return False
        finally:
            self.close()

    def _observe_all(self, deadline: float, running) -> bool:
        """Every probe's observations, case by case, up to WINDOW requests in flight; False where the run
        stopped answering or answered out of turn."""
        asks = deque((probe.name, case) for probe in self.job.probes for case in range(max(1, len(probe.cases))))
        in_flight: deque[tuple[str, int, str]] = deque()
        whole: set[str] = set()  # probes answered once for all their cases
        while asks or in_flight:
            while asks and len(in_flight) < WINDOW:
                name, case = asks.popleft()
                if name in whole:
                    continue
                nonce = self._send({"type": "request", "probe": name, "case": case})
                if nonce is None:
                    return False
                in_flight.append((name, case, nonce))
            name, case, nonce = in_flight.popleft()
            if name in whole:
                continue  # the child drops this request: it answered the probe for every case
            reply = self._reply_to(nonce, "observation", deadline, running)
            if reply is None:
                return False
            if reply.get("probe") != name or reply.get("case") not in (case, None):
                self.exchange.refused.append(f"a reply for another observation than asked ({_short(reply)})")
                return False
            self.exchange.accepted.append(reply)
            if reply.get("case") is None:
                whole.add(name)
        return True

    def _send(self, request: dict) -> str | None:
        """Write one request with a nonce drawn now; the nonce, or None where the child's end is gone."""
        nonce = secrets.token_hex(12)
        try:
            os.write(self._requests, (json.dumps({**request, "nonce": nonce}) + "\n").encode())
        except OSError:
            return None
        return nonce

    def _reply_to(self, nonce: str, kind: str, deadline: float, running) -> dict | None:
        reply = self._await(lambda r: r.get("nonce") == nonce and r.get("type") == kind, deadline, running)
        if reply is not None:
            reply = {key: value for key, value in reply.items() if key != "nonce"}
        return reply

    def _ask(self, request: dict, deadline: float, running, kind: str = "observation") -> dict | None:
        nonce = self._send(request)
        return None if nonce is None else self._reply_to(nonce, kind, deadline, running)

    def _await(self, wanted, deadline: float, running) -> dict | None:
        """The next reply that `wanted` accepts; every other one is refused, and named."""
        while True:
            line = self._line(deadline, running)
            if line is None:
                return None
            try:
                reply = json.loads(line)
                if not isinstance(reply, dict):
                    raise ValueError("not an object")
            except ValueError:
                self.exchange.refused.append("a malformed reply")
                continue
            if wanted(reply):
                return reply
            self.exchange.refused.append(f"a reply the grader did not ask for ({_short(reply)})")

    def _line(self, deadline: float, running) -> bytes | None:
        while b"\n" not in self._buffer:
            if len(self._buffer) > MAX_REPLY:
                self.exchange.refused.append("a reply too long to read")
                return None
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self._replies], [], [], min(QUICK if self._idle else POLL, left))
            if not ready:
                if self._idle:
                    if not self._idle():  # one step of the caller's work, while the child works on
                        self._idle = None
                elif not running():
                    return None
                continue
            try:
                chunk = os.read(self._replies, 65536)
            except BlockingIOError:
                continue
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line

    def _open_requests(self, deadline: float, running) -> bool:
        while time.monotonic() < deadline:
            try:
                self._requests = os.open(self.channel / REQUESTS, os.O_WRONLY | os.O_NONBLOCK)
                os.set_blocking(self._requests, True)
                return True
            except OSError as error:
                if error.errno != errno.ENXIO or not running():
                    return False
                time.sleep(0.001)  # the harness opens its end right after saying it is ready
        return False


def _short(reply: dict) -> str:
    text = json.dumps(reply)[:120]
    return text.replace("\n", " ")
