"""One town through papermill + nbconvert: offline, deterministic HTML; clear failures."""

from __future__ import annotations

import base64
import re
import struct
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import papermill
import psutil
import pytest
from bs4 import BeautifulSoup
from nbconvert import HTMLExporter

from hopeful.reports import notebook_to_html as render

NOTEBOOK = Path(__file__).parent / "fixtures" / "mini_report.ipynb"


@pytest.fixture(scope="module")
def gravesend(mini_processed: Path, tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    """Gravesend rendered twice in fresh kernels (in parallel threads), as bytes."""
    out = tmp_path_factory.mktemp("pages")
    params = {"town": "E35000001", "processed_dir": str(mini_processed)}
    with ThreadPoolExecutor(2) as pool:
        results = list(
            pool.map(
                lambda i: render.render_notebook(NOTEBOOK, params, out / f"run{i}.html"), (1, 2)
            )
        )
    for result in results:
        assert result.kernel_start > 0 and result.imports > 0
        assert result.execute > 0 and result.export > 0
        assert "kernel start" in result.timings_text()
    return [r.html_out.read_bytes() for r in results]


def test_same_inputs_give_byte_identical_html(gravesend: list[bytes]) -> None:
    assert gravesend[0] == gravesend[1]


@pytest.fixture(scope="module")
def plain_run(mini_processed: Path) -> nbformat.NotebookNode:
    """Gravesend executed by plain `papermill.execute_notebook`, none of our kernel handling."""
    return papermill.execute_notebook(
        str(NOTEBOOK),
        None,
        parameters={"town": "E35000001", "processed_dir": str(mini_processed)},
        kernel_name="hopeful",
        cwd=str(NOTEBOOK.parent),
        extra_arguments=list(render.KERNEL_ARGS),
        progress_bar=False,
    )


def test_fresh_render_matches_plain_papermill(
    gravesend: list[bytes], plain_run: nbformat.NotebookNode
) -> None:
    """Preloading, gc.freeze and the reset leave the outputs exactly as a plain papermill run."""
    assert render.render_html(plain_run).encode() == gravesend[0]


def test_report_exporter_is_nbconvert_without_its_reserialisation(
    gravesend: list[bytes], plain_run: nbformat.NotebookNode
) -> None:
    """Skipping HTMLExporter's BeautifulSoup pass changes how the page is spelled, not what it
    is: parsed and re-serialised, ours is byte for byte what the stock exporter writes."""
    stock = HTMLExporter(
        config=render.exporter_config(),
        template_name=render.TEMPLATE_NAME,
        extra_template_basedirs=[str(render.TEMPLATE_DIR)],
    )
    theirs = render.render_html(plain_run, exporter=stock)
    ours = gravesend[0].decode()
    assert ours != theirs  # the pass does re-spell the page ...
    assert str(BeautifulSoup(ours, features="html.parser")) == theirs  # ... and nothing more
    assert f'alt="{render.DEFAULT_ALT}"' in ours


def test_page_shows_outputs_only_and_loads_nothing(
    gravesend: list[bytes], mini_processed: Path
) -> None:
    page = gravesend[0].decode()
    assert page.startswith("<!DOCTYPE html>")
    assert "<title>Gravesend</title>" in page
    assert '<h1 id="Gravesend">Gravesend' in page
    assert "Population <strong>53,045</strong>" in page
    assert "towns rendered by this kernel: 1\n" in page
    # inputs, prompts and both parameter cells are gone
    assert "read_csv" not in page and "sns.barplot" not in page
    assert "processed_dir" not in page and str(mini_processed) not in page
    assert 'id="cell-id=parameters"' not in page
    assert "In&nbsp;[" not in page and "Out[" not in page
    # offline: no scripts, stylesheets, fonts or remote images
    assert "<script" not in page and "<link" not in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "@import" not in page and "mathjax" not in page.lower()


def _png_chunks(png: bytes) -> list[bytes]:
    chunks, pos = [], 8
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        chunks.append(png[pos + 4 : pos + 8])
        pos += 12 + length
    return chunks


def test_figure_is_embedded_png_without_software_text(gravesend: list[bytes]) -> None:
    encoded = re.findall(rb'src="data:image/png;base64,([^"]+)"', gravesend[0])
    assert len(encoded) == 1
    png = base64.b64decode(encoded[0])
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    chunks = _png_chunks(png)
    assert chunks[0] == b"IHDR" and chunks[-1] == b"IEND"
    assert b"tEXt" not in chunks and b"Matplotlib" not in png


def test_notebook_error_names_the_cell_and_writes_nothing(
    mini_processed: Path, tmp_path: Path
) -> None:
    out = tmp_path / "nowhere.html"
    out.write_text("previous good report")
    params = {"town": "E35999999", "processed_dir": str(mini_processed)}
    with pytest.raises(render.RenderError) as caught:
        render.render_notebook(NOTEBOOK, params, out)
    message = str(caught.value)
    assert "mini_report.ipynb: cell" in message
    assert "LookupError: no town 'E35999999'" in message
    assert caught.value.ename == "LookupError"
    assert out.read_text() == "previous good report"
    assert [p.name for p in tmp_path.iterdir()] == ["nowhere.html"]


def test_hung_notebook_is_killed_at_the_timeout(mini_processed: Path) -> None:
    kernel = render.WarmKernel()
    try:
        kernel.execute(NOTEBOOK, {"town": "E35000002", "processed_dir": str(mini_processed)})
        pid = kernel.km.provisioner.pid
        started = time.perf_counter()
        with pytest.raises(render.RenderTimeout, match="still running after 2 s"):
            kernel.execute(
                NOTEBOOK, {"town": "E35000004", "processed_dir": str(mini_processed)}, timeout=2
            )
        assert time.perf_counter() - started < 10
        assert not kernel.alive
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == "zombie"
    finally:
        kernel.close()


def test_notebook_imports_are_found_statically() -> None:
    cell, md = nbformat.v4.new_code_cell, nbformat.v4.new_markdown_cell
    nb = nbformat.v4.new_notebook(
        cells=[
            cell("%matplotlib inline\nimport a.b as c, d\nfrom e import f\nfrom k import *"),
            cell("from . import g"),
            md("import not_code"),
            cell("def broken(:"),
            cell("if True:\n    import d\n    from h.i import j"),
        ]
    )
    assert render.notebook_imports(nb) == ("a.b", "d", "e", "e.f", "k", "h.i", "h.i.j")


@pytest.mark.parametrize(
    "snippet",
    [
        '<script src="https://cdn.example/x.js"></script>',
        "<script>alert(1)</script>",
        '<link rel="stylesheet" href="https://fonts.example/css">',
        '<img src="http://example.org/a.png">',
        "<style>@import url(//fonts.example/f.css);</style>",
        '<div style="background: url(https://example.org/b.png)"></div>',
        # issue 16, class 7: what the first version let through
        '<svg><image href="https://example.org/c.png"/></svg>',
        '<svg><image xlink:href="data:image/png;base64,AAAA"/></svg>',
        '<img src="&#x2F;&#x2F;example.org/d.png">',
        '<img src="&#104;ttps://example.org/e.png">',
        '<a href="&#106;avascript:alert(1)">x</a>',
        "<a href='&#x6A;avascript&colon;alert(1)'>x</a>",
        "<div style=\"background-image: image-set('https://example.org/f.png' 1x)\"></div>",
        # the check lowers ASCII letters of the page's bytes: any case, after any non-ASCII text
        "<SCRIPT>alert(1)</SCRIPT>",
        '<IMG SRC="HTTPS://example.org/g.png">',
        "Ynys Môn, İstanbul, 東京 <a HREF='JaVaScRiPt:alert(1)'>x</a>",
        'Ynys Môn <img sRc="&#X2F;&#X2F;example.org/h.png">',
    ],
)
def test_check_offline_refuses_remote_loads(snippet: str) -> None:
    with pytest.raises(render.RenderError, match="external content"):
        render.check_offline(f"<html><body>{snippet}</body></html>")


def test_check_offline_allows_links_and_urls_in_text() -> None:
    render.check_offline(
        '<p>Source: https://www.ons.gov.uk, <a href="https://www.ons.gov.uk/x">ONS</a>, '
        '<img src="data:image/png;base64,AAAA"></p>'
    )


def test_bidi_overrides_in_data_are_removed_from_the_page() -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Grave\u202esend\u2066 x\u2069")]
    page = render.render_html(nb)
    assert not any(ch in page for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    assert "Gravesend" in page


def test_a_print_split_into_two_stream_messages_renders_as_one_block() -> None:
    """Under load a kernel may send `print`'s text and newline as two stream outputs; the page
    must not depend on that."""
    code = "print('towns rendered by this kernel: 1')"

    def notebook(*texts: str) -> nbformat.NotebookNode:
        outputs = [nbformat.v4.new_output("stream", name="stdout", text=t) for t in texts]
        outputs.append(nbformat.v4.new_output("stream", name="stderr", text="warning\n"))
        return nbformat.v4.new_notebook(
            cells=[nbformat.v4.new_code_cell(code, outputs=outputs, id="print")]
        )

    split = render.render_html(notebook("towns rendered by this kernel: 1", "\n"))
    whole = render.render_html(notebook("towns rendered by this kernel: 1\n"))
    assert split == whole
    assert split.count("towns rendered by this kernel: 1") == 1
    assert "output_stderr" in split  # a stream of another name stays its own block
