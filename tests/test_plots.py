"""Testes de cnn_lib.plots: valores escritos nas células, preenchimento, destaques, rótulos em português."""

import io

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from cnn_lib import ops, plots, shapes

MINUS = "\N{MINUS SIGN}"


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def parse(label: str) -> float:
    return float(label.replace(MINUS, "-").replace(",", "."))


def cell_text(ax):
    """A coleção com os valores escritos nas células de um ``Axes`` desenhado por ``MatrixPlot``."""
    (collection,) = [c for c in ax.collections if isinstance(c, plots._CellText)]
    return collection


def mesh_array(ax) -> np.ma.MaskedArray:
    (mesh,) = [c for c in ax.collections if c.__class__.__name__ == "QuadMesh"]
    return mesh.get_array()


def test_format_value_round_trips_to_two_decimals():
    rng = np.random.default_rng(0)
    for value in np.concatenate([rng.normal(0, 20, 200), rng.integers(-50, 50, 50)]):
        text = plots.format_value(value)
        assert abs(parse(text) - value) <= 0.005 + 1e-12, (value, text)
        assert "-" not in text  # sinal de menos tipográfico
        if float(value).is_integer():
            assert text == str(int(value)).replace("-", MINUS)


def test_matrix_labels_are_the_matrix_values_and_their_outlines():
    rng = np.random.default_rng(1)
    for _ in range(15):
        shape = tuple(rng.integers(1, 8, 2))
        values = rng.normal(0, 5, shape).round(rng.integers(0, 3))
        ax = plots.plot_matrix(values, title="mapa de características")
        collection = cell_text(ax)
        assert len(collection.labels) == values.size
        np.testing.assert_allclose([parse(t) for t in collection.labels], values.ravel(), atol=0.005 + 1e-12)
        for path, label in zip(collection.get_paths(), collection.labels, strict=True):
            assert path is plots._glyphs(label)[0]  # o contorno desenhado é o do texto
        np.testing.assert_array_equal(collection.get_offsets(), np.argwhere(np.ones(shape))[:, ::-1])
        assert ax.get_title() == "mapa de características"
        plt.close(ax.figure)


def test_annotate_false_writes_nothing_and_ax_is_reused():
    _, ax = plt.subplots()
    assert plots.plot_matrix(np.ones((3, 3)), ax=ax, annotate=False) is ax
    assert cell_text(ax).labels == () and len(cell_text(ax).get_paths()) == 0


def test_matrix_plot_update_changes_shape_highlight_and_colors():
    rng = np.random.default_rng(2)
    _, ax = plt.subplots()
    view = plots.MatrixPlot(ax, np.zeros((2, 2)))
    for _ in range(20):
        shape = tuple(rng.integers(1, 9, 2))
        values = rng.integers(-9, 10, shape)
        rectangles = [tuple(int(v) for v in rng.integers(0, 3, 4)) for _ in range(rng.integers(0, 4))]
        view.update(values, highlight=rectangles or None, title=f"{shape}")
        assert mesh_array(ax).shape == shape
        np.testing.assert_array_equal(mesh_array(ax), values)
        assert view.highlighted == tuple(rectangles)
        drawn = [path.vertices[:4] for path in view._highlights.get_paths()]
        boxes = [(y.min() + 0.5, x.min() + 0.5, np.ptp(y), np.ptp(x)) for x, y in (v.T for v in drawn)]
        assert boxes == rectangles
        assert ax.get_xlim() == (-0.5, shape[1] - 0.5) and ax.get_ylim() == (shape[0] - 0.5, -0.5)
        assert view.labels == tuple(plots.format_value(v) for v in values.ravel())


def test_symmetric_colors_are_centered_on_zero():
    _, ax = plt.subplots()
    view = plots.MatrixPlot(ax, [[1, 0, -3]], symmetric=True)
    assert view._mesh.get_clim() == (-3, 3)


def test_text_color_contrasts_with_the_cell():
    ax = plots.plot_matrix([[0, 100]], cmap="Blues")
    light, dark = cell_text(ax).get_facecolor()[:, :3]
    assert light.mean() < 0.3 and dark.mean() > 0.9  # texto escuro na célula clara, claro na escura


def test_padded_input_draws_the_border_as_padding():
    rng = np.random.default_rng(3)
    for _ in range(25):
        x = rng.integers(0, 10, tuple(rng.integers(2, 7, 2)))
        kernel = int(rng.integers(1, 4))
        padding = [int(rng.integers(0, 3)), "same", "valid", ((0, 1), (2, 0))][rng.integers(4)]
        ax = plots.plot_padded_input(x, padding, kernel_size=kernel, title="entrada preenchida")
        (top, bottom), (left, right) = shapes.padding_amounts(x.shape, padding, kernel)
        array = mesh_array(ax)
        assert array.shape == (x.shape[0] + top + bottom, x.shape[1] + left + right)
        inner = (slice(top, top + x.shape[0]), slice(left, left + x.shape[1]))
        np.testing.assert_array_equal(array[inner], x)
        assert not array.mask[inner].any() and array.mask.sum() == array.size - x.size
        labels = np.array(cell_text(ax).labels).reshape(array.shape)
        assert (labels[array.mask] == "0").all()
        frame = [p for p in ax.patches if p.get_visible() and not p.get_fill()]
        assert len(frame) == (top + bottom + left + right > 0)
        plt.close(ax.figure)


def test_padding_amounts_agree_with_ops_conv2d():
    rng = np.random.default_rng(4)
    for _ in range(40):
        x = rng.normal(size=tuple(rng.integers(3, 9, 2)))
        kernel = rng.normal(size=tuple(rng.integers(1, 4, 2)))
        strides, dilation = int(rng.integers(1, 3)), int(rng.integers(1, 3))
        padding = ["same", "valid", int(rng.integers(0, 3))][rng.integers(3)]
        pads = shapes.padding_amounts(x.shape, padding, kernel.shape[0], strides, dilation)
        if kernel.shape[0] != kernel.shape[1] and padding == "same":
            continue  # padding_amounts recebe um kernel quadrado
        try:
            expected = ops.conv2d(x, kernel, strides=strides, padding=padding, dilation_rate=dilation)
        except ValueError:
            continue
        by_hand = ops.conv2d(np.pad(x, pads), kernel, strides=strides, dilation_rate=dilation)
        np.testing.assert_allclose(by_hand, expected)


def test_padding_amounts_requires_kernel_for_same():
    with pytest.raises(ValueError, match="kernel_size é obrigatório"):
        shapes.padding_amounts((5, 5), "same")


def test_invalid_highlight_and_pad_width_give_portuguese_errors():
    with pytest.raises(TypeError, match="highlight deve ser"):
        plots.plot_matrix(np.ones((3, 3)), highlight=(0, 0, "a", 1))
    _, ax = plt.subplots()
    with pytest.raises(ValueError, match="pad_width deve"):
        plots.MatrixPlot(ax, np.ones((3, 3)), pad_width=-1)
    with pytest.raises(ValueError, match="values deve ter 2 dimensões"):
        plots.plot_matrix(np.ones(3))


def test_feature_maps_one_panel_per_channel():
    rng = np.random.default_rng(5)
    for channels, ncols in ((1, 8), (5, 2), (10, 4)):
        maps = rng.random((6, 7, channels))
        fig = plots.plot_feature_maps(maps[None], ncols=ncols)
        visible = [ax for ax in fig.axes if ax.get_visible()]
        assert [ax.get_title() for ax in visible] == [f"mapa {i + 1}" for i in range(channels)]
        for index, ax in enumerate(visible):
            np.testing.assert_array_equal(ax.images[0].get_array(), maps[..., index])
        assert len(fig.axes) == -(-channels // min(ncols, channels)) * min(ncols, channels)
    with pytest.raises(ValueError, match="uma imagem só"):
        plots.plot_feature_maps(rng.random((2, 4, 4, 3)))
    with pytest.raises(ValueError, match="um título por mapa"):
        plots.plot_feature_maps(rng.random((4, 4, 3)), titles=["a"])


def test_feature_map_mosaic_places_each_scaled_map_in_its_tile():
    rng = np.random.default_rng(11)
    for _ in range(10):
        height, width, count, ncols = (
            int(v) for v in (*rng.integers(1, 7, 2), rng.integers(1, 20), rng.integers(1, 9))
        )
        maps = rng.normal(size=(height, width, count))
        maps[..., 0] = 3.0  # um mapa constante vira zeros
        mosaic = plots.feature_map_mosaic(maps, ncols=ncols)
        columns = min(ncols, count)
        assert mosaic.shape == (-(-count // columns) * (height + 1) - 1, columns * (width + 1) - 1)
        for index in range(count):
            top, left = (index // columns) * (height + 1), (index % columns) * (width + 1)
            tile = mosaic[top : top + height, left : left + width]
            expected = maps[..., index] - maps[..., index].min()
            expected = expected / expected.max() if expected.max() > 0 else expected
            np.testing.assert_allclose(tile, expected)
        assert np.isnan(mosaic).sum() == mosaic.size - maps.size


def test_filters_gray_rgb_and_many_channels():
    rng = np.random.default_rng(6)
    gray = rng.normal(size=(3, 3, 1, 4))
    fig = plots.plot_filters(gray)
    assert fig.get_suptitle() == "4 filtros 3×3"
    assert [ax.get_title() for ax in fig.axes] == ["filtro 1", "filtro 2", "filtro 3", "filtro 4"]
    np.testing.assert_array_equal(fig.axes[2].images[0].get_array(), gray[:, :, 0, 2])
    limit = np.abs(gray).max()
    assert fig.axes[0].images[0].get_clim() == (-limit, limit)
    rgb = plots.plot_filters(rng.normal(size=(5, 5, 3, 2)))
    image = rgb.axes[0].images[0].get_array()
    assert image.shape == (5, 5, 3) and image.min() >= 0 and image.max() <= 1
    many = plots.plot_filters(rng.normal(size=(3, 3, 8, 2)))
    assert "média dos 8 canais de entrada" in many.get_suptitle()
    assert plots.plot_filters(np.eye(3)).get_suptitle() == "1 filtro 3×3"


class FakeHistory:
    """Imita o ``keras.callbacks.History``: só o atributo ``history``."""

    def __init__(self, history):
        self.history = history


def test_history_curves_with_portuguese_labels():
    rng = np.random.default_rng(7)
    epochs = 6
    data = {key: list(rng.random(epochs)) for key in ("loss", "val_loss", "accuracy", "val_accuracy")}
    for history in (data, FakeHistory(data)):
        fig = plots.plot_history(history)
        loss, accuracy = fig.axes
        assert (loss.get_xlabel(), loss.get_ylabel(), accuracy.get_ylabel()) == ("época", "perda", "acurácia")
        assert loss.get_title() == "perda por época"
        for ax, key in ((loss, "loss"), (accuracy, "accuracy")):
            train, validation = ax.get_lines()
            assert [t.get_text() for t in ax.get_legend().get_texts()] == ["treino", "validação"]
            np.testing.assert_array_equal(train.get_xdata(), np.arange(1, epochs + 1))
            np.testing.assert_allclose(train.get_ydata(), data[key])
            np.testing.assert_allclose(validation.get_ydata(), data["val_" + key])
    only_loss = plots.plot_history({"loss": [3.0, 2.0]})
    assert len(only_loss.axes) == 1 and len(only_loss.axes[0].get_lines()) == 1
    with pytest.raises(TypeError, match="history deve ser o History"):
        plots.plot_history({"perda": [1.0]})


def test_confusion_matrix_counts_and_labels():
    rng = np.random.default_rng(8)
    matrix = rng.integers(0, 30, (4, 4))
    names = ["avião", "carro", "pássaro", "gato"]
    ax = plots.plot_confusion_matrix(matrix, names)
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == (
        "classe prevista",
        "classe verdadeira",
        "matriz de confusão",
    )
    assert [t.get_text() for t in ax.get_xticklabels()] == names
    assert [t.get_text() for t in ax.get_yticklabels()] == names
    assert cell_text(ax).labels == tuple(str(v) for v in matrix.ravel())
    assert [t.get_text() for t in plots.plot_confusion_matrix(matrix).get_xticklabels()] == [
        "0",
        "1",
        "2",
        "3",
    ]
    with pytest.raises(ValueError, match="quadrada"):
        plots.plot_confusion_matrix(np.ones((2, 3)))
    with pytest.raises(ValueError, match="um nome por classe"):
        plots.plot_confusion_matrix(matrix, ["a"])


def test_architecture_boxes_names_and_shapes():
    layers = [
        ("entrada", (32, 32, 1)),
        ("conv 5×5, 6 filtros", (None, 28, 28, 6)),
        ("pool 2×2", (14, 14, 6)),
        ("flatten", (1176,)),
        ("densa", (84,)),
        ("saída", (10,)),
    ]
    ax = plots.plot_architecture(layers)
    texts = [t.get_text() for t in ax.texts if t.get_text()]  # as setas são anotações sem texto
    assert texts[0::2] == [name for name, _ in layers]
    assert texts[1::2] == ["32×32×1", "28×28×6", "14×14×6", "1176", "84", "10"]
    boxes = ax.patches
    assert len(boxes) == len(layers)
    heights = [box.get_height() for box in boxes]
    assert heights[0] > heights[1] > heights[2]  # o mapa encolhe
    assert heights[3] > heights[4] > heights[5]  # as camadas densas também
    assert ax.get_title().startswith("arquitetura")
    with pytest.raises(TypeError, match="pares \\(nome, forma\\)"):
        plots.plot_architecture([("conv", "26x26")])
    with pytest.raises(ValueError, match="inteiros positivos"):
        plots.plot_architecture([("conv", (0, 3))])
    with pytest.raises(TypeError):
        plots.plot_architecture([])


def dark_box(png: bytes) -> tuple[int, int, int, int]:
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    rows, cols = np.nonzero(pixels < 128)
    return rows.min(), rows.max(), cols.min(), cols.max()


def test_to_png_draws_texts_where_matplotlib_draws_them():
    def figure():
        fig = Figure(figsize=(4, 2), dpi=72)
        fig.text(0.3, 0.7, "mapa de características", fontsize=12)
        return fig

    reference = io.BytesIO()
    FigureCanvasAgg(figure()).print_png(reference)
    png = plots.to_png(figure())
    assert png[:4] == b"\x89PNG"
    expected, got = dark_box(reference.getvalue()), dark_box(png)
    assert max(abs(a - b) for a, b in zip(expected, got, strict=True)) <= 2, (expected, got)
