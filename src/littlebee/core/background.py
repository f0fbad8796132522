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

    def submit(self, key: Hashable, fn: Callable[..., Any], *args: Any) -> bool:
        """Queue `fn(*args)`; False when a job with the same key is already waiting."""
        with self.lock:
            if self.pid != os.getpid():
                # A fresh process (or a forked copy of one that had threads): start our own.
                self.jobs = queue.Queue()
                self.pending = set()
                self.threads = []
                self.pid = os.getpid()
            if key in self.pending:
                return False
            self.pending.add(key)
            self.jobs.put((key, fn, args))
            wanted = max(1, int(settings.BACKGROUND_THREADS))
            self.threads = [t for t in self.threads if t.is_alive()]
            if len(self.threads) < wanted:  # one more thread per job queued, up to the setting
                thread = threading.Thread(target=self._work, daemon=True, name=f"littlebee-jobs-{len(self.threads)}")
                self.threads.append(thread)
                thread.start()
        return True

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
        (tests, the benchmark: a test database can then be flushed or dropped); False on timeout."""
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
