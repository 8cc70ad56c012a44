"""Latência das demonstrações no navegador e peso das páginas do livro que as têm.

1. Latência: cada demonstração de :mod:`cnn_lib.widgets` é posta numa página (a mesma saída ``text/html`` que
   o livro publica, com ``cnn_lib/static/cnn_demos.js``) e aberta no Chromium headless. Para ~40 mudanças
   pelo teclado (seta num controle com foco, como um leitor faria), mede o tempo do evento ``input`` (o
   ``timeStamp`` do evento) até o fim do quadro pintado seguinte (``requestAnimationFrame`` + tarefa
   seguinte). Inclui a espera pelo quadro (60 Hz no headless: até 16,7 ms). Meta: mediana <= 16 ms.
   Mostra também o tempo do cálculo + desenho (dentro do tratador do evento).
2. Peso (``--livro _build/html``): bytes transferidos por cada página com demonstrações, com tudo o que ela
   carrega, servida sem compressão (como o ``http.server`` do Python) e com gzip (como um servidor de páginas
   estáticas comum). Meta: <= 3 MB.

Uso: ``.venv/bin/python benchmarks/widgets.py [--mudancas 40] [--livro _build/html]``
"""

import argparse
import contextlib
import functools
import gzip
import http.server
import os
import shutil
import statistics
import sys
import tempfile
import threading
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

from cnn_lib import widgets

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
META_MS = 16.0
META_MB = 3.0
DEMOS = {
    "conv_explorer": widgets.conv_explorer,
    "stride_padding_explorer": widgets.stride_padding_explorer,
    "pooling_explorer": widgets.pooling_explorer,
    "activation_pipeline": widgets.activation_pipeline,
}

# Registra, para cada evento input, o tempo até o quadro seguinte ter sido pintado, e o tempo do tratador
# (cálculo + desenho) medido logo depois dele, na mesma tarefa.
PROBE = """
() => {
  window.latencies = [];
  window.handlers = [];
  document.addEventListener('input', (event) => {
    const start = event.timeStamp;
    requestAnimationFrame(() => setTimeout(() => window.latencies.push(performance.now() - start), 0));
  }, true);
  for (const root of document.querySelectorAll('[data-demo]')) {
    root.addEventListener('input', (event) => { event.handlerStart = performance.now(); }, true);
    root.addEventListener('input', (event) => window.handlers.push(performance.now() - event.handlerStart));
  }
}
"""


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serve arquivos; com ``gzip`` ligado, comprime texto (HTML, CSS, JS, SVG) como um servidor comum."""

    gzip = False

    def log_message(self, format, *args):
        pass

    def send_head(self):
        path = Path(self.translate_path(self.path))
        compressible = path.suffix in {".html", ".css", ".js", ".svg", ".json", ".txt"}
        if not (
            self.gzip
            and compressible
            and path.is_file()
            and "gzip" in self.headers.get("Accept-Encoding", "")
        ):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), 6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return _Bytes(body)


class _Bytes:
    def __init__(self, body: bytes):
        self.body = body

    def read(self, *_):
        body, self.body = self.body, b""
        return body

    def close(self):
        pass


@contextlib.contextmanager
def serve(directory: Path, compress: bool = False):
    handler = functools.partial(type("H", (_Handler,), {"gzip": compress}), directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _demo_page(folder: Path) -> None:
    shutil.copy(ROOT / "cnn_lib" / "static" / "cnn_demos.js", folder)
    body = "".join(f"<section>{make()._static_html()}</section>" for make in DEMOS.values())
    (folder / "index.html").write_text(
        '<!doctype html><html lang="pt-BR"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width">'
        '<script type="module" src="cnn_demos.js"></script>'
        f"</head><body>{body}</body></html>",
        encoding="utf-8",
    )


def measure_latency(chromium, base: str, changes: int) -> None:
    page = chromium.new_page(viewport={"width": 1100, "height": 900})
    page.goto(f"{base}/index.html")
    page.wait_for_function("document.querySelectorAll('[data-demo][data-state]').length === 4")
    page.evaluate(PROBE)
    header = (
        f"{'demonstração':<26}{'mudanças':>9}{'mediana (ms)':>14}{'p90 (ms)':>10}{'cálculo+desenho (ms)':>22}"
    )
    print(header)
    print("-" * len(header))
    for index, name in enumerate(DEMOS):
        page.evaluate("() => { window.latencies.length = 0; window.handlers.length = 0; }")
        spec = page.evaluate(
            "(i) => [...document.querySelectorAll('[data-demo]')[i].querySelectorAll('[data-control]')]"
            ".map((box) => box.dataset.control)",
            index,
        )
        for step in range(changes):
            control = spec[step % len(spec)]
            box = f'[data-demo="{name}"] [data-control="{control}"]'
            target = page.locator(f'{box} input[type="range"], {box} input:checked').first
            target.focus()
            page.keyboard.press("ArrowRight" if (step // len(spec)) % 2 == 0 else "ArrowLeft")
            page.evaluate("() => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 20)))")
        latencies = page.evaluate("() => window.latencies")
        handlers = page.evaluate("() => window.handlers")
        median = statistics.median(latencies)
        quantiles = statistics.quantiles(latencies, n=10)
        print(
            f"{name:<26}{len(latencies):>9}{median:>14.1f}{quantiles[-1]:>10.1f}"
            f"{statistics.median(handlers):>22.1f}"
            f"   {'dentro' if median <= META_MS else 'FORA'} da meta"
        )
    page.close()


def page_weight(chromium, base: str, url_path: str) -> tuple[float, list]:
    page = chromium.new_page()
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    sizes: dict[str, list] = {}
    cdp.on("Network.responseReceived", lambda e: sizes.setdefault(e["requestId"], [e["response"]["url"], 0]))
    cdp.on(
        "Network.loadingFinished",
        lambda e: sizes.get(e["requestId"], [None, 0]).__setitem__(1, e["encodedDataLength"]),
    )
    outside: list[str] = []
    page.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(base)
            else (outside.append(route.request.url), route.abort())
        ),
    )
    page.goto(f"{base}/{url_path}")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)
    page.close()
    largest = sorted(sizes.values(), key=lambda item: -item[1])[:4]
    assert not outside, f"{url_path} pediu recursos de fora: {outside[:3]}"
    return sum(size for _, size in sizes.values()) / 1e6, [
        (url.replace(base, ""), size) for url, size in largest
    ]


def measure_weight(chromium, html: Path, pages: list[str]) -> None:
    pages = pages or sorted(
        str(path.relative_to(html)) for path in html.rglob("*.html") if "cnn-demo-static" in path.read_text()
    )
    print(f"\n{'página com demonstrações':<42}{'sem compressão (MB)':>21}{'gzip (MB)':>11}")
    for url_path in pages:
        results = []
        for compress in (False, True):
            with serve(html, compress) as base:
                results.append(page_weight(chromium, base, url_path))
        (plain, largest), (zipped, _) = results
        verdict = "dentro" if zipped <= META_MB else "FORA"
        print(f"{url_path:<42}{plain:>21.2f}{zipped:>11.2f}   {verdict} da meta com gzip")
        print("   maiores: " + ", ".join(f"{url.split('?')[0]} {size / 1e3:.0f} kB" for url, size in largest))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mudancas", type=int, default=40, help="mudanças por demonstração (padrão 40)")
    parser.add_argument("--livro", type=Path, help="pasta do HTML construído, para medir o peso das páginas")
    parser.add_argument(
        "--paginas", nargs="*", default=[], help="páginas a pesar (padrão: as que têm demonstrações)"
    )
    parser.add_argument("--sem-latencia", action="store_true", help="só o peso das páginas")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    print(f"carga média da máquina (1 min): {os.getloadavg()[0]:.1f} em {os.cpu_count()} núcleos\n")
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as folder:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        if not args.sem_latencia:
            _demo_page(Path(folder))
            with serve(Path(folder)) as base:
                measure_latency(chromium, base, args.mudancas)
        if args.livro:
            measure_weight(chromium, args.livro, args.paginas)
        chromium.close()
    sys.stdout.flush()


if __name__ == "__main__":
    main()
