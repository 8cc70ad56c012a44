"""As demonstrações vivas no livro em HTML: sem kernel, sem internet, com os mesmos números do cnn_lib.

Em cada página de capítulo com demonstrações, no Chromium com todo host que não seja o servidor local
bloqueado: o ``data-state`` de cada ``[data-demo]`` é comparado com o ``state`` do Python em muitas
combinações dos controles (todas, onde são poucas); cada controle é movido pelo teclado e pelo mouse e muda o
desenho e o ``data-state``; a página não tem erro no console nem pede nada de fora; os controles cabem numa
tela de 375 px e o texto continua legível no modo escuro.

Por padrão usa o livro construído pelo fixture ``built_book``; ``CNN_DEMOS_HTML=/pasta/_build/html`` testa
outra construção (por exemplo, a prévia de ``tools/preview_build.sh``).
"""

import json
import os
from pathlib import Path

import numpy as np
import pytest
from book_utils import CHROMIUM, CHROMIUM_ARGS, serve, toc_files
from demo_pages import (
    PYTHON_DEMOS,
    all_controls,
    assert_same_state,
    feature_map_expected,
    only_local,
    python_state,
    random_controls,
    set_controls,
)

pytestmark = pytest.mark.slow

# Mensagens do tema que aparecem em toda página do livro, com ou sem demonstrações (não vêm do cnn_demos.js):
# o sphinx-thebe declara THEBE_JS_URL duas vezes e o pydata-sphinx-theme reclama do <html> sem data-mode.
THEME_MESSAGES = ("Identifier 'THEBE_JS_URL' has already been declared", "Got invalid theme mode")
SAMPLES = {"conv_explorer": 150, "stride_padding_explorer": 150, "activation_pipeline": 24}


@pytest.fixture(scope="module")
def site(request):
    folder = os.environ.get("CNN_DEMOS_HTML")
    root = Path(folder) if folder else request.getfixturevalue("built_book")
    pages = [
        f"{name}.html"
        for name in toc_files()
        if (root / f"{name}.html").exists() and "cnn-demo-static" in (root / f"{name}.html").read_text()
    ]
    assert pages, f"nenhuma página com demonstrações em {root}"
    return root, pages


@pytest.fixture(scope="module")
def browser(site):
    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium não encontrado: rode `make browser` (apt-get install chromium).")
    from playwright.sync_api import sync_playwright

    with serve(site[0]) as base, sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield base, chromium
        chromium.close()


def open_page(browser, url_path, **options):
    """Abre a página e espera as demonstrações publicarem ``data-state``; devolve (página, problemas)."""
    base, chromium = browser
    page = chromium.new_page(**options)
    problems = {"externas": [], "console": [], "falhas": []}
    only_local(page, base, problems["externas"])

    def note(text):
        if not text.startswith(THEME_MESSAGES):
            problems["console"].append(text)

    page.on("console", lambda message: note(message.text) if message.type in ("error", "warning") else None)
    page.on("pageerror", lambda error: note(str(error)))
    page.on("requestfailed", lambda r: problems["falhas"].append(r.url) if r.url.startswith(base) else None)
    page.goto(f"{base}/{url_path}")
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        "[...document.querySelectorAll('.cnn-demo-static')]"
        ".every((host) => host.querySelector('[data-demo][data-state]'))"
    )
    return page, problems


def demos_on(page) -> list[tuple[int, str, dict]]:
    """(índice, nome, dados iniciais) de cada demonstração da página."""
    return page.evaluate(
        """() => [...document.querySelectorAll('[data-demo]')].map((root, index) => [index, root.dataset.demo,
             JSON.parse(root.closest('.cnn-demo-static').querySelector('script[type="application/json"]').textContent)])"""
    )


def test_every_computed_demo_is_in_some_page(site):
    root, pages = site
    text = " ".join((root / page).read_text() for page in pages)
    assert all(f'"demo": "{name}"' in text for name in PYTHON_DEMOS), pages


def test_data_state_equals_cnn_lib(browser, site):
    """Em cada página, cada demonstração: data-state = state do Python, em todas ou muitas combinações."""
    rng = np.random.default_rng(13)
    checked = {}
    for url_path in site[1]:
        page, problems = open_page(browser, url_path)
        for index, name, init in demos_on(page):
            if name == "feature_map_explorer":
                combinations = [
                    {"layer": layer, "index": image}
                    for layer in init["data"]["maps"]
                    for image in range(init["data"]["images"]["shape"][0])
                ]
            elif name in SAMPLES:
                combinations = [random_controls(name, rng) for _ in range(SAMPLES[name])]
            else:
                combinations = all_controls(name)
            python = PYTHON_DEMOS[name]() if name in PYTHON_DEMOS else None
            for wanted in combinations:
                controls, state = set_controls(page, index, wanted)
                if python is None:
                    assert controls == wanted
                    assert_same_state(state, feature_map_expected(init, controls), f"{url_path} {name}")
                    continue
                expected = python_state(python, controls)
                assert_same_state(state, expected, f"{url_path} {name} {controls}")
                if "error" not in expected:
                    assert controls == python.values, (controls, python.values)
            checked[f"{url_path} #{index} {name}"] = len(combinations)
        assert problems == {"externas": [], "console": [], "falhas": []}, f"{url_path}: {problems}"
        page.close()
    print("combinações comparadas:", json.dumps(checked, ensure_ascii=False, indent=1))


MOVE_BY_KEYBOARD = """
async ([index, name, key]) => {
  const root = document.querySelectorAll('[data-demo]')[index];
  const box = root.querySelector(`[data-control="${name}"]`);
  const target = box.querySelector('input[type="range"]') || box.querySelector('input:checked');
  target.focus();
  return document.activeElement === target;
}
"""

SNAPSHOT = """
(index) => {
  const root = document.querySelectorAll('[data-demo]')[index];
  const canvases = [...root.querySelectorAll('canvas')].map((c) => c.toDataURL()).join();
  const error = root.querySelector('.cnn-error');
  const drawing = root.querySelector('.cnn-figure').innerHTML + canvases + error.hidden + error.textContent;
  return [root.dataset.controls, root.dataset.state, drawing,
          (root.querySelector('[aria-live]')?.textContent ?? '') + error.textContent];
}
"""


def wait_published(page, index, before_controls, label):
    try:
        page.wait_for_function(
            "([i, before]) => document.querySelectorAll('[data-demo]')[i].dataset.controls !== before",
            arg=[index, before_controls],
            timeout=5000,
        )
    except Exception as error:  # o TimeoutError do Playwright, com o nome do controle
        raise AssertionError(f"{label}: o valor do controle não mudou") from error
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)))")


def keyboard_key(control: dict, value) -> str:
    """A tecla que muda o controle: seta para a direita, ou para a esquerda no fim da faixa/lista."""
    if control["kind"] == "slider":
        return "ArrowLeft" if value >= control["max"] else "ArrowRight"
    values = [option[1] for option in control["options"]]
    return "ArrowLeft" if values.index(value) == len(values) - 1 else "ArrowRight"


def test_every_control_moves_by_keyboard_and_mouse(browser, site):
    """Cada controle: Tab/foco + seta muda o valor; clique do mouse também; o desenho e o data-state mudam."""
    for url_path in site[1]:
        page, problems = open_page(browser, url_path, viewport={"width": 1100, "height": 900})
        for index, name, init in demos_on(page):
            for control in init["spec"]:
                label = f"{url_path} {name}.{control['name']}"
                if len(control.get("options", [0, 1])) < 2 or control.get("min") == control.get("max", 1):
                    continue  # só um valor possível (um modelo com uma camada convolucional só, por exemplo)
                # cada controle parte dos valores iniciais (no explorador da convolução, uma entrada 9×9 com
                # padding, para que a linha e a coluna da saída tenham para onde andar)
                start = dict(init["values"])
                if name == "conv_explorer":
                    start.update({"n": 9, "padding": 1, "row": 1, "col": 1})
                set_controls(page, index, start)
                before = page.evaluate(SNAPSHOT, index)
                value = json.loads(before[0])[control["name"]]
                # teclado
                assert page.evaluate(MOVE_BY_KEYBOARD, [index, control["name"], None]), label
                page.keyboard.press(keyboard_key(control, value))
                wait_published(page, index, before[0], f"{label} (teclado)")
                after = page.evaluate(SNAPSHOT, index)
                assert json.loads(after[0])[control["name"]] != value, f"{label}: teclado não mudou o valor"
                assert after[1] != before[1] and after[2] != before[2], (
                    f"{label}: o desenho não mudou (teclado)"
                )
                assert after[3].strip(), f"{label}: descrição (aria-live) e mensagem de erro vazias"
                # mouse
                box = page.locator("[data-demo]").nth(index).locator(f'[data-control="{control["name"]}"]')
                current = json.loads(after[0])[control["name"]]
                if control["kind"] == "slider":
                    slider = box.locator('input[type="range"]')
                    area = slider.bounding_box()
                    assert area["width"] >= 150, f"{label}: trilho com {area['width']:.0f} px"
                    low, high = int(slider.get_attribute("min")), int(slider.get_attribute("max"))
                    target = low if current > low else high
                    fraction = (target - low) / (high - low)
                    page.mouse.click(
                        area["x"] + 8 + fraction * (area["width"] - 16), area["y"] + area["height"] / 2
                    )
                else:
                    box.locator("label").filter(has_not=page.locator("input:checked")).first.click()
                wait_published(page, index, after[0], f"{label} (mouse)")
                moved = page.evaluate(SNAPSHOT, index)
                assert json.loads(moved[0])[control["name"]] != current, f"{label}: o mouse não mudou o valor"
                assert moved[1] != after[1] and moved[2] != after[2], f"{label}: o desenho não mudou (mouse)"
        assert problems == {"externas": [], "console": [], "falhas": []}, f"{url_path}: {problems}"
        page.close()


CONTRAST = """
(index) => {
  const root = document.querySelectorAll('[data-demo]')[index];
  const rgb = (text) => text.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const channel = (v) => (v / 255 <= 0.03928 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4);
  const luminance = (c) => 0.2126 * channel(c[0]) + 0.7152 * channel(c[1]) + 0.0722 * channel(c[2]);
  const background = (element) => {
    for (; element; element = element.parentElement) {
      const color = getComputedStyle(element).backgroundColor;
      if (!/rgba\\(0, 0, 0, 0\\)|transparent/.test(color)) return color;
    }
    return 'rgb(255, 255, 255)';
  };
  const selector = '.cnn-description, figcaption, legend, label, .cnn-error:not([hidden])';
  const texts = [...root.querySelectorAll(selector)];
  return texts.map((element) => {
    const [a, b] = [luminance(rgb(getComputedStyle(element).color)), luminance(rgb(background(element)))];
    return [(Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05), element.textContent.slice(0, 40)];
  });
}
"""


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_phone_width_and_dark_mode(browser, site, theme):
    """Numa tela de 375 px: nada passa da largura, trilhos com ao menos 150 px, textos com contraste 4,5:1."""
    for url_path in site[1]:
        page, problems = open_page(
            browser, url_path, viewport={"width": 375, "height": 800}, color_scheme=theme
        )
        page.evaluate(f"() => document.documentElement.dataset.theme = '{theme}'")
        for index, name, _ in demos_on(page):
            root = page.locator("[data-demo]").nth(index)
            box = root.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 375 + 0.5, f"{url_path} {name}: {box}"
            widths = root.evaluate(
                "(r) => [...r.querySelectorAll('input[type=range]')]"
                ".map((slider) => slider.getBoundingClientRect().width)"
            )
            assert all(width >= 150 for width in widths), f"{url_path} {name}: trilhos {widths}"
            overflow = root.evaluate(
                "(r) => [...r.querySelectorAll('*')]"
                ".filter((element) => element.getBoundingClientRect().right > 376).length"
            )
            assert overflow == 0, f"{url_path} {name}: {overflow} elementos passam de 375 px"
            low = [(ratio, text) for ratio, text in page.evaluate(CONTRAST, index) if ratio < 4.5]
            assert not low, f"{url_path} {name} ({theme}): pouco contraste em {low}"
        assert problems == {"externas": [], "console": [], "falhas": []}, f"{url_path}: {problems}"
        page.close()
