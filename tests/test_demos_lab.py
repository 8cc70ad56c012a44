"""As mesmas demonstrações no JupyterLab: um ``jupyter lab`` local (127.0.0.1, porta livre, token), iniciado e
parado por este teste, e o Chromium do Debian com todo outro host bloqueado.

O notebook cria as quatro demonstrações que recalculam no navegador; o teste confere que o mesmo componente
(``cnn_demos.js``, pelo anywidget) desenha cada uma, que o ``data-state`` é o ``state`` do cnn_lib para os
``data-controls``, que mover um controle pelo teclado redesenha e que o valor novo chega ao Python (o kernel).
"""

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import nbformat
import pytest
from book_utils import CHROMIUM, CHROMIUM_ARGS
from demo_pages import PYTHON_DEMOS, assert_same_state, only_local, python_state

pytestmark = pytest.mark.slow

CELLS = [
    "import json\nfrom cnn_lib import widgets",
    *[f"{name} = widgets.{name}()\n{name}" for name in PYTHON_DEMOS],
    "print(json.dumps({nome: demo.values for nome, demo in [%s]}))"  # noqa: UP031
    % ", ".join(f"({name!r}, {name})" for name in PYTHON_DEMOS),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """Um JupyterLab em 127.0.0.1 com o notebook das demonstrações; devolve (url base, token)."""
    folder = tmp_path_factory.mktemp("lab")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code) for code in CELLS])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, folder / "demos.ipynb")
    port, token = _free_port(), secrets.token_hex(16)
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={folder}",
        "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]  # fmt: skip
    environment = {**os.environ, "JUPYTER_CONFIG_DIR": str(folder / ".jupyter"), "PYTHONUNBUFFERED": "1"}
    log = open(folder / "lab.log", "w")
    server = subprocess.Popen(
        command, cwd=folder, env=environment, stdout=log, stderr=log, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                assert server.poll() is None, (folder / "lab.log").read_text()[-3000:]
                time.sleep(0.5)
        yield base, token
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()


def test_demos_work_in_jupyterlab(lab):
    from playwright.sync_api import sync_playwright

    base, token = lab
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = chromium.new_page(viewport={"width": 1300, "height": 1000})
        outside, errors = [], []
        only_local(page, base, outside)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on(
            "console",
            lambda m: (
                errors.append(m.text)
                if m.type == "error"
                and any(word in m.text.lower() for word in ("anywidget", "cnn", "widget"))
                else None
            ),
        )
        page.goto(f"{base}/lab/tree/demos.ipynb?token={token}")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
        page.get_by_text("| Idle").first.wait_for(timeout=90_000)  # o kernel está pronto
        page.locator(".jp-Notebook .jp-Cell .jp-InputArea-editor").first.click()
        page.keyboard.press("Escape")
        for _ in CELLS:  # roda célula a célula, como o leitor, com Shift+Enter
            page.keyboard.press("Shift+Enter")
        page.wait_for_function(
            f"document.querySelectorAll('[data-demo][data-state]').length === {len(PYTHON_DEMOS)}",
            timeout=120_000,
        )
        roots = page.locator("[data-demo]")
        for index, name in enumerate(PYTHON_DEMOS):
            root = roots.nth(index)
            assert root.get_attribute("data-demo") == name
            controls = json.loads(root.get_attribute("data-controls"))
            expected = python_state(PYTHON_DEMOS[name](), controls)
            assert_same_state(json.loads(root.get_attribute("data-state")), expected, f"lab {name}")
            # um controle deslizante pelo teclado: o desenho e o data-state mudam
            slider = root.locator('input[type="range"]').first
            before = root.get_attribute("data-state")
            slider.focus()
            page.keyboard.press("ArrowRight")
            page.wait_for_function(
                "([i, before]) => document.querySelectorAll('[data-demo]')[i].dataset.state !== before",
                arg=[index, before],
            )
            controls = json.loads(root.get_attribute("data-controls"))
            expected = python_state(PYTHON_DEMOS[name](), controls)
            assert_same_state(json.loads(root.get_attribute("data-state")), expected, f"lab {name} (teclado)")
        # latência no JupyterLab, como no benchmark: do input pelo teclado ao quadro pintado seguinte
        page.evaluate(
            """() => { window.latencies = []; document.addEventListener('input', (event) => {
                 const start = event.timeStamp;
                 const done = () => window.latencies.push(performance.now() - start);
                 requestAnimationFrame(() => setTimeout(done, 0));
               }, true); }"""
        )
        slider = roots.nth(0).locator('input[type="range"]').nth(1)  # strides, no explorador da convolução
        slider.focus()
        for step in range(20):
            page.keyboard.press("ArrowRight" if step % 4 < 2 else "ArrowLeft")
            page.wait_for_timeout(60)
        latencies = sorted(page.evaluate("() => window.latencies"))
        median = latencies[len(latencies) // 2]
        print(f"JupyterLab, explorador da convolução: mediana {median:.1f} ms do input ao quadro pintado")
        assert len(latencies) >= 10
        # os valores novos chegaram ao kernel: a última célula imprime demo.values de cada demonstração
        moved = {
            name: json.loads(roots.nth(index).get_attribute("data-controls"))
            for index, name in enumerate(PYTHON_DEMOS)
        }
        last = page.locator(".jp-Notebook .jp-Cell").nth(len(CELLS) - 1)  # Shift+Enter criou uma vazia depois
        output = last.locator(".jp-OutputArea-output").first
        before = output.inner_text()
        last.locator(".jp-InputArea-editor").click()
        page.keyboard.press("Shift+Enter")
        page.wait_for_function(
            "([index, before]) => { const cell = document.querySelectorAll('.jp-Notebook .jp-Cell')[index];"
            " const output = cell.querySelector('.jp-OutputArea-output');"
            " return output && output.textContent.trim() !== before.trim(); }",
            arg=[len(CELLS) - 1, before],
        )
        assert json.loads(output.inner_text()) == moved
        assert outside == [], f"o JupyterLab pediu recursos de fora: {outside[:5]}"
        assert errors == [], errors
        chromium.close()
