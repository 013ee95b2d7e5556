"""``serve --workers N``: a supervisor process and N gateway worker processes on one port.

The supervisor binds the listening socket and forks the workers; each is a whole gateway (its
own event loop, audit writer, label-registry writer, guard models and caches) accepting
connections from that one socket. Worker 0 starts alone first: it creates whatever a new data
dir lacks (database schemas, signing and label keys) and the bootstrap admin key, which the
supervisor prints once; the others start after it, together. What the workers share lives
where several writers are safe: keys and the audit chain in ``gateway.db`` (each append reads
the chain head inside its write transaction, so all workers extend one chain), fingerprints in
``labels/registry.db``, per-key limits in Redis (``serve`` refuses in-memory limits with more
than one worker).

The supervisor opens no database and holds no state. A worker that dies is started again (five
deaths in a row within ``QUICK_DEATH_S`` of their start stop the server, exit 1). SIGTERM or
SIGINT stops every worker gracefully — requests in flight finish, queued audit records are
committed — and kills any still running after ``STOP_TIMEOUT_S``. Workers get SIGTERM if the
supervisor itself dies.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path

from ..config import Settings
from .common import EXIT_FAILURE, EXIT_USAGE, CliError
from .startup import (
    UVICORN_OPTIONS,
    announce,
    announce_admin_key,
    build_gateway,
    settle_heap,
)

log = logging.getLogger(__name__)

START_TIMEOUT_S = 300.0
STOP_TIMEOUT_S = 30.0
QUICK_DEATH_S = 10.0
MAX_QUICK_DEATHS = 5
BACKLOG = 2048
_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True, slots=True)
class Ready:
    """A worker's gateway is built; ``admin_key`` is the bootstrap key (worker 0, new dir)."""

    admin_key: str | None


@dataclass(frozen=True, slots=True)
class Failed:
    """A worker could not build its gateway; ``message`` is the one-line reason."""

    message: str
    exit_code: int


@dataclass(slots=True)
class Worker:
    index: int
    process: BaseProcess
    channel: Connection | None
    """Until the worker has reported Ready or Failed."""
    started: float
    quick_deaths: int = 0


class Supervisor:
    def __init__(
        self,
        settings: Settings,
        data_dir: Path,
        host: str,
        port: int,
        count: int,
        access_log: bool,
    ) -> None:
        self._settings = settings
        self._data_dir = data_dir
        self._host, self._port = host, port
        self._count = count
        self._access_log = access_log
        self._context = multiprocessing.get_context("fork")
        self._workers: list[Worker] = []
        self._stopping = False
        self._metrics_dir: Path | None = None
        """The workers' shared Prometheus counters (a fresh directory per start)."""

    def run(self) -> None:
        """Serve until SIGTERM or SIGINT; a start-up failure is a :class:`CliError`."""
        from ..providers.selfcheck import LocalModelUnusable, SelfCheck

        listener = _listen(self._host, self._port)
        previous = {sig: signal.signal(sig, self._stop_soon) for sig in _STOP_SIGNALS}
        check = None
        self._metrics_dir = Path(tempfile.mkdtemp(prefix="aigc-gateway-metrics-"))
        try:
            if self._settings.local_model.enabled:
                check = SelfCheck.start(self._settings.local_model)
            first = self._start(0, listener, bootstrap=True)
            admin_key = self._await_ready([first])
            if check is not None:
                log.info("local model self-check: %s", check.wait())
                log.info("each worker runs its own copy of the local model")
            announce_admin_key(admin_key)
            self._release([first])
            rest = [self._start(index, listener) for index in range(1, self._count)]
            self._await_ready(rest)
            self._release(rest)
            announce(self._settings, self._data_dir, self._host, self._port, self._count)
            self._supervise(listener)
        except LocalModelUnusable as exc:
            raise CliError(str(exc), EXIT_USAGE) from exc
        except _Stopped:
            log.info("stopped during start-up")
        finally:
            if check is not None:
                check.stop()
            self._stop_all()
            listener.close()
            shutil.rmtree(self._metrics_dir, ignore_errors=True)
            self._metrics_dir = None
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _stop_soon(self, signum: int, _: object) -> None:
        if not self._stopping:
            log.info("%s: stopping %d workers", signal.Signals(signum).name, self._count)
        self._stopping = True

    def _start(self, index: int, listener: socket.socket, *, bootstrap: bool = False) -> Worker:
        assert self._metrics_dir is not None, "workers start inside run()"
        ours, theirs = self._context.Pipe()
        process = self._context.Process(
            target=_worker_main,
            args=(
                self._settings,
                self._data_dir,
                self._metrics_dir,
                self._access_log,
                listener,
                theirs,
                bootstrap,
            ),
            name=f"aigc-gateway-worker-{index}",
            daemon=False,
        )
        process.start()
        theirs.close()
        worker = Worker(index, process, ours, time.monotonic())
        if index < len(self._workers):
            worker.quick_deaths = self._workers[index].quick_deaths
            self._workers[index] = worker
        else:
            self._workers.append(worker)
        return worker

    def _await_ready(self, starting: list[Worker]) -> str | None:
        """Wait until each of ``starting`` has built its gateway; the bootstrap key, if any."""
        admin_key = None
        deadline = time.monotonic() + START_TIMEOUT_S
        waiting = {worker.index: worker for worker in starting}
        while waiting:
            if self._stopping:
                raise _Stopped
            if time.monotonic() > deadline:
                raise CliError(f"workers did not start within {START_TIMEOUT_S:.0f} s")
            channels = [w.channel for w in waiting.values() if w.channel is not None]
            wait([*channels, *(w.process.sentinel for w in waiting.values())], timeout=0.5)
            for worker in list(waiting.values()):
                message = _receive(worker)
                if isinstance(message, Failed):
                    raise CliError(message.message, message.exit_code)
                if isinstance(message, Ready):
                    admin_key = admin_key or message.admin_key
                    log.info("worker %d (pid %s) ready", worker.index, worker.process.pid)
                    del waiting[worker.index]
                elif not worker.process.is_alive():
                    raise CliError(
                        f"worker {worker.index} exited with {_exit_status(worker.process)} "
                        "during start-up (see the log above)"
                    )
        return admin_key

    @staticmethod
    def _release(workers: list[Worker]) -> None:
        """Let workers that reported Ready start serving."""
        for worker in workers:
            if worker.channel is not None:
                with contextlib.suppress(OSError):
                    worker.channel.send(True)
                worker.channel.close()
                worker.channel = None

    def _supervise(self, listener: socket.socket) -> None:
        """Restart workers that die until asked to stop."""
        while not self._stopping:
            watched = [w.process.sentinel for w in self._workers]
            watched += [w.channel for w in self._workers if w.channel is not None]
            wait(watched, timeout=0.5)
            for worker in list(self._workers):
                message = _receive(worker)
                if isinstance(message, Failed):
                    log.error("worker %d could not start again: %s", worker.index, message.message)
                elif isinstance(message, Ready):
                    log.info("worker %d (pid %s) ready again", worker.index, worker.process.pid)
                    self._release([worker])
                if self._stopping or worker.process.is_alive():
                    continue
                status = _exit_status(worker.process)
                quick = time.monotonic() - worker.started < QUICK_DEATH_S
                worker.quick_deaths = worker.quick_deaths + 1 if quick else 0
                if worker.quick_deaths >= MAX_QUICK_DEATHS:
                    raise CliError(
                        f"worker {worker.index} keeps exiting ({status}, {MAX_QUICK_DEATHS} times "
                        "in a row right after its start); stopping the server"
                    )
                log.warning(
                    "worker %d (pid %s) exited with %s; starting it again",
                    worker.index,
                    worker.process.pid,
                    status,
                )
                if worker.channel is not None:
                    worker.channel.close()
                self._start(worker.index, listener)

    def _stop_all(self) -> None:
        """SIGTERM to every worker, then SIGKILL to those still running after the timeout."""
        self._stopping = True
        for worker in self._workers:
            if worker.process.is_alive():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(worker.process.pid or 0, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for worker in self._workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                log.warning("worker %d did not stop in time; killing it", worker.index)
                worker.process.kill()
                worker.process.join()
            if worker.channel is not None:
                worker.channel.close()


_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class _Stopped(Exception):
    """SIGTERM or SIGINT arrived while workers were starting."""


def _listen(host: str, port: int) -> socket.socket:
    """The one listening socket every worker accepts from."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        listener = socket.socket(family, kind, proto)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
    except OSError as exc:
        raise CliError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}", EXIT_USAGE
        ) from exc
    listener.listen(BACKLOG)
    listener.set_inheritable(True)
    return listener


def _receive(worker: Worker) -> Ready | Failed | None:
    """The worker's start-up message if it has sent one (None otherwise, or if it died)."""
    channel = worker.channel
    if channel is None:
        return None
    try:
        if not channel.poll():
            return None
        message = channel.recv()
    except (EOFError, OSError):
        channel.close()
        worker.channel = None
        return None
    if isinstance(message, Failed):
        channel.close()
        worker.channel = None
    return message if isinstance(message, Ready | Failed) else None


def _exit_status(process: BaseProcess) -> str:
    code = process.exitcode
    if code is not None and code < 0:
        return signal.Signals(-code).name
    return f"exit code {code}"


def _worker_main(
    settings: Settings,
    data_dir: Path,
    metrics_dir: Path,
    access_log: bool,
    listener: socket.socket,
    channel: Connection,
    bootstrap: bool,
) -> None:
    """One worker: build the gateway, report, wait for the go-ahead, serve the shared socket."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    _die_with_supervisor()
    from ..metrics import share_between_processes

    share_between_processes(metrics_dir)
    try:
        gateway = build_gateway(settings, data_dir, check_local_model=False)
        admin_key = gateway.bootstrap_key() if bootstrap else None
    except CliError as exc:
        channel.send(Failed(str(exc), exc.exit_code))
        sys.exit(exc.exit_code)
    except Exception as exc:
        from . import operator_message

        channel.send(Failed(operator_message(exc, data_dir), EXIT_USAGE))
        sys.exit(EXIT_USAGE)
    channel.send(Ready(admin_key))
    try:
        channel.recv()  # the supervisor has printed the admin key
    except EOFError:
        sys.exit(EXIT_FAILURE)  # the supervisor is gone
    channel.close()
    import uvicorn

    from ..api.app import create_app

    config = uvicorn.Config(create_app(gateway), access_log=access_log, **UVICORN_OPTIONS)
    settle_heap()
    uvicorn.Server(config).run(sockets=[listener])


def _die_with_supervisor() -> None:
    """Ask Linux to send this worker SIGTERM when the supervisor dies (elsewhere: a no-op)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
