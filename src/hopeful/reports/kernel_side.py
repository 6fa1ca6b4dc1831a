"""Runs inside a report kernel, outside the user namespace: `snapshot` records the state of a
fresh kernel (after the preload imports); `reset` restores it before the next notebook.

Imported by `notebook_to_html.WarmKernel` as `hopeful.reports.kernel_side`; it must import
nothing heavy itself, so that a kernel's fresh state is what the preload made it.
"""

import contextlib
import copy
import gc
import importlib
import os
import sys
import warnings

from IPython import get_ipython

_saved = {}


class KernelNotFresh(RuntimeError):
    """The kernel holds state `reset` cannot undo; the caller starts a new kernel instead."""


_INLINE_TRAITS = ("figure_formats", "print_figure_kwargs", "close_figures")


def preload(names):
    """Import the notebook's modules once, so each town pays only for its own cells."""
    # Best effort: a module that fails here fails again, visibly, in the notebook itself.
    for name in names:
        with contextlib.suppress(Exception):
            importlib.import_module(name)


def _pandas_options():
    from pandas._config import config

    keys = set(config._registered_options) - set(config._deprecated_options)
    return {key: config.get_option(key) for key in sorted(keys)}


def _inline():
    from matplotlib_inline.backend_inline import InlineBackend

    return InlineBackend.instance()


def _skip_idle_flush(stream):
    """Make `stream.flush()` return at once when the stream holds nothing to send.

    ipykernel's flush always hands two callbacks to its IO thread and waits for them, and
    IPython flushes stdout and stderr before every display and after every cell: about a
    hundred round trips, 45 ms of a town's wall time, for streams a report never writes to.
    Nothing is skipped when text is buffered or a flush is pending, and every message still
    leaves through the same IO thread in order, so the outputs are the same.
    """
    flush = getattr(stream, "flush", None)
    lock = getattr(stream, "_buffer_lock", None)
    if lock is None or getattr(flush, "_hopeful_skips_idle", False):
        return  # not an ipykernel OutStream of this shape, or done already

    def quick_flush():
        with lock:
            idle = not (
                stream._buffers or stream._flush_pending or stream._subprocess_flush_pending
            )
        if not idle:
            flush()

    quick_flush._hopeful_skips_idle = True
    stream.flush = quick_flush


def snapshot():
    """Record the fresh kernel's state (namespace, rcParams, options) to return to."""
    for stream in (sys.stdout, sys.stderr):
        _skip_idle_flush(stream)
    ip = get_ipython()
    # Matplotlib's state only when the preload imported it: a town report draws SVG and
    # never loads it, which saves every such kernel half a second of imports.
    mpl = sys.modules.get("matplotlib")
    rc = inline = None
    if mpl is not None:
        rc = dict(mpl.rcParams.copy())
        rc.pop("backend", None)
        inline = {k: copy.deepcopy(getattr(_inline(), k)) for k in _INLINE_TRAITS}
    _saved.update(
        execution_count=ip.execution_count,
        history=(
            list(ip.history_manager.input_hist_parsed),
            list(ip.history_manager.input_hist_raw),
        ),
        rc=rc,
        pandas=_pandas_options(),
        warnings=list(warnings.filters),
        environ=dict(os.environ),
        path=list(sys.path),
        inline=inline,
    )
    # The preloaded modules live as long as the kernel: keep them out of every later
    # collection (IPython's reset runs a full gc.collect, ~0.1 s with pandas and friends).
    gc.collect()
    gc.freeze()


def reset(cwd):
    """Return the kernel to the snapshot's state before the next town's notebook."""
    import pandas as pd

    if _saved["rc"] is None and "matplotlib" in sys.modules:
        # Imported by a notebook, not the preload: its state cannot be returned to fresh.
        raise KernelNotFresh("matplotlib was imported after the kernel's snapshot")
    ip = get_ipython()
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    os.chdir(cwd)
    ip.reset(new_session=False)
    ip.execution_count = _saved["execution_count"]
    ip.history_manager.input_hist_parsed[:] = _saved["history"][0]
    ip.history_manager.input_hist_raw[:] = _saved["history"][1]
    if _saved["rc"] is not None:
        sys.modules["matplotlib"].rcParams._update_raw(_saved["rc"])
    for key, value in _saved["pandas"].items():
        if pd.get_option(key) != value:
            pd.set_option(key, value)
    warnings.resetwarnings()  # also invalidates every module's "already warned" registry
    warnings.filters[:] = _saved["warnings"]
    for key in set(os.environ) - set(_saved["environ"]):
        del os.environ[key]
    os.environ.update(_saved["environ"])
    sys.path[:] = _saved["path"]
    if _saved["inline"] is not None:
        inline = _inline()
        for key, value in _saved["inline"].items():
            if getattr(inline, key) != value:
                setattr(inline, key, copy.deepcopy(value))
