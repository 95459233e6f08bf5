"""Scale out on Dask: the same analysis, cut into work items (file x cluster-aligned entry range),
run as Dask tasks; the partial results merge in a k-ary tree on the workers.

    from distributed import Client
    client = Client("tcp://scheduler:8786")
    results = df.compute(executor=hepframe.DaskExecutor(client))

Each task opens its own files and returns a small partial (histograms, cut-flow counts, entries)
as JSON text. Work items and the merge tree are the same as a local run's (same items for the same
``entries_per_item``, same merge order), so the result is the same bit for bit. At the end the
processed entries are checked against the input's; a missing work item is an error that names it.
"""

import json
import uuid

from . import _core
from .errors import ExecutionError


def _run_item(plan_head_json, item_json, plan_id, wrapper=None):
    if wrapper is not None:
        return wrapper(_core.run_item, plan_head_json, item_json, plan_id)
    return _core.run_item(plan_head_json, item_json, plan_id)


def _identity(x):
    return x


def _merge(*parts):
    return _core.merge_partials(list(parts))


class DaskExecutor:
    """Run on a Dask cluster through ``client`` (a ``distributed.Client``).

    ``entries_per_item``: entries per work item (whole clusters; default 200 000: larger than a
    local run's 100 000, as a task costs Dask a few ms; the result equals a local run's with the
    same ``entries_per_item``)
    or ``items_per_file``. ``retries``: how often Dask re-runs a failed task (a transient error; a
    worker that dies is handled by Dask's ``distributed.scheduler.allowed-failures``).
    ``timeout``: seconds to wait for the result (None = no limit). ``task_wrapper``: an optional
    picklable ``f(run_item, *args)`` called around each work item on the worker (instrumentation,
    fault-injection tests).
    """

    def __init__(self, client, entries_per_item=200_000, items_per_file=None, retries=3,
                 timeout=None, task_wrapper=None):
        self.client = client
        self.entries_per_item = int(entries_per_item)
        self.items_per_file = items_per_file
        self.retries = int(retries)
        self.timeout = timeout
        self.task_wrapper = task_wrapper
        #: Work items of the last run (JSON text each).
        self.last_items = []

    def run(self, analysis_json):
        from distributed.scheduler import KilledWorker

        plan_json = _core.plan(analysis_json, self.entries_per_item, self.items_per_file)
        plan_id, head_json, items = _core.plan_items(plan_json)
        self.last_items = items
        if not items:  # no entries at all: nothing to distribute
            return _core.run(analysis_json, 1, self.entries_per_item)
        token = uuid.uuid4().hex[:12]
        keys = [f"hepframe-item-{i}-{token}" for i in range(len(items))]
        n = len(items)
        # The plan without its items (samples, histogram layout) goes to the workers once, as a
        # task's result (unlike scattered data, Dask recomputes it if a worker dies with it).
        head = self.client.submit(_identity, head_json, key=f"hepframe-plan-{token}", pure=False)
        futures = self.client.map(
            _run_item, [head] * n, items, [plan_id] * n,
            wrapper=self.task_wrapper, key=keys, retries=self.retries, pure=False,
        )
        arity = _core.merge_arity()
        level, depth, tree = futures, 0, list(futures)
        while len(level) > 1:
            level = [
                self.client.submit(_merge, *level[i:i + arity], key=f"hepframe-merge-{depth}-{j}-{token}",
                                   retries=self.retries, pure=False)
                for j, i in enumerate(range(0, len(level), arity))
            ]
            tree += level
            depth += 1
        try:
            partial = level[0].result(timeout=self.timeout)
        except KilledWorker as e:
            key = str(e.args[0]) if e.args else ""
            which = next((json.loads(items[i]) for i, k in enumerate(keys) if k in key), None)
            what = (f"work item {which['index']} ({which['file']} entries {which['start']}–{which['stop']})"
                    if which else f"task {key}")
            raise ExecutionError(
                f"{what} killed every worker that ran it (Dask gave up after "
                f"distributed.scheduler.allowed-failures attempts; Dask also counts a death against "
                f"the tasks queued on that worker, so the culprit may be a neighbouring item): {e}"
            ) from None
        except TimeoutError:
            raise ExecutionError(f"the Dask run did not finish within {self.timeout} s") from None
        finally:
            for f in tree:
                f.cancel()
            head.cancel()
        return _core.finish(plan_json, partial)
