"""Jobs run after the response, in the web process: the embedded mode's worker.

Production hands background work to Celery workers over Redis. The embedded default has no
broker; running a job eagerly would run it inside the request that queued it (a report's photo
would be decoded, resized and hashed before the worker got their answer). Instead a job is put
on this process's queue and a few daemon threads (BACKGROUND_THREADS) work through it.

Nothing here is durable: a process that stops drops what it had not done. Every job queued here
must therefore be one a periodic sweep finds again (a report photo still processing is queued
again by reports.sweep_photos), and idempotent, since the sweep may queue it a second time.

Threads are started on first use in the process that uses them, so a server that forks its
workers after loading the code (gunicorn --preload) gets its threads in each worker.

A job thread keeps its database connection from one job to the next, as a request thread does
between requests (dropped when unusable, left in a transaction or older than CONN_MAX_AGE), and
lets it go once it has had nothing to do for IDLE_SECONDS: a busy server queues a job with
nearly every write (a redemption's statistics mark; a report's photo, notices and mark), and a
PostgreSQL connection opened for each of them cost more than the jobs themselves.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import threading
from collections.abc import Callable, Hashable
from typing import Any

from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)

_Job = tuple[Hashable, Callable[..., Any], tuple[Any, ...]]
# How long a job thread waits for its next job before closing its database connections.
IDLE_SECONDS = 5.0


class BackgroundJobs:
    """A queue of jobs and the daemon threads that run them. A job's key is held from queueing
    until it has run, and the same key queued meanwhile is dropped (the sweep re-queueing a
    photo still waiting in the queue)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.jobs: queue.Queue[_Job] = queue.Queue()
        self.pending: set[Hashable] = set()
        self.threads: list[threading.Thread] = []
        self.pid = 0
        # Jobs waiting for their delay (submit_later), by key: the timer and the job.
        self.delayed: dict[Hashable, tuple[threading.Timer, Callable[..., Any], tuple[Any, ...]]] = {}

    def submit(self, key: Hashable, fn: Callable[..., Any], *args: Any) -> bool:
        """Queue `fn(*args)`; False when a job with the same key is already waiting."""
        with self.lock:
            self._own_process()
            if key in self.pending:
                return False
            self.pending.add(key)
            self._put(key, fn, args)
        return True

    def submit_later(self, key: Hashable, delay: float, fn: Callable[..., Any], *args: Any) -> bool:
        """Queue `fn(*args)` in `delay` seconds (at once when wait() is called meanwhile); False
        when a job with the same key is already waiting. What several requests hand over within
        the delay can then be done by one job (the statistics' stale marks of a busy minute)."""
        with self.lock:
            self._own_process()
            if key in self.pending:
                return False
            self.pending.add(key)
            timer = threading.Timer(delay, self._due, (key,))
            timer.daemon = True
            timer.name = "littlebee-delay"
            self.delayed[key] = (timer, fn, args)
            timer.start()
        return True

    def _own_process(self) -> None:
        """In a fresh process (or a forked copy of one that had threads): our own queue and
        threads (self.lock held)."""
        if self.pid != os.getpid():
            self.jobs = queue.Queue()
            self.pending = set()
            self.threads = []
            self.delayed = {}
            self.pid = os.getpid()

    def _due(self, key: Hashable) -> None:
        """A delayed job's time has come (or wait() wants it now): onto the queue, once."""
        with self.lock:
            found = self.delayed.pop(key, None)
            if found is None:  # the other of the timer and wait() was first
                return
            found[0].cancel()
            self._put(key, found[1], found[2])

    def _put(self, key: Hashable, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        """The job on the queue, and one more thread if fewer than wanted run (self.lock held)."""
        self.jobs.put((key, fn, args))
        wanted = max(1, int(settings.BACKGROUND_THREADS))
        self.threads = [t for t in self.threads if t.is_alive()]
        if len(self.threads) < wanted:  # one more thread per job queued, up to the setting
            thread = threading.Thread(target=self._work, daemon=True, name=f"littlebee-jobs-{len(self.threads)}")
            self.threads.append(thread)
            thread.start()

    def _work(self) -> None:
        jobs = self.jobs
        while True:
            try:
                key, fn, args = jobs.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                _connections_close()  # idle: hold no connection
                key, fn, args = jobs.get()
            try:
                fn(*args)
            except Exception:
                logger.exception("background job %r failed", key)
            finally:
                _connections_tidy()
                with self.lock:
                    self.pending.discard(key)
                jobs.task_done()

    def _join(self, timeout: float | None) -> bool:
        done = threading.Event()

        def join() -> None:
            self.jobs.join()
            done.set()

        threading.Thread(target=join, daemon=True).start()
        return done.wait(timeout)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every queued job has run and the job threads hold no database connection
        (tests, the benchmark: a test database can then be flushed or dropped); False on timeout.
        Delayed jobs (submit_later) are queued at once: waiting means everything handed over."""
        with self.lock:
            due = list(self.delayed) if self.pid == os.getpid() else []
        for key in due:
            self._due(key)
        if not self._join(timeout):
            return False
        with self.lock:
            threads = [t for t in self.threads if t.is_alive()] if self.pid == os.getpid() else []
            if not threads:
                return True
            # One release job per thread: each closes its connections and then waits at the
            # barrier, so no thread can take a second one and every thread takes one. Put on the
            # queue directly: submit() could start a thread that takes one in an old one's place.
            barrier = threading.Barrier(len(threads) + 1)
            for _thread in threads:
                self.jobs.put((("release", id(barrier)), _release, (barrier, timeout)))
        try:
            barrier.wait(timeout)
        except threading.BrokenBarrierError:
            return False
        return self._join(timeout)


def _connections_close() -> None:
    """This thread's database connections closed: an idle thread holds no connection (nor a
    test database open). A failure here must not end the thread."""
    try:
        connections.close_all()
    except Exception:
        logger.warning("closing a job thread's database connections failed", exc_info=True)


def _connections_tidy() -> None:
    """After a job, what Django does after a request: a connection that is broken, was left in
    a transaction or is older than CONN_MAX_AGE is closed; a sound one is kept for the next job
    (and checked before its first statement, CONN_HEALTH_CHECKS)."""
    try:
        for connection in connections.all(initialized_only=True):
            connection.close_if_unusable_or_obsolete()
    except Exception:
        logger.warning("tidying a job thread's database connections failed", exc_info=True)
        _connections_close()


def _release(barrier: threading.Barrier, timeout: float | None) -> None:
    _connections_close()
    with contextlib.suppress(threading.BrokenBarrierError):  # the waiter gave up
        barrier.wait(timeout)


jobs = BackgroundJobs()


def background_run(key: Hashable, fn: Callable[..., Any], *args: Any) -> bool:
    """Run `fn(*args)` after this request, on one of this process's job threads (see the module
    docstring for what such a job must be). False when the same key is already waiting."""
    return jobs.submit(key, fn, *args)


def background_run_later(key: Hashable, delay: float, fn: Callable[..., Any], *args: Any) -> bool:
    """background_run, `delay` seconds from now (or when jobs.wait() is called, whichever comes
    first): for work that many requests hand over and one job can do for all of them."""
    return jobs.submit_later(key, delay, fn, *args)
