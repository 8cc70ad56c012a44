"""O HTML dos alunos fica inerte no retorno e no notebook corrigido que o formgrader mostra.

Peças puras: :func:`cnn_grader.html.html_is_inert` e :class:`cnn_grader.html.InertHTML` contra cada forma de
HTML ativo (Markdown com ``<img onerror>``, links ``javascript:``, saídas ``text/html`` com ``<script>``,
``application/javascript``, ``text/markdown``, SVG com script, LaTeX, células *raw*, metadados). De ponta a
ponta: uma entrega com tudo isso passa por ``nbgrader autograde`` e ``generate_feedback`` de verdade, e as
páginas (o retorno e o notebook corrigido renderizado como o formgrader o renderiza) abrem no Chromium, que
registra qualquer script que rode, qualquer diálogo e qualquer pedido de rede.
"""

import shutil
import socket
import subprocess
import time
import urllib.request
from functools import partial
from pathlib import Path

import nbformat
import pytest
from book_utils import CHROMIUM, CHROMIUM_ARGS
from nbconvert.exporters import HTMLExporter
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell
from nbgrader_utils import (
    BIN,
    autograde,
    feedback_html,
    fill,
    generate,
    generate_feedback,
    make_course,
    nbgrader_env,
    scores,
    solution_sources,
    source_notebook,
    submit,
)
from test_sandbox import require_isolation

from cnn_grader.html import InertHTML, html_is_inert, markdown_is_inert

ASSIGNMENT = "ex02_dimensoes"
# Cada carga registra a própria execução em window.__xss (ou abre um diálogo, ou pede algo à rede).
MARK = "(window.__xss=(window.__xss||[])).push"
ACTIVE_MARKDOWN = [
    f'<img src=x onerror="{MARK}(1)">',
    f"<script>{MARK}(2)</script>",
    f"[clique](javascript:{MARK}(3))",
    f"![imagem](javascript:{MARK}(4))",
    f'<a href="jav&#x61;script:{MARK}(5)">x</a>',
    f"<svg onload={MARK}(6)></svg>",
    f'<iframe srcdoc="<script>parent.{MARK}(7)</script>"></iframe>',
    f"<details open ontoggle={MARK}(8)>",
    "<style>@import 'http://127.0.0.1:9/x.css';</style>",
    f"<javascript:{MARK}(9)>",
    f'<a href="\tjavascript:{MARK}(10)">x</a>',
    f'<img src="x" alt="`" onerror="{MARK}(11)">',
    f'\\`<img src=x onerror="{MARK}(12)">`',
]
ACTIVE_OUTPUTS = {
    "text/html": f"<script>{MARK}('html')</script><img src=x onerror=\"{MARK}('img')\">",
    "application/javascript": f"{MARK}('js')",
    "text/markdown": f"<img src=x onerror=\"{MARK}('md')\">",
    "image/svg+xml": f"<svg xmlns='http://www.w3.org/2000/svg'><script>{MARK}('svg')</script></svg>",
    "text/latex": "$\\href{javascript:alert(1)}{x}$",
    "application/vnd.jupyter.widget-view+json": {"model_id": "x", "version_major": 2, "version_minor": 0},
}


@pytest.mark.parametrize("source", ACTIVE_MARKDOWN)
def test_active_markdown_is_detected(source):
    assert not markdown_is_inert(source)


def test_instructor_markdown_stays_as_written():
    """Toda célula de texto dos enunciados passa como está: só o que é ativo vira texto."""
    for path in sorted(Path(source_notebook(ASSIGNMENT)).parents[1].glob("*/*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "markdown":
                assert markdown_is_inert(cell.source), (path.name, cell.source[:200])


def test_html_check_accepts_plain_markup_only():
    assert html_is_inert('<p><strong>a</strong> &lt;b&gt; <a href="#x">x</a> <img src="a.png" alt="y" /></p>')
    assert not html_is_inert('<p style="background:url(javascript:x)">a</p>')
    assert not html_is_inert("<p>a <b")


def attack_notebook():
    cells = [new_markdown_cell(source) for source in ACTIVE_MARKDOWN]
    outputs = [new_output("display_data", data={mime: value}) for mime, value in ACTIVE_OUTPUTS.items()]
    outputs += [
        new_output("display_data", data={"image/png": f'x" onerror="{MARK}(13)'}),
        new_output("execute_result", data={"text/plain": "<script>ok</script>"}, execution_count=1),
        new_output("stream", name="stdout", text=f"<script>{MARK}('stream')</script>"),
        new_output("error", ename="<b>x</b>", evalue=f"<img src=x onerror={MARK}(14)>", traceback=[]),
    ]
    code = new_code_cell("x = 1", outputs=outputs)
    code.metadata.tags = ['"><script>alert(1)</script>']
    raw = new_raw_cell(f"<script>{MARK}('raw')</script>")
    raw.metadata.raw_mimetype = "text/html"
    nb = new_notebook(cells=[*cells, code, raw])
    nb.metadata.title = f"</title><script>{MARK}('title')</script>"
    return nb


def test_inert_html_keeps_only_safe_outputs_and_text():
    nb, _ = InertHTML().preprocess(attack_notebook(), {})
    code = next(cell for cell in nb.cells if cell.cell_type == "code")
    for output in code.outputs:
        assert set(output.get("data", {})) <= {"text/plain", "image/png", "image/jpeg"}
        assert "metadata" not in output or not output.metadata
    assert all(not markdown_is_inert(source) for source in ACTIVE_MARKDOWN)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            assert markdown_is_inert(cell.source)
    assert "title" not in nb.metadata and code.metadata.tags == []
    again, _ = InertHTML().preprocess(nbformat.from_dict(nbformat.v4.upgrade(nb)), {})
    assert [cell.source for cell in again.cells] == [cell.source for cell in nb.cells]  # idempotente


# --- no navegador


def _only_files(requests, route, allowed=("file:",)):
    if route.request.url.startswith(allowed):
        route.continue_()
    else:
        requests.append(route.request.url)
        route.abort()


def _record_dialog(dialogs, dialog):
    dialogs.append(dialog.message)
    dialog.dismiss()


def browse(paths, allowed=("file:",)):
    """Abre cada página no Chromium sem rede; devolve, por página, o que rodou, os diálogos e os pedidos.

    ``paths`` são arquivos ou endereços; só pedidos que começam por ``allowed`` saem do navegador.
    """
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium ausente (make system)")
    found = {}
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for path in paths:
            page = browser.new_page()
            requests, dialogs = [], []
            page.route("**/*", partial(_only_files, requests, allowed=allowed))
            page.on("dialog", partial(_record_dialog, dialogs))
            page.goto(path if str(path).startswith("http") else Path(path).as_uri(), wait_until="load")
            page.wait_for_timeout(1500)
            for link in page.query_selector_all("a[href]"):
                href = link.get_attribute("href") or ""
                assert not href.strip().lower().startswith("javascript"), href
            ran = [mark for frame in page.frames for mark in frame.evaluate("window.__xss || []")]
            text = page.inner_text("body")
            found[str(path)] = {"ran": ran, "dialogs": dialogs, "requests": requests, "text": text}
            page.close()
        browser.close()
    return found


@pytest.fixture(scope="module")
def graded_html(tmp_path_factory):
    """Uma turma do ex02: um aluno honesto e um com HTML ativo por toda parte, corrigidos e com retorno."""
    require_isolation()
    course = make_course(tmp_path_factory.mktemp("html"), [ASSIGNMENT])
    release = generate(course, ASSIGNMENT)
    answers = solution_sources(source_notebook(ASSIGNMENT))
    submit(course, ASSIGNMENT, "honesto", fill(release, answers))
    hostile = fill(release, answers)
    attack = attack_notebook()
    code = (
        "from IPython.display import display\n"
        f"for mime, valor in {ACTIVE_OUTPUTS!r}.items():\n"
        "    display({mime: valor, 'text/plain': 'ativo'}, raw=True)\n"
        f"print({ACTIVE_MARKDOWN[1]!r})\n"
        f"raise ValueError({ACTIVE_MARKDOWN[0]!r})"
    )
    hostile.cells[1:1] = [cell for cell in attack.cells if cell.cell_type != "code"] + [new_code_cell(code)]
    hostile.metadata.title = attack.metadata.title
    submit(course, ASSIGNMENT, "hostil", hostile)
    autograde(course, ASSIGNMENT)
    generate_feedback(course, ASSIGNMENT)
    # O formgrader mostra o notebook corrigido com o HTMLExporter do nbconvert: o mesmo, aqui, numa página.
    pages = {}
    for student in ("honesto", "hostil"):
        notebook = course / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        html, _ = HTMLExporter().from_notebook_node(nbformat.read(notebook, as_version=4))
        pages[("formgrader", student)] = course / f"{student}-corrigido.html"
        pages[("formgrader", student)].write_text(html, encoding="utf-8")
        pages[("retorno", student)] = course / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html"
    return {"course": course, "pages": pages, "scores": scores(course, ASSIGNMENT)}


@pytest.mark.slow
def test_no_student_script_runs_in_feedback_or_graded_pages(graded_html):
    found = browse(graded_html["pages"].values())
    for path, seen in found.items():
        assert seen["ran"] == [] and seen["dialogs"] == [], (path, seen)
        assert not any("127.0.0.1" in url or url.endswith("/x") for url in seen["requests"]), seen["requests"]


@pytest.mark.slow
def test_html_attacks_do_not_change_the_grade_and_stay_readable(graded_html):
    totals = {student: score.total for student, score in graded_html["scores"].items()}
    assert totals == {"honesto": 9, "hostil": 9}
    page = feedback_html(graded_html["course"], ASSIGNMENT, "hostil")
    assert "mostrado como texto pela correção" in page and "onerror" in page  # visível, mas inerte
    assert "<script>" not in page.split("</head>", 1)[1].replace("&lt;script&gt;", "")


@pytest.mark.slow
def test_html_pages_of_the_whole_class_are_inert_in_chromium_too(graded_html, tmp_path):
    """A página do aluno honesto continua mostrando os enunciados e as respostas."""
    honest = browse([graded_html["pages"][("retorno", "honesto")]])
    (seen,) = honest.values()
    assert "tamanho_saida" in seen["text"] and seen["ran"] == []
    shutil.rmtree(tmp_path, ignore_errors=True)


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_no_student_script_runs_in_the_real_formgrader(graded_html, tmp_path):
    """O formgrader de verdade (jupyter server com a extensão do nbgrader) mostrando a entrega hostil."""
    from nbgrader.api import Gradebook

    course, port, token = graded_html["course"], _free_port(), "teste-formgrader"
    env = dict(nbgrader_env(), HOME=str(tmp_path), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    command = [str(BIN / "jupyter"), "server", "--allow-root", "--ip=127.0.0.1", f"--port={port}"]
    command += [f"--IdentityProvider.token={token}", "--ServerApp.open_browser=False"]
    with open(tmp_path / "servidor.log", "wb") as log:
        server = subprocess.Popen(command, cwd=course, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                assert time.monotonic() < deadline, (tmp_path / "servidor.log").read_text()[-2000:]
                time.sleep(1)
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
            submission = gradebook.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, "hostil").id
        url = f"{base}/formgrader/submissions/{submission}/?token={token}"
        (seen,) = browse([url], allowed=(base,)).values()
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert "tamanho_saida" in seen["text"], seen["text"][:500]
    assert seen["ran"] == [] and seen["dialogs"] == [], seen
