"""Where a grid search runs: in this process, in joblib's worker processes, or on a Dask
cluster, each fit with one BLAS thread.

Every fit of a grid is independent, so the search scales by running fits side by side;
BLAS must then not start threads of its own (2 processes × 2 BLAS threads on 2 cores
oversubscribe them). The limit is set with threadpoolctl: in this process for a serial
run, through joblib's ``inner_max_num_threads=1`` in its loky workers, and by a worker
plugin (:class:`OneBlasThread`) on every Dask worker, restarted ones included.

``distributed`` (the ``distributed`` extra) is needed for a scheduler only; this module
imports without it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import joblib
from threadpoolctl import threadpool_info, threadpool_limits

try:
    from distributed.diagnostics.plugin import WorkerPlugin
except ImportError:  # pragma: no cover - without the extra no plugin is registered
    WorkerPlugin = object  # type: ignore[assignment, misc]


def blas_threads() -> int:
    """The number of threads the loaded BLAS libraries may use (the largest; 0 if none)."""
    counts = [int(info["num_threads"]) for info in threadpool_info() if info["user_api"] == "blas"]
    return max(counts, default=0)


class OneBlasThread(WorkerPlugin):
    """A Dask worker plugin limiting the worker's BLAS libraries to one thread.

    Registered by name, so a worker that the nanny restarts (after its process died) gets
    it again.
    """

    name = "autograd-mini-one-blas-thread"

    def setup(self, worker: Any = None) -> None:
        """Set the limit in the worker's process (kept until :meth:`teardown`)."""
        self._limits = threadpool_limits(limits=1, user_api="blas")

    def teardown(self, worker: Any = None) -> None:
        """Restore the worker's BLAS thread counts."""
        limits = getattr(self, "_limits", None)
        if limits is not None:
            limits.restore_original_limits()


#: Seconds to wait for a Dask scheduler before giving up.
CONNECT_TIMEOUT = 10.0


def connect(scheduler: Any, timeout: float | None = None) -> Any:
    """A ``distributed.Client`` for ``scheduler`` (an address such as ``tcp://host:8786``,
    or a Client, used as it is), with :class:`OneBlasThread` registered on the workers.
    Waits ``timeout`` seconds (default :data:`CONNECT_TIMEOUT`) for the scheduler."""
    timeout = CONNECT_TIMEOUT if timeout is None else timeout
    try:
        from distributed import Client
    except ImportError:
        raise ImportError(
            "running on a Dask cluster needs dask and distributed, an optional extra: "
            "pip install 'autograd-mini[distributed]' (`make setup` installs it)"
        ) from None
    client = (
        scheduler
        if isinstance(scheduler, Client)
        else Client(scheduler, timeout=f"{timeout}s", set_as_default=False)
    )
    client.register_plugin(OneBlasThread(), name=OneBlasThread.name)
    return client


@contextmanager
def parallel_backend(
    n_jobs: int | None = 1, scheduler: Any = None, scatter: Sequence[Any] = ()
) -> Iterator[str]:
    """Run the joblib-parallel code in the block (``GridSearchCV.fit``) serially with one
    BLAS thread (``n_jobs`` 1 or None), in ``n_jobs`` loky processes with one BLAS thread
    each (-1: one per core), or on the Dask cluster at ``scheduler`` (every worker thread,
    one BLAS thread each). Yields a description of the backend.

    ``scatter``: on Dask, arrays the tasks share (X, y, the split indices: the very
    objects the search passes), copied to every worker up front. joblib would otherwise
    send each array larger than 1 kB to one worker only, and if that worker's process
    dies the array is lost and the search fails with the tasks needing it; with a copy
    on every worker, Dask re-runs the lost fits elsewhere and the search completes."""
    if scheduler is not None:
        client = connect(scheduler)
        try:
            workers = client.scheduler_info()["workers"]
            threads = sum(int(w.get("nthreads", 1)) for w in workers.values())
            config = {"scatter": list(scatter)} if scatter else {}
            with joblib.parallel_config(backend="dask", client=client, n_jobs=-1, **config):
                n = len(workers)
                where = client.scheduler.address
                yield f"dask ({n} worker{'s' * (n != 1)}, {threads} thread{'s' * (threads != 1)}, {where})"
        finally:
            if client is not scheduler:
                client.close()
    elif n_jobs is None or n_jobs == 1:
        with threadpool_limits(limits=1, user_api="blas"):
            yield "serial (1 process)"
    else:
        with joblib.parallel_config(backend="loky", n_jobs=n_jobs, inner_max_num_threads=1):
            yield f"joblib loky ({joblib.effective_n_jobs(n_jobs)} processes)"
