"""Testes de cnn_lib.widgets: cada demonstração é dirigida pelo Python como um estudante a usaria (mudando
``.value`` dos controles) e o que ela mostra é comparado com cnn_lib.ops e cnn_lib.shapes."""

import math
import subprocess
import sys

import matplotlib.pyplot as plt
import numpy as np
import pytest

from cnn_lib import ops, plots, shapes, widgets

MINUS = "\N{MINUS SIGN}"


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def conv_demo():
    return widgets.conv_explorer()


def choose(rng, control):
    """Um valor aceito pelo controle, escolhido como um estudante escolheria."""
    if hasattr(control, "options"):
        values = [option[1] if isinstance(option, tuple) else option for option in control.options]
        return values[rng.integers(len(values))]
    return int(rng.integers(control.min, control.max + 1))


def evaluate_formula(text: str) -> int:
    """Calcula a conta do meio da fórmula '⌊(n + 2p − ...)/s⌋ + 1 = ⌊(7 + 2·1 − ...)/1⌋ + 1 = 7'."""
    numbers = text.split(" = ")[1]
    python = numbers.replace("⌊", "math.floor(").replace("⌋", ")").replace("·", "*").replace(MINUS, "-")
    return eval(python, {"math": math})


def cells(rectangles) -> set[tuple[int, int]]:
    return {(r + i, c + j) for r, c, h, w in rectangles for i in range(h) for j in range(w)}


def assert_shows_error(demo, fragment: str) -> None:
    assert fragment in demo.state["error"] and list(demo.state) == ["error"]
    assert_synced(demo)


def assert_synced(demo) -> None:
    """Os valores que o navegador recebe (o traço ``values``) são os dos controles em Python."""
    assert demo.values == {name: control.value for name, control in demo.controls.items()}


# --- conv_explorer


def test_conv_explorer_matches_ops_and_shapes_on_random_settings(conv_demo):
    rng = np.random.default_rng(0)
    controls = conv_demo.controls
    for _ in range(40):
        controls["kernel"].value = choose(rng, controls["kernel"])  # ajusta as opções de kernel_size
        with conv_demo.hold():
            for name in ("kernel_size", "n", "strides", "padding", "dilation_rate"):
                controls[name].value = choose(rng, controls[name])
        n, k, s, p, d = (
            controls[name].value for name in ("n", "kernel_size", "strides", "padding", "dilation_rate")
        )
        try:
            size = shapes.output_size(n, k, s, p, d)
        except ValueError as error:
            assert_shows_error(conv_demo, str(error))
            continue
        controls["row"].value = choose(rng, controls["row"])  # um controle por vez, como o estudante
        controls["col"].value = choose(rng, controls["col"])
        state, (i, j) = conv_demo.state, (controls["row"].value, controls["col"].value)
        assert controls["row"].max == controls["col"].max == size - 1

        kernel = widgets.classic_kernel(controls["kernel"].value, k)
        np.testing.assert_array_equal(state["kernel"], kernel)
        assert state["input"].shape == (n, n)
        expected = ops.conv2d(state["input"], kernel, strides=s, padding=p, dilation_rate=d)
        np.testing.assert_allclose(state["output"], expected)
        assert state["output_shape"] == expected.shape == (size, size)
        assert state["formula_text"].endswith(f"= {size}") and evaluate_formula(state["formula_text"]) == size

        pads = shapes.padding_amounts((n, n), p, k, s, d)
        np.testing.assert_array_equal(state["padded"], np.pad(state["input"], pads))
        rows = [i * s + d * a for a in range(k)]
        cols = [j * s + d * b for b in range(k)]
        assert cells(state["highlight"]["input"]) == {(r, c) for r in rows for c in cols}
        assert state["highlight"]["output"] == (i, j, 1, 1)
        patch = state["padded"][np.ix_(rows, cols)]
        np.testing.assert_allclose((patch * kernel).sum(), expected[i, j], atol=1e-4)
        terms, result = state["products_text"].rsplit(" = ", 1)
        assert len(terms.split(" + ")) == k * k and result == plots.format_value(expected[i, j])
        assert "error" not in state
        assert_synced(conv_demo)


def test_conv_explorer_invalid_combination_shows_the_message_then_recovers():
    demo = widgets.conv_explorer()
    demo.controls["n"].value = 3
    demo.controls["kernel"].value = "desfoque (média)"
    demo.controls["kernel_size"].value = 5
    assert_shows_error(demo, "o kernel é maior que a entrada")
    demo.controls["padding"].value = "same"
    assert "error" not in demo.state and demo.state["output_shape"] == (3, 3)
    assert_synced(demo)


def test_kernel_size_options_follow_the_kernel_family(conv_demo):
    controls = conv_demo.controls
    controls["kernel"].value = "desfoque (média)"
    controls["kernel_size"].value = 3
    for name, sizes in widgets.KERNEL_SIZES.items():
        controls["kernel"].value = name
        assert controls["kernel_size"].options == sizes
        assert controls["kernel_size"].value == (3 if 3 in sizes else sizes[0])
        assert conv_demo.state["kernel"].shape == (controls["kernel_size"].value,) * 2


def test_conv_explorer_describes_the_seed_example():
    demo = widgets.conv_explorer()  # bordas verticais 3×3 numa entrada 7×7, padding='valid', strides=1
    assert demo.state["output_shape"] == (5, 5)
    assert (
        demo.state["formula_text"] == "⌊(n + 2p − d·(k−1) − 1)/s⌋ + 1 = ⌊(7 + 2·0 − 1·(3−1) − 1)/1⌋ + 1 = 5"
    )
    assert demo.state["products_text"].startswith(f"{demo.state['input'][0, 0]}·1 + ")


def test_classic_kernels():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 10, (6, 6))
    for size in widgets.KERNEL_SIZES["identidade"]:
        np.testing.assert_array_equal(
            ops.conv2d(x, widgets.classic_kernel("identidade", size), padding="same"), x
        )
    for size in widgets.KERNEL_SIZES["desfoque (média)"]:
        assert widgets.classic_kernel("desfoque (média)", size).sum() == pytest.approx(1)
    for size in (3, 5):
        vertical = widgets.classic_kernel("bordas verticais", size)
        np.testing.assert_array_equal(widgets.classic_kernel("bordas horizontais", size), vertical.T)
        assert vertical.sum() == 0 and (vertical[:, 0] == 1).all() and (vertical[:, -1] == -1).all()
    np.testing.assert_array_equal(widgets.classic_kernel("Sobel x"), [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    np.testing.assert_array_equal(widgets.classic_kernel("Sobel y"), widgets.classic_kernel("Sobel x").T)
    assert widgets.classic_kernel("nitidez").sum() == 1
    with pytest.raises(ValueError, match="name deve ser um destes kernels"):
        widgets.classic_kernel("laplaciano")
    with pytest.raises(ValueError, match="size deve ser um de 3 para o kernel 'Sobel x'; recebido: 5"):
        widgets.classic_kernel("Sobel x", 5)


def test_output_size_formula_equals_shapes_output_size():
    rng = np.random.default_rng(2)
    for _ in range(300):
        n, k, s, d = (
            int(v) for v in (rng.integers(1, 30), rng.integers(1, 8), rng.integers(1, 5), rng.integers(1, 4))
        )
        padding = ["valid", "same", int(rng.integers(0, 4))][rng.integers(3)]
        try:
            expected = shapes.output_size(n, k, s, padding, d)
        except ValueError as error:
            with pytest.raises(ValueError, match="o kernel é maior que a entrada") as raised:
                widgets.output_size_formula(n, k, s, padding, d)
            assert str(raised.value) == str(error)
            continue
        text = widgets.output_size_formula(n, k, s, padding, d)
        assert text.endswith(f"= {expected}") and evaluate_formula(text) == expected


# --- stride_padding_explorer


def test_stride_padding_explorer_on_random_settings():
    demo = widgets.stride_padding_explorer()
    rng = np.random.default_rng(3)
    for _ in range(40):
        with demo.hold():
            for control in demo.controls.values():
                control.value = choose(rng, control)
        h, w, k, s, p, d = (demo.controls[name].value for name in demo.controls)
        try:
            expected = (shapes.output_size(h, k, s, p, d), shapes.output_size(w, k, s, p, d))
        except ValueError as error:
            assert_shows_error(demo, str(error))
            continue
        state = demo.state
        assert state["output_shape"] == expected
        assert (
            ops.conv2d(np.zeros((h, w)), np.ones((k, k)), strides=s, padding=p, dilation_rate=d).shape
            == expected
        )
        pads = shapes.padding_amounts((h, w), p, k, s, d)
        assert state["pad_width"] == pads
        assert state["padded_shape"] == (h + sum(pads[0]), w + sum(pads[1]))
        height_line, width_line = state["formula_text"].split("\n")
        assert evaluate_formula(height_line) == expected[0] and evaluate_formula(width_line) == expected[1]
        taps = d * np.arange(k)
        assert cells(state["highlight"]["first"]) == {(r, c) for r in taps for c in taps}
        last = {(r, c) for r in (expected[0] - 1) * s + taps for c in (expected[1] - 1) * s + taps}
        assert cells(state["highlight"]["last"]) == last
        assert (
            max(r for r, _ in last) < state["padded_shape"][0]
            and max(c for _, c in last) < state["padded_shape"][1]
        )
        assert len(state["centers"]) == expected[0] * expected[1]
        assert_synced(demo)


def test_stride_padding_explorer_answers_the_quiz():
    demo = widgets.stride_padding_explorer()
    rng = np.random.default_rng(4)
    for _ in range(10):
        h, w = (int(v) for v in rng.integers(3, 17, 2))
        demo.controls["height"].value, demo.controls["width"].value = h, w
        demo.controls["strides"].value = 1
        assert demo.state["output_shape"] == (h - 2, w - 2)  # padding='valid', kernel 3×3, strides=1
        assert f"({h} + 0 − 2)×({w} + 0 − 2) = {h - 2}×{w - 2}" in demo.state["summary"]
        demo.controls["strides"].value = 2
        assert demo.state["output_shape"] == ((h - 1) // 2, (w - 1) // 2)  # cerca da metade
        assert "cerca de 1/2" in demo.state["summary"]
        demo.controls["padding"].value = "same"
        assert demo.state["output_shape"] == (math.ceil(h / 2), math.ceil(w / 2))
        demo.controls["padding"].value = "valid"


# --- pooling_explorer


def test_pooling_explorer_matches_ops_and_keeps_the_argmax():
    demo = widgets.pooling_explorer()
    rng = np.random.default_rng(5)
    demo.controls["shift"].value = 0
    original = demo.state["input"].copy()
    for _ in range(30):
        with demo.hold():
            for control in demo.controls.values():
                control.value = choose(rng, control)
        k, s, shift = (demo.controls[name].value for name in ("pool_size", "strides", "shift"))
        state = demo.state
        x = state["input"]
        np.testing.assert_array_equal(
            x[:, shift:], original[:, : original.shape[1] - shift]
        )  # anda para a direita
        np.testing.assert_allclose(state["max"], ops.max_pool2d(x, k, s))
        np.testing.assert_allclose(state["average"], ops.avg_pool2d(x, k, s))
        assert state["global_average"] == pytest.approx(float(ops.global_avg_pool2d(x)))
        assert state["output_shape"] == (shapes.output_size(8, k, s),) * 2
        windows = [(i, j) for i in range(state["output_shape"][0]) for j in range(state["output_shape"][1])]
        for (i, j), (r, c) in zip(windows, state["argmax"], strict=True):
            assert i * s <= r < i * s + k and j * s <= c < j * s + k  # dentro da janela
            assert x[r, c] == state["max"][i, j]  # é o valor que o max pooling guarda
        assert cells(state["highlight"]["input"]) == set(state["argmax"])
        reference = ops.max_pool2d(original, k, s)
        changed = {(int(r), int(c)) for r, c in np.argwhere(state["max"] != reference)}
        assert cells(state["changed"]["max"]) == changed
        assert_synced(demo)


# --- activation_pipeline


def test_activation_pipeline_matches_ops():
    from cnn_lib import data

    demo = widgets.activation_pipeline()
    rng = np.random.default_rng(6)
    functions = {"ReLU": ops.relu, "tanh": ops.tanh, "sigmoide": ops.sigmoid}
    poolings = {"máximo": ops.max_pool2d, "média": ops.avg_pool2d}
    for _ in range(8):
        with demo.hold():
            for control in demo.controls.values():
                control.value = choose(rng, control)
        values = {name: control.value for name, control in demo.controls.items()}
        state = demo.state
        photo = data.sample_image(values["image"], size=(96, 144))
        np.testing.assert_array_equal(state["image"], photo)
        convolved = ops.conv2d(photo, widgets.classic_kernel(values["kernel"], 3))
        np.testing.assert_allclose(state["convolved"], convolved)
        np.testing.assert_allclose(state["activated"], functions[values["activation"]](convolved))
        pooled = poolings[values["pooling"]](state["activated"], values["pool_size"])
        np.testing.assert_allclose(state["pooled"], pooled)
        assert state["titles"][2] == f"ativação: {values['activation']}"
        assert state["titles"][3].endswith(f"→ {pooled.shape[0]}×{pooled.shape[1]}")
        assert_synced(demo)


# --- renderizações estáticas: as mesmas cenas e os mesmos cálculos


def mesh_values(ax):
    (mesh,) = [c for c in ax.collections if c.__class__.__name__ == "QuadMesh"]
    return mesh.get_array()


def test_static_conv_explorer_draws_the_same_maps():
    rng = np.random.default_rng(7)
    settings = []
    while len(settings) < 3:
        setting = {
            "n": int(rng.integers(5, 10)),
            "kernel": "Sobel x",
            "kernel_size": 3,
            "strides": int(rng.integers(1, 3)),
            "padding": ["valid", "same", 1][rng.integers(3)],
            "dilation_rate": int(rng.integers(1, 3)),
            "row": 0,
            "col": 0,
        }
        try:
            shapes.output_size(
                setting["n"], 3, setting["strides"], setting["padding"], setting["dilation_rate"]
            )
        except ValueError:
            continue
        settings.append(setting)
    fig = widgets.static_conv_explorer(settings)
    assert len(fig.subfigs) == 3
    for subfig, setting in zip(fig.subfigs, settings, strict=True):
        _, kernel, output = subfig.axes
        state = widgets._conv_state(**setting)
        expected = ops.conv2d(
            state["input"],
            widgets.classic_kernel("Sobel x"),
            strides=setting["strides"],
            padding=setting["padding"],
            dilation_rate=setting["dilation_rate"],
        )
        np.testing.assert_allclose(mesh_values(output), expected)
        assert output.get_title() == f"mapa de características {expected.shape[0]}×{expected.shape[1]}"
        assert subfig.get_suptitle().endswith(state["formula_text"])
        np.testing.assert_array_equal(mesh_values(kernel), widgets.classic_kernel("Sobel x"))


def test_static_renderings_have_portuguese_captions():
    stride = widgets.static_stride_padding()
    captions = [sub.get_suptitle() for sub in stride.subfigs]
    assert captions == [
        "padding=valid, strides=1: saída 5×5",
        "padding=valid, strides=2: saída 3×3",
        "padding=same, strides=1: saída 7×7",
        "padding=same, strides=2: saída 4×4",
    ]
    for subfig, caption in zip(stride.subfigs, captions, strict=True):
        assert subfig.axes[1].get_title() == "saída " + caption.rsplit(" ", 1)[1]
    pooling = widgets.static_pooling()
    assert pooling.subfigs[0].get_suptitle() == "entrada original"
    assert pooling.subfigs[1].get_suptitle().startswith("entrada deslocada 1 pixel:")
    np.testing.assert_allclose(
        mesh_values(pooling.subfigs[0].axes[1]), ops.max_pool2d(widgets._pool_input(0, 0))
    )
    activation = widgets.static_activation_pipeline()
    assert [sub.get_suptitle() for sub in activation.subfigs] == [
        "ativação ReLU",
        "ativação tanh",
        "ativação sigmoide",
    ]
    relu = activation.subfigs[0].axes[2].images[0].get_array()
    assert relu.min() == 0


def test_control_labels_are_portuguese():
    demos = (widgets.conv_explorer(), widgets.stride_padding_explorer(), widgets.pooling_explorer())
    descriptions = {control.description for demo in demos for control in demo.controls.values()}
    assert {
        "linha da saída",
        "coluna da saída",
        "altura H",
        "largura W",
        "deslocar a entrada (pixels →)",
    } <= (descriptions)


def test_importing_widgets_does_not_import_tensorflow_or_sklearn():
    code = "import sys, cnn_lib.widgets; print('tensorflow' in sys.modules, 'sklearn' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]


# --- feature_map_explorer (TensorFlow)


@pytest.mark.slow  # importa o TensorFlow: mais de 20 s numa máquina carregada
def test_feature_map_explorer_on_a_tiny_keras_model():
    keras = pytest.importorskip("keras")
    from cnn_lib import train

    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((10, 10, 1)),
            keras.layers.Conv2D(20, 3, activation="relu", name="c1"),
            keras.layers.MaxPooling2D(name="pool"),
            keras.layers.Conv2D(3, 2, name="c2"),
            keras.layers.Flatten(),
            keras.layers.Dense(2, name="dense"),
        ]
    )
    images = np.random.default_rng(8).random((4, 10, 10, 1)).astype("float32")
    demo = widgets.feature_map_explorer(model, images, max_maps=16)
    assert demo.controls["layer"].options == ("c1", "c2")  # só as convolucionais
    assert demo.filters_png[:4] == b"\x89PNG"
    assert set(demo.data["maps"]) == {"c1", "c2"}  # todos os estados calculados na construção
    rng = np.random.default_rng(9)
    for _ in range(6):
        for control in demo.controls.values():
            control.value = choose(rng, control)
        layer, index = demo.controls["layer"].value, demo.controls["index"].value
        expected = train.feature_maps(model, images[index], layer)[0]
        shown = min(expected.shape[-1], 16)
        np.testing.assert_allclose(demo.state["maps"], expected[..., :shown], atol=1e-5)
        assert demo.state["title"].startswith(f"camada {layer}: {expected.shape[-1]} mapas")
        np.testing.assert_allclose(
            demo.state["image"],
            (images[index, ..., 0] - images[index].min()) / (images[index].max() - images[index].min()),
            atol=1e-6,
        )
        assert_synced(demo)
    with pytest.raises(ValueError, match="ao menos uma camada convolucional"):
        widgets.feature_map_explorer(keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)]), images)


# --- o componente do navegador: valores que vão e voltam, representação para o livro em HTML


def test_values_from_the_browser_update_the_python_state():
    demo = widgets.conv_explorer()
    # o navegador manda os valores de todos os controles (como o anywidget faz ao mexer num controle)
    demo.values = {**demo.values, "kernel": "desfoque (média)", "kernel_size": 4, "row": 2}
    assert demo.controls["kernel"].value == "desfoque (média)" and demo.controls["kernel_size"].value == 4
    assert demo.controls["kernel_size"].options == widgets.KERNEL_SIZES["desfoque (média)"]
    assert demo.state["kernel"].shape == (4, 4) and demo.state["position"] == (2, 0)
    # um valor fora da faixa é levado ao limite, e o navegador recebe o valor corrigido
    demo.values = {**demo.values, "row": 40}
    assert demo.controls["row"].value == demo.controls["row"].max == demo.state["output_shape"][0] - 1
    assert_synced(demo)


def test_controls_reject_values_they_do_not_accept():
    demo = widgets.stride_padding_explorer()
    message = r"controls\['padding'\]\.value deve ser um de 'valid', 'same', 1, 2, 3; recebido: 4"
    with pytest.raises(ValueError, match=message):
        demo.controls["padding"].value = 4
    with pytest.raises(TypeError, match=r"controls\['height'\]\.value deve ser um inteiro; recebido: 2\.5"):
        demo.controls["height"].value = 2.5
    demo.controls["height"].value = 99  # como no IntSlider: levado ao máximo
    assert demo.controls["height"].value == 16 and demo.state["input_shape"] == (16, 7)


def test_static_html_carries_the_initial_data_and_the_widget_view():
    import json
    import re

    for make in (widgets.conv_explorer, widgets.pooling_explorer, widgets.activation_pipeline):
        demo = make()
        bundle, _ = demo._repr_mimebundle_()
        assert "application/vnd.jupyter.widget-view+json" in bundle  # JupyterLab: o anywidget
        page = bundle["text/html"]  # livro em HTML: os dados iniciais para cnn_demos.js
        payload = re.fullmatch(
            r'<div class="cnn-demo-static"><script type="application/json">(.*)</script>'
            r'<p class="cnn-demo-fallback">.*</p></div>',
            page,
            re.S,
        ).group(1)
        assert "</" not in payload
        init = json.loads(payload)
        assert init["demo"] == demo.demo and init["values"] == demo.values
        assert [control["name"] for control in init["spec"]] == list(demo.controls)
        assert "// Demonstrações interativas do curso de CNNs" in demo._esm  # o mesmo módulo do livro


def test_state_json_has_only_json_types():
    import json

    for make in (widgets.conv_explorer, widgets.stride_padding_explorer, widgets.pooling_explorer):
        state = make().state_json()
        assert json.loads(json.dumps(state)) == state
