"""Settings of a long-running lmb process (``lmb serve``, ``lmb worker``)."""

from __future__ import annotations

import gc

#: CPython collects its youngest generation every 700 net allocations of container
#: objects, and every collection of the oldest one walks every object alive (the
#: modules, the app, SQLAlchemy's caches). A session's fill or an expiry pass makes
#: tens of thousands of short-lived dicts and tuples: with the defaults a quarter of
#: its Python time went to collections. Reference counting frees nearly all of them;
#: only cycles wait for the collector, and these thresholds let at most a few
#: megabytes of them wait.
GC_THRESHOLDS = (50_000, 20, 100)


def settle() -> None:
    """Once the process has built its runtime: collect once, move everything alive
    into the permanent generation (never collected, never walked again; after a fork
    the pages also stay shared), and collect the young generation less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
