"""Run a town notebook with papermill and turn it into one offline, deterministic HTML page.

A `WarmKernel` is one started Jupyter kernel with the heavy modules already imported; it is
reset to the state of a fresh kernel before every notebook, so `hopeful.reports.batch` can reuse it
for many towns and `render_notebook` can time a single render part by part.
"""

from __future__ import annotations

import ast
import contextlib
import html
import os
import re
import signal
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import zmq
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient.exceptions import DeadKernelError
from nbconvert import HTMLExporter
from nbconvert.exporters.templateexporter import TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from nbformat import NotebookNode
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.exceptions import PapermillExecutionError
from papermill.execute import (
    prepare_notebook_metadata,
    raise_for_execution_errors,
    remove_error_markers,
)
from papermill.iorw import load_notebook_node
from papermill.log import logger as papermill_logger
from papermill.parameterize import parameterize_notebook
from traitlets.config import Config

from hopeful import __version__
from hopeful.atomic import write_text
from hopeful.errors import HopefulError
from hopeful.reports.report_template import (  # noqa: F401 — template_files: part of this API
    KERNEL_NAME,
    TEMPLATE_DIR,
    TEMPLATE_NAME,
    template_files,
)

REMOVED_TAGS = ("injected-parameters", "parameters")
# seaborn and statsmodels are left out: the town report never loads them (the figures module
# imports seaborn lazily, the models import statsmodels where they fit), and they were half of
# a kernel's start-up. So is matplotlib (≈0.5 s a kernel): the town report draws inline SVG.
# A notebook that imports them gets them preloaded all the same.
PRELOAD_MODULES = (
    "numpy",
    "pandas",
    "hopeful",
)
# What a kernel preloads after a notebook loaded matplotlib at run time (kernel_side.reset
# then refuses to reuse it): the kernel is started again with these as well.
MATPLOTLIB_MODULES = ("matplotlib", "matplotlib.pyplot")
# Every kernel, fresh or warm, starts with these: history in memory (no sqlite shared between
# kernels) and PNGs without the "Software" text chunk, so figure bytes depend on pixels only.
KERNEL_ARGS = (
    "--HistoryManager.hist_file=:memory:",
    "--InlineBackend.print_figure_kwargs={'bbox_inches': None, 'metadata': {'Software': None}}",
)
# One thread per kernel for BLAS/OpenMP (unless the caller set these): batches parallelise
# across kernels, and numbers must not depend on how many cores the machine has.
SINGLE_THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
_ENGINE = "hopeful-warm"

KERNEL_SIDE = "hopeful.reports.kernel_side"
_KERNEL_SIDE_CALL = f"__import__('sys').modules[{KERNEL_SIDE!r}]"


class RenderError(HopefulError):
    """A notebook failed for one town; the message names the notebook, cell and Python error."""

    def __init__(self, message: str, *, ename: str = "", evalue: str = "") -> None:
        super().__init__(message)
        self.ename = ename
        self.evalue = evalue


class RenderTimeout(RenderError):
    """A notebook ran past its wall-clock limit; its kernel was killed."""


@dataclass(frozen=True)
class RenderResult:
    """Where one report went and what each part of producing it cost, in seconds."""

    html_out: Path
    kernel_start: float
    imports: float
    execute: float
    export: float

    @property
    def total(self) -> float:
        return self.kernel_start + self.imports + self.execute + self.export

    def timings_text(self) -> str:
        return (
            f"kernel start {self.kernel_start:.2f} s, imports {self.imports:.2f} s, "
            f"execution {self.execute:.2f} s, HTML export {self.export:.2f} s "
            f"(total {self.total:.2f} s)"
        )


# What nbconvert writes for an image without a description; a figure cell gives its own in
# its metadata ("alt"), which the template puts on the image.
DEFAULT_ALT = "No description has been provided for this image"


class ReportExporter(HTMLExporter):
    """nbconvert's HTML exporter without its closing BeautifulSoup pass.

    That pass parses and re-serialises the whole page to add alt text to images and tabindex
    attributes to JupyterLab's cell classes. Our template (classic) has none of those classes
    and `render_html` gives every image its alt text before export, so the pass only cost
    time: over half of each town's export.
    """

    def from_notebook_node(self, nb, resources=None, **kw):  # type: ignore[override]
        langinfo = nb.metadata.get("language_info", {})
        lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
        self.register_filter(
            "highlight_code",
            self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)),
        )
        resources = self._init_resources(resources)
        self.register_filter(
            "filter_data_type",
            WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources
            ),
        )
        return TemplateExporter.from_notebook_node(self, nb, resources, **kw)


def exporter_config() -> Config:
    """Outputs only, parameter cells removed, one validation."""
    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = set(REMOVED_TAGS)
    config.HTMLExporter.exclude_input = True
    config.HTMLExporter.exclude_input_prompt = True
    config.HTMLExporter.exclude_output_prompt = True
    # Validate the notebook once after all preprocessors rather than after each of them.
    config.HTMLExporter.optimistic_validation = True
    return config


def html_exporter() -> HTMLExporter:
    """A configured exporter with our offline template."""
    return ReportExporter(
        config=exporter_config(),
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(TEMPLATE_DIR)],
    )


_local = threading.local()


def _shared_exporter() -> HTMLExporter:
    """One exporter per thread, built once: building one costs more than exporting a page."""
    if getattr(_local, "exporter", None) is None:
        _local.exporter = html_exporter()
    return _local.exporter


def _coalesce_streams(outputs: list) -> list:
    """Consecutive stream outputs of one name as one: `print` writes its text and its newline
    separately, and on a busy machine the kernel may send them in two messages, which would
    make two blocks of the same text (the page would depend on the machine's load)."""
    merged: list = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and output.get("output_type") == "stream"
            and previous.get("output_type") == "stream"
            and output.get("name") == previous.get("name")
        ):
            previous["text"] = "".join(previous["text"]) + "".join(output["text"])
        else:
            merged.append(output)
    return merged


def _strip_volatile(nb: NotebookNode) -> NotebookNode:
    """Drop run-specific metadata (timestamps, durations, kernel details) before export, merge
    split stream outputs, and give an image without a description nbconvert's placeholder alt
    text."""
    nb = nbformat.from_dict(nb)
    for key in ("papermill", "widgets", "language_info"):
        nb.metadata.pop(key, None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if "outputs" in cell:
            cell.outputs = _coalesce_streams(cell.outputs)
        if cell.metadata.get("alt"):
            continue
        for output in cell.get("outputs", []):
            for kind in output.get("data", {}):
                if kind.startswith("image/"):
                    meta = output.setdefault("metadata", {}).setdefault(kind, {})
                    meta.setdefault("alt", DEFAULT_ALT)
    return nb


_H1_HTML = re.compile(r"<h1[^>]*>(.*?)</h1>", re.IGNORECASE | re.DOTALL)
_H1_MD = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)


def _title(nb: NotebookNode) -> str:
    """The page title: the first level-1 heading the report shows, else the notebook's title."""
    for cell in nb.cells:
        texts = [("text/markdown", cell.source)] if cell.cell_type == "markdown" else []
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            texts += [(kind, data[kind]) for kind in ("text/markdown", "text/html") if kind in data]
        for kind, text in texts:
            found = (_H1_MD if kind == "text/markdown" else _H1_HTML).search(str(text))
            if found:
                return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip()
    return str(nb.metadata.get("title", "Hopeful Towns report"))


# Byte patterns in lower case, matched against the page's UTF-8 bytes with ASCII letters
# lowered (`bytes.lower` keeps every offset; re.IGNORECASE made the scan three times slower).
_EXTERNAL = re.compile(
    rb"<script\b|<link\b|<iframe\b|<object\b|<embed\b|@import|url\(\s*['\"]?(?:https?:)?//"
    rb"|\b(?:src|srcset|poster|data)\s*=\s*['\"]?\s*(?:https?:)?//"
    # Script without a <script> tag: an on* handler inside a tag, a javascript: address, or a
    # page that redirects itself or re-bases its links.
    rb"|<[a-z][^>]*?[\s/\"']on[a-z]+\s*="
    rb"|\b(?:href|src|action|formaction)\s*=\s*['\"]?\s*javascript:"
    rb"|<base\b|<meta\b[^>]*http-equiv"
    # An SVG <image> loads what its href names; CSS image-set() is url() by another name.
    rb"|<image\b|image-set\(\s*[^)]*?(?:https?:)?//"
)
# Attribute values, read as the browser reads them (entities decoded): `&#106;avascript:` and
# `&#x2F;&#x2F;host` are a script and a remote address once decoded.
_ATTRIBUTE = re.compile(
    rb"""\b(href|src|srcset|poster|data|action|formaction|xlink:href)\s*=\s*("[^"]*"|'[^']*')"""
)
_SCRIPT_ADDRESS = re.compile(r"^\s*javascript:", re.IGNORECASE)
_REMOTE_ADDRESS = re.compile(r"^\s*(?:https?:)?//", re.IGNORECASE)
_LOADS = {b"src", b"srcset", b"poster", b"data", b"xlink:href"}  # a link (href) may go anywhere


def _unsafe_attribute(match: re.Match[bytes], raw: bytes) -> bool:
    """The value as written (named entities are case-sensitive), decoded as the browser would."""
    value = html.unescape(raw[match.start(2) + 1 : match.end(2) - 1].decode("utf-8", "replace"))
    if _SCRIPT_ADDRESS.match(value):
        return True
    return match.group(1) in _LOADS and bool(_REMOTE_ADDRESS.match(value))


# Bidi overrides and isolates: a name carrying them would display reversed or reordered text.
# Removed with a regular expression: str.translate walks a 125 KB page in Python-level steps.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def check_offline(page: str) -> None:
    """Refuse a page that would run a script or load anything over the network.

    Text from data reaches the page escaped (`&lt;`), so a match is markup a notebook emitted
    unescaped; refusing the page keeps a hostile town name from becoming a live element.
    """
    raw = page.encode("utf-8")
    lowered = raw.lower()  # ASCII letters only, so offsets into `raw` stay valid
    found = _EXTERNAL.search(lowered)
    if found is None:
        found = next(
            (m for m in _ATTRIBUTE.finditer(lowered) if _unsafe_attribute(m, raw)),
            None,
        )
    if found:
        start = max(found.start() - 60, 0)
        excerpt = raw[start : found.end() + 60].decode("utf-8", "replace")
        raise RenderError(f"report would load external content or run a script: …{excerpt}…")


def render_html(
    nb: NotebookNode,
    exporter: HTMLExporter | None = None,
    *,
    links: Sequence[tuple[str, str]] = (),
    home: str = "../index.html",
) -> str:
    """Executed notebook → offline HTML page (byte-stable for the same outputs).

    `links` are the page's downloads as (text, relative href), shown in its header bar (not
    in print); `home` is the index page relative to this page.
    """
    nb = _strip_volatile(nb)
    resources = {
        "hopeful": {
            "version": __version__,
            "title": _title(nb),
            "home": home,
            "links": [{"text": text, "href": href} for text, href in links],
        }
    }
    page, _ = (exporter or _shared_exporter()).from_notebook_node(nb, resources=resources)
    page = _BIDI_CONTROLS.sub("", page)
    check_offline(page)
    return page


class _WarmEngine(NBClientEngine):
    """papermill's nbclient engine on an already started kernel (`km`) and its client (`kc`)."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):  # type: ignore[override]
        client = PapermillNotebookClient(
            nb_man,
            km=kwargs["km"],
            kernel_name=kernel_name,
            log=papermill_logger,
            timeout=None,
            startup_timeout=kwargs.get("start_timeout", 60),
        )
        client.kc = kwargs["kc"]  # reuse: a new client costs ~0.2 s waiting for the kernel
        return client.execute()


papermill_engines.register(_ENGINE, _WarmEngine)


def _papermill_execute(
    notebook: Path, parameters: dict[str, Any], kernel_name: str, **engine_kwargs: Any
) -> NotebookNode:
    """`papermill.execute_notebook(notebook, None, ...)` on our engine, step by step, without
    its last step: serialising the executed notebook (with a schema validation) for an output
    path of None, which then discards it: about 16 ms of a worker's 0.1 s a town."""
    nb = load_notebook_node(str(notebook))
    if parameters:
        nb = parameterize_notebook(nb, parameters, kernel_name=kernel_name, engine_name=_ENGINE)
    nb = prepare_notebook_metadata(nb, str(notebook), None)
    nb = remove_error_markers(nb)
    nb = papermill_engines.execute_notebook_with_engine(
        _ENGINE,
        nb,
        input_path=str(notebook),
        output_path=None,
        kernel_name=kernel_name,
        progress_bar=False,
        log_output=False,
        start_timeout=60,
        stdout_file=None,
        stderr_file=None,
        **engine_kwargs,
    )
    raise_for_execution_errors(nb, None)
    return nb


def _execution_error(notebook: Path, err: PapermillExecutionError) -> RenderError:
    message = (str(err.evalue).strip().splitlines() or [""])[0]
    code = (str(err.source).strip().splitlines() or [""])[0]
    return RenderError(
        f"{notebook.name}: cell {err.cell_index} ({code[:60]!r}) raised {err.ename}: {message}",
        ename=err.ename,
        evalue=str(err.evalue),
    )


def notebook_imports(nb: NotebookNode) -> tuple[str, ...]:
    """Modules a notebook imports (and `from a import b` candidates `a.b`), in order.

    A warm kernel imports these before taking its fresh-state snapshot, so import-time side
    effects (a module setting a seaborn theme, say) are part of every town's starting state
    rather than happening only for the first town a kernel renders.
    """
    names: list[str] = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tree = _cell_tree(cell.source)
        if tree is None:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.append(node.module)
                names += [f"{node.module}.{a.name}" for a in node.names if a.name != "*"]
    return tuple(dict.fromkeys(names))


def _cell_tree(source: str) -> ast.Module | None:
    """A code cell's syntax tree; IPython's transforms (magics, shell escapes) only for a cell
    that is not plain Python, so a worker whose notebook has none never imports IPython
    (about 0.2 s of its start-up). Plain Python is what those transforms leave unchanged."""
    with contextlib.suppress(SyntaxError):
        return ast.parse(source)
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        return ast.parse(TransformerManager().transform_cell(source))
    except SyntaxError:
        return None


_imports_cache: dict[tuple[Path, int, int], tuple[str, ...]] = {}


def preload_for(notebook: Path) -> tuple[str, ...]:
    """What a warm kernel imports for `notebook`: the heavy defaults and the notebook's own."""
    stat = notebook.stat()
    key = (notebook, stat.st_mtime_ns, stat.st_size)
    if key not in _imports_cache:
        nb = nbformat.read(notebook, as_version=4)
        _imports_cache[key] = tuple(dict.fromkeys(PRELOAD_MODULES + notebook_imports(nb)))
    return _imports_cache[key]


class WarmKernel:
    """One kernel, started once, reset to a fresh kernel's state before each notebook."""

    def __init__(self, kernel_name: str = KERNEL_NAME, *, startup_timeout: float = 60) -> None:
        self.kernel_name = kernel_name
        self.startup_timeout = startup_timeout
        self.km: AsyncKernelManager | None = None
        self.kc: AsyncKernelClient | None = None
        self.preloaded: frozenset[str] = frozenset()
        self.kernel_start = 0.0
        self.imports = 0.0

    @property
    def alive(self) -> bool:
        return self.km is not None and self.km.has_kernel

    def start(self, cwd: Path | None = None, preload: tuple[str, ...] = PRELOAD_MODULES) -> None:
        """Start the kernel, import `preload` (best effort), and record the fresh state."""
        self.close()
        started = time.perf_counter()
        encryption = "auto" if zmq.has("curve") else "disabled"
        try:
            self.km = AsyncKernelManager(
                kernel_name=self.kernel_name, transport_encryption=encryption
            )
            env = {**{name: "1" for name in SINGLE_THREAD_ENV}, **os.environ}
            run_sync(self.km.start_kernel)(
                extra_arguments=list(KERNEL_ARGS), cwd=str(cwd or Path.cwd()), env=env
            )
            self.kc = self.km.client()
            self.kc.allow_stdin = False
            self.kc.start_channels()
            run_sync(self.kc.wait_for_ready)(timeout=self.startup_timeout)
        except Exception as err:
            self.close()
            raise RenderError(
                f"cannot start Jupyter kernel {self.kernel_name!r}: {err} (install it with "
                f"`python -m ipykernel install --sys-prefix --name {self.kernel_name}`)"
            ) from err
        self._silent(f"__import__({KERNEL_SIDE!r})", self.startup_timeout)
        self.kernel_start = time.perf_counter() - started
        started = time.perf_counter()
        self._silent(f"{_KERNEL_SIDE_CALL}.preload({list(preload)!r})", 600)
        self._silent(f"{_KERNEL_SIDE_CALL}.snapshot()", self.startup_timeout)
        self.preloaded = frozenset(preload)
        self.imports = time.perf_counter() - started

    def execute(
        self,
        notebook: Path,
        parameters: Mapping[str, Any],
        *,
        timeout: float | None = None,
        cwd: Path | None = None,
    ) -> NotebookNode:
        """Run `notebook` with `parameters` from a fresh state; kill the kernel past `timeout`.

        `cwd` (default: the notebook's folder) is the kernel's working folder for this run.
        The kernel (re)starts when it is not running or the notebook imports modules that
        were not preloaded.
        """
        notebook = Path(notebook).resolve()
        cwd = Path(cwd or notebook.parent).resolve()
        preload = preload_for(notebook)
        if not self.alive or not self.preloaded.issuperset(preload):
            self.start(cwd, tuple(dict.fromkeys((*preload, *sorted(self.preloaded)))))
        try:
            self._silent(f"{_KERNEL_SIDE_CALL}.reset({str(cwd)!r})", 30)
        except RenderError as err:
            if err.ename != "KernelNotFresh":
                raise
            self.start(cwd, tuple(dict.fromkeys((*preload, *MATPLOTLIB_MODULES))))
            self._silent(f"{_KERNEL_SIDE_CALL}.reset({str(cwd)!r})", 30)
        fired = threading.Event()

        def expire() -> None:
            fired.set()
            self._kill()

        watchdog = threading.Timer(timeout, expire) if timeout else None
        if watchdog:
            watchdog.daemon = True
            watchdog.start()
        try:
            return _papermill_execute(
                notebook, dict(parameters), self.kernel_name, km=self.km, kc=self.kc
            )
        except Exception as err:
            if fired.is_set():
                self.close()
                raise RenderTimeout(
                    f"{notebook.name}: still running after {timeout:g} s; kernel killed"
                ) from None
            if isinstance(err, PapermillExecutionError):
                raise _execution_error(notebook, err) from None
            self.close()
            if isinstance(err, DeadKernelError):
                raise RenderError(f"{notebook.name}: kernel died: {err}") from None
            raise
        finally:
            if watchdog:
                watchdog.cancel()

    def _silent(self, code: str, timeout: float) -> None:
        """Run code without touching history, the execution count or the notebook outputs."""
        assert self.kc is not None
        kc = self.kc

        async def run() -> dict:
            return await kc.execute_interactive(
                code,
                silent=True,
                store_history=False,
                allow_stdin=False,
                timeout=timeout,
                output_hook=lambda _msg: None,
            )

        try:
            reply = run_sync(run)()["content"]
        except Exception as err:  # a kernel that does not answer is no longer usable
            self.close()
            raise RenderError(f"kernel {self.kernel_name!r} did not respond: {err}") from err
        if reply["status"] != "ok":
            self.close()
            raise RenderError(
                f"kernel {self.kernel_name!r} setup failed: {reply.get('ename')}: "
                f"{reply.get('evalue')}",
                ename=reply.get("ename", ""),
                evalue=reply.get("evalue", ""),
            )

    def _kill(self) -> None:
        """SIGKILL the kernel's process group (it runs in its own session); safe from any thread."""
        provisioner = self.km.provisioner if self.km is not None else None
        pid = getattr(provisioner, "pid", None)
        if pid:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)

    def close(self) -> None:
        """Stop the kernel now; idempotent, callable from any thread or a signal handler."""
        if self.km is None:
            return
        km, kc = self.km, self.kc
        self._kill()
        self.km = self.kc = None
        try:
            if kc is not None:
                kc.stop_channels()
            process = getattr(km.provisioner, "process", None)
            if process is not None:
                process.wait(timeout=5)
            km.cleanup_connection_file()
        except Exception:  # noqa: BLE001 — best effort while tearing down
            pass

    def __enter__(self) -> WarmKernel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def render_notebook(
    notebook: Path,
    parameters: Mapping[str, Any],
    html_out: Path,
    *,
    kernel_name: str = KERNEL_NAME,
    timeout: float | None = 600,
    cwd: Path | None = None,
    links: Sequence[tuple[str, str]] = (),
    home: str = "../index.html",
) -> RenderResult:
    """Render one town in a fresh kernel; write `html_out` atomically only if every cell ran.

    `timeout` is the wall-clock limit for the whole notebook; `cwd` defaults to the notebook's
    folder so relative paths in it (e.g. "../data/processed") resolve as in Jupyter. `links`
    and `home` go to `render_html`.
    """
    notebook = Path(notebook).resolve()
    with WarmKernel(kernel_name) as kernel:
        kernel.start(Path(cwd or notebook.parent).resolve(), preload_for(notebook))
        started = time.perf_counter()
        nb = kernel.execute(notebook, parameters, timeout=timeout, cwd=cwd)
        executed = time.perf_counter() - started
        kernel_start, imports = kernel.kernel_start, kernel.imports
    started = time.perf_counter()
    page = render_html(nb, links=links, home=home)
    write_text(html_out, page)
    return RenderResult(
        html_out=Path(html_out),
        kernel_start=kernel_start,
        imports=imports,
        execute=executed,
        export=time.perf_counter() - started,
    )
