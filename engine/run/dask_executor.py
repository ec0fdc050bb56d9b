"""The audit's work on a Dask cluster (`dask.distributed`).

The same tasks as the local worker processes (engine.audit.run_range, run_chunk): each
worker reads its byte ranges of a CSV or JSONL file itself, so the files must be at the
same path on every worker (a shared or copied filesystem), and xuke must be installed on
every worker (the tasks are functions of `engine.audit`). The pickled program is scattered
to the workers once; each worker thread compiles it the first time it runs a task and
keeps it. Without a scheduler address a LocalCluster of `workers` processes (one thread
each) is started and stopped with the audit.

A compiled program is not thread-safe, and Python threads do not run rules in parallel:
start workers with one thread each (`dask worker ADDR --nthreads 1 --nworkers N`).
"""

from __future__ import annotations

import logging

from ..errors import XukeError


class DaskExecutor:
    def __init__(self, scheduler: str | None = None, workers: int | None = None, programs=None):
        try:
            from distributed import Client, LocalCluster
        except ImportError as e:
            raise XukeError(
                f"--executor dask needs dask.distributed ({e}): pip install 'xuke[dask]'"
            ) from None
        self.cluster = None
        if scheduler:
            try:
                self.client = Client(scheduler, timeout="20s")
            except (OSError, TimeoutError, ValueError) as e:
                raise XukeError(f"--scheduler {scheduler}: cannot connect: {_first_line(e)}") from None
            try:
                self.client.wait_for_workers(1, timeout=60)
            except (OSError, TimeoutError) as e:
                self.client.close()
                raise XukeError(
                    f"--scheduler {scheduler}: no worker joined in 60 s: {_first_line(e)}"
                ) from None
        else:
            self.cluster = LocalCluster(
                n_workers=max(1, workers or 1), threads_per_worker=1, processes=True,
                dashboard_address=None, silence_logs=logging.ERROR,
            )  # fmt: skip
            self.client = Client(self.cluster)
        self.workers = max(1, sum(self.client.nthreads().values()))
        self._programs = dict(programs or {})  # token -> pickled program
        self._specs: dict[str, object] = {}  # token -> the program scattered to the workers

    def submit(self, fn, token: str, *args):
        if token not in self._specs:
            self._specs[token] = self.client.scatter(self._programs[token], broadcast=True, hash=False)
        return self.client.submit(fn, token, self._specs[token], *args, pure=False)

    def close(self):
        self._specs.clear()
        try:
            self.client.close()
        finally:
            if self.cluster is not None:
                self.cluster.close()


def _first_line(e: BaseException) -> str:
    return (str(e) or type(e).__name__).splitlines()[0]
