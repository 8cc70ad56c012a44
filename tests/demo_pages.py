"""Utilidades dos testes e do benchmark das demonstrações no navegador (Chromium do Debian via Playwright).

As demonstrações de :mod:`cnn_lib.widgets` desenham e recalculam no navegador
(``cnn_lib/static/cnn_demos.js``).
Cada uma tem um elemento ``[data-demo]`` com ``data-controls`` e ``data-state``; aqui ficam: o navegador que
só fala com o servidor local, o jeito de pôr valores nos controles pela página e a comparação do
``data-state`` com o ``state`` do Python.
"""

import base64
import json
import math

import numpy as np

from cnn_lib import shapes, widgets

PYTHON_DEMOS = {
    "conv_explorer": widgets.conv_explorer,
    "stride_padding_explorer": widgets.stride_padding_explorer,
    "pooling_explorer": widgets.pooling_explorer,
    "activation_pipeline": widgets.activation_pipeline,
}

# Põe valores nos controles de uma demonstração como o leitor faria (um controle por vez, na ordem do
# Python) e espera o quadro seguinte, quando data-controls e data-state são publicados.
SET_CONTROLS = """
async ([index, values]) => {
  const root = document.querySelectorAll("[data-demo]")[index];
  for (const [name, value] of Object.entries(values)) {
    const box = root.querySelector(`[data-control="${name}"]`);
    const slider = box.querySelector('input[type="range"]');
    if (slider) {
      if (slider.value !== String(value)) {
        slider.value = String(value);
        slider.dispatchEvent(new Event("input", { bubbles: true }));
      }
    } else {
      const radios = [...box.querySelectorAll('input[type="radio"]')];
      const radio = radios.find((r) => JSON.parse(r.value) === value);
      if (!radio) throw new Error(`opção ${JSON.stringify(value)} não existe em ${name}`);
      if (!radio.checked) radio.click();
    }
  }
  await new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
  await new Promise((done) => setTimeout(done, 0));
  return [root.dataset.controls, root.dataset.state];
}
"""


def only_local(page, base: str, log: list) -> None:
    """Bloqueia toda requisição que não seja para ``base`` (anotando-a em ``log``); ``blob:`` e ``data:`` (o
    anywidget importa o módulo da demonstração de um blob) não saem da máquina."""

    def route(request_route):
        if request_route.request.url.startswith((base, "blob:", "data:")):
            request_route.continue_()
        else:
            log.append(request_route.request.url)
            request_route.abort()

    page.route("**/*", route)


def set_controls(page, index: int, values: dict) -> tuple[dict, dict]:
    """Move os controles da demonstração ``index`` da página; devolve (data-controls, data-state)."""
    controls, state = page.evaluate(SET_CONTROLS, [index, values])
    return json.loads(controls), json.loads(state)


def assert_same_state(js, py, path: str = "state") -> None:
    """``data-state`` (do JavaScript) igual ao ``state_json()`` do Python: chaves, textos e inteiros iguais;
    números reais com tolerância relativa de 1e-6 (float64 do NumPy contra float64 do JavaScript)."""
    if isinstance(py, dict):
        assert isinstance(js, dict) and list(js) == list(py), f"{path}: chaves {list(js)} != {list(py)}"
        for key in py:
            assert_same_state(js[key], py[key], f"{path}.{key}")
    elif isinstance(py, list) and py and _numeric(py):
        expected = np.asarray(py, dtype=float)
        received = np.asarray(js, dtype=float)
        assert received.shape == expected.shape, f"{path}: forma {received.shape} != {expected.shape}"
        np.testing.assert_allclose(received, expected, rtol=1e-6, atol=1e-9, err_msg=path)
    elif isinstance(py, list):
        assert isinstance(js, list) and len(js) == len(py), f"{path}: {js!r} != {py!r}"
        for index, (a, b) in enumerate(zip(js, py, strict=True)):
            assert_same_state(a, b, f"{path}[{index}]")
    elif isinstance(py, float):
        assert math.isclose(js, py, rel_tol=1e-6, abs_tol=1e-9), f"{path}: {js!r} != {py!r}"
    else:
        assert js == py and type(js) is type(py), f"{path}: {js!r} != {py!r}"


def _numeric(values) -> bool:
    try:
        return np.asarray(values).dtype.kind in "iuf"
    except ValueError:  # listas de tamanhos diferentes
        return False


def python_state(demo, controls: dict) -> dict:
    """O ``state_json()`` da demonstração em Python com os mesmos valores dos controles."""
    with demo.hold():
        for name, value in controls.items():
            demo.controls[name].value = value
    return demo.state_json()


def _pick(rng, values):
    return values[int(rng.integers(len(values)))]


def _options(control) -> list:
    return [option[1] if isinstance(option, tuple) else option for option in control.options]


def random_controls(name: str, rng) -> dict:
    """Uma combinação aleatória dos controles da demonstração ``name``, na ordem dos controles do Python (as
    linhas e colunas da saída do explorador da convolução dentro do mapa, quando a combinação é válida)."""
    demo = PYTHON_DEMOS[name]()
    values = {}
    for control_name, control in demo.controls.items():
        if control_name == "kernel_size" and name == "conv_explorer":
            values[control_name] = _pick(rng, widgets.KERNEL_SIZES[values["kernel"]])
        elif control_name in ("row", "col"):
            try:
                size = shapes.output_size(
                    *(values[k] for k in ("n", "kernel_size", "strides", "padding")), values["dilation_rate"]
                )
            except ValueError:
                size = 5
            values[control_name] = int(rng.integers(size))
        elif hasattr(control, "options"):
            values[control_name] = _pick(rng, _options(control))
        else:
            values[control_name] = int(rng.integers(control.min, control.max + 1))
    return values


def all_controls(name: str) -> list[dict]:
    """Todas as combinações dos controles (para as demonstrações com poucas)."""
    import itertools

    demo = PYTHON_DEMOS[name]()
    names = list(demo.controls)
    choices = [
        _options(control) if hasattr(control, "options") else list(range(control.min, control.max + 1))
        for control in demo.controls.values()
    ]
    return [dict(zip(names, combination, strict=True)) for combination in itertools.product(*choices)]


def feature_map_expected(init: dict, controls: dict) -> dict:
    """O estado do explorador de mapas de características a partir dos dados pré-calculados que a página
    recebeu (o modelo não existe no navegador: a página só troca entre estados calculados na construção)."""
    data = init["data"]

    def decode(item):
        values = np.frombuffer(base64.b64decode(item["values"]), dtype="<f4")
        return values.reshape(item["shape"])

    layer, index = controls["layer"], controls["index"]
    maps = decode(data["maps"][layer])
    height, width, shown = maps.shape[1:]
    channels = data["maps"][layer]["channels"]
    return {
        "layer": layer,
        "index": index,
        "image": decode(data["images"])[index].tolist(),
        "maps": maps[index].tolist(),
        "title": f"camada {layer}: {channels} mapas {height}×{width} (mostrando {shown}, em linhas de 8)",
    }
