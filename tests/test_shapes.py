"""cnn_lib.shapes contra as formas e as contagens de parâmetros que o Keras produz."""

import math

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

from cnn_lib import ops, shapes  # noqa: E402

CASES = 25


def out_hw(layer, input_shape):
    """Altura e largura da saída de ``layer`` aplicada de verdade a zeros de forma ``(1, *input_shape)``."""
    return tuple(layer(np.zeros((1, *input_shape), dtype=np.float32)).shape[1:3])


def test_output_size_equals_keras_conv2d():
    rng = np.random.default_rng(0)
    for _ in range(CASES):
        kernel = tuple(int(v) for v in rng.integers(1, 6, size=2))
        strides = tuple(int(v) for v in rng.integers(1, 4, size=2))
        dilation = (1, 1) if strides != (1, 1) else tuple(int(v) for v in rng.integers(1, 4, size=2))
        padding = ("valid", "same")[int(rng.integers(2))]
        hw = tuple(int(rng.integers(d * (k - 1) + 1, 40)) for k, d in zip(kernel, dilation, strict=True))
        layer = keras.layers.Conv2D(2, kernel, strides=strides, padding=padding, dilation_rate=dilation)
        expected = out_hw(layer, (*hw, 1))
        args = zip(hw, kernel, strides, dilation, strict=True)
        assert tuple(shapes.output_size(n, k, s, padding, d) for n, k, s, d in args) == expected


def test_output_size_with_explicit_padding_equals_zero_padding_then_valid():
    rng = np.random.default_rng(1)
    for _ in range(CASES):
        kernel, strides = int(rng.integers(1, 6)), int(rng.integers(1, 4))
        before, after = (int(v) for v in rng.integers(0, 4, size=2))
        n = int(rng.integers(max(kernel - before - after, 1), 30))
        model = keras.Sequential(
            [
                keras.layers.ZeroPadding2D(((before, after), (0, 0))),
                keras.layers.Conv2D(1, (kernel, 1), strides),
            ]
        )
        expected = out_hw(model, (n, 1, 1))[0]
        assert shapes.output_size(n, kernel, strides, (before, after)) == expected
        if before == after:
            assert shapes.output_size(n, kernel, strides, before) == expected


def test_output_size_causal_equals_keras_conv1d():
    rng = np.random.default_rng(2)
    for _ in range(CASES):
        kernel, strides = int(rng.integers(1, 6)), int(rng.integers(1, 4))
        dilation = 1 if strides > 1 else int(rng.integers(1, 4))
        n = int(rng.integers(1, 30))
        layer = keras.layers.Conv1D(1, kernel, strides=strides, padding="causal", dilation_rate=dilation)
        expected = layer(np.zeros((1, n, 1), dtype=np.float32)).shape[1]
        assert shapes.output_size(n, kernel, strides, "causal", dilation) == expected


def test_output_size_of_pooling_equals_keras():
    rng = np.random.default_rng(3)
    for _ in range(CASES):
        pool, strides = int(rng.integers(1, 5)), int(rng.integers(1, 5))
        padding = ("valid", "same")[int(rng.integers(2))]
        n = int(rng.integers(pool, 30))
        for layer in (keras.layers.MaxPooling2D, keras.layers.AveragePooling2D):
            expected = out_hw(layer(pool, strides, padding), (n, n, 1))[0]
            assert shapes.output_size(n, pool, strides, padding) == expected


def test_same_padding_reproduces_tf_same():
    """Preencher com ``same_padding`` e fazer "valid" dá o "SAME" do TensorFlow (sobra embaixo/à direita)."""
    rng = np.random.default_rng(4)
    for _ in range(CASES):
        kernel, strides = int(rng.integers(1, 7)), int(rng.integers(1, 4))
        dilation = 1 if strides > 1 else int(rng.integers(1, 3))
        n = int(rng.integers(1, 20))
        x = rng.standard_normal((1, n, 1, 1)).astype(np.float32)
        w = rng.standard_normal((kernel, 1, 1, 1)).astype(np.float32)
        before, after = shapes.same_padding(n, kernel, strides, dilation)
        assert after - before in (0, 1)
        padded = np.pad(x, ((0, 0), (before, after), (0, 0), (0, 0)))
        same = tf.nn.conv2d(x, w, strides, "SAME", dilations=dilation)
        valid = tf.nn.conv2d(padded, w, strides, "VALID", dilations=dilation)
        np.testing.assert_allclose(valid, same, rtol=1e-5, atol=1e-6)


def test_transposed_output_size_equals_keras():
    rng = np.random.default_rng(5)
    compared = 0
    while compared < CASES:
        kernel, strides = int(rng.integers(1, 6)), int(rng.integers(1, 4))
        dilation = 1 if strides > 1 else int(rng.integers(1, 3))
        padding = ("valid", "same")[int(rng.integers(2))]
        output_padding = None if rng.random() < 0.5 else int(rng.integers(strides))
        n = int(rng.integers(1, 15))
        layer = keras.layers.Conv2DTranspose(
            1, (kernel, 1), strides=(strides, 1), padding=padding, dilation_rate=(dilation, 1),
            output_padding=None if output_padding is None else (output_padding, 0),
        )  # fmt: skip
        try:
            expected = out_hw(layer, (n, 1, 1))[0]
        except tf.errors.InvalidArgumentError:  # combinação que o TensorFlow rejeita ao executar
            continue
        assert (
            shapes.transposed_output_size(n, kernel, strides, padding, output_padding, dilation) == expected
        )
        compared += 1


def test_transposed_output_size_inverts_output_size():
    rng = np.random.default_rng(6)
    for _ in range(CASES):
        kernel, strides, padding = int(rng.integers(1, 6)), int(rng.integers(1, 4)), int(rng.integers(0, 3))
        n = int(rng.integers(1, 20))
        extra = int(rng.integers(strides))
        if 2 * padding > kernel + extra - 1:
            continue
        size = shapes.transposed_output_size(n, kernel, strides, padding, extra)
        assert shapes.output_size(size, kernel, strides, padding) == n


@pytest.mark.parametrize(
    ("layers", "expected"),
    [
        ([], 1),
        ([(3, 1)], 3),
        ([(3, 1), (3, 1)], 5),
        ([(3, 1), (3, 1), (3, 1)], 7),
        ([(3, 1, 1), (3, 1, 2), (3, 1, 4)], 15),
        ([(2, 2), (2, 2), (2, 2)], 8),
        ([(11, 4), (3, 2), (5, 1)], 51),  # começo da AlexNet: conv 11/4, pool 3/2, conv 5
    ],
)
def test_receptive_field_known_cases(layers, expected):
    assert shapes.receptive_field(layers) == expected


def response_at_first_output(layers, length, position):
    """Primeiro pixel da saída da pilha (kernels de uns) para um impulso em ``position``."""
    signal = np.zeros(length)
    signal[position] = 1
    for kernel, strides, dilation in layers:
        signal = ops.conv1d(signal, np.ones(kernel), strides=strides, dilation_rate=dilation)
    return signal[0]


def test_receptive_field_equals_the_support_of_an_impulse_response():
    """O último pixel do campo receptivo muda o primeiro pixel da saída; o seguinte, não."""
    rng = np.random.default_rng(7)
    for _ in range(CASES):
        layers = [
            tuple(int(v) for v in (rng.integers(1, 5), rng.integers(1, 3), rng.integers(1, 3)))
            for _ in range(3)
        ]
        field = shapes.receptive_field(layers)
        assert response_at_first_output(layers, field + 10, field - 1) > 0
        assert response_at_first_output(layers, field + 10, field) == 0


def keras_count(layer, input_shape):
    layer.build((None, *input_shape))
    return layer.count_params()


def test_param_counts_equal_keras():
    rng = np.random.default_rng(8)
    for _ in range(CASES):
        kernel = tuple(int(v) for v in rng.integers(1, 6, size=2))
        channels, filters, multiplier = (int(v) for v in rng.integers(1, 40, size=3))
        multiplier = multiplier % 4 + 1
        use_bias = bool(rng.integers(2))
        shape = (9, 9, channels)
        assert shapes.conv_params(kernel, channels, filters, use_bias) == keras_count(
            keras.layers.Conv2D(filters, kernel, use_bias=use_bias), shape
        )
        assert shapes.conv_transpose_params(kernel, channels, filters, use_bias) == keras_count(
            keras.layers.Conv2DTranspose(filters, kernel, use_bias=use_bias), shape
        )
        assert shapes.depthwise_params(kernel, channels, multiplier, use_bias) == keras_count(
            keras.layers.DepthwiseConv2D(kernel, depth_multiplier=multiplier, use_bias=use_bias), shape
        )
        assert shapes.separable_params(kernel, channels, filters, multiplier, use_bias) == keras_count(
            keras.layers.SeparableConv2D(filters, kernel, depth_multiplier=multiplier, use_bias=use_bias),
            shape,
        )
        assert shapes.dense_params(channels, filters, use_bias) == keras_count(
            keras.layers.Dense(filters, use_bias=use_bias), (channels,)
        )
        center, scale = bool(rng.integers(2)), bool(rng.integers(2))
        layer = keras.layers.BatchNormalization(center=center, scale=scale)
        assert shapes.batchnorm_params(channels, center, scale) == keras_count(layer, shape)
        assert len(layer.non_trainable_weights) == 2  # médias móveis: não treináveis


def test_param_formula_from_the_seed():
    assert shapes.conv_params(3, 32, 64) == (3 * 3 * 32 + 1) * 64
    assert shapes.conv_params((3, 3), 32, 64) == shapes.conv_params(3, 32, 64)
    assert shapes.dense_params(400, 120) == (400 + 1) * 120


def random_stack(rng):
    """Sorteia uma pilha de convoluções e poolings (dicts para dense_input_size) e as camadas Keras."""
    dicts, layers = [], []
    for _ in range(int(rng.integers(1, 5))):
        padding = ("valid", "same")[int(rng.integers(2))]
        strides = int(rng.integers(1, 3))
        if rng.random() < 0.6:
            filters, kernel = int(rng.integers(1, 9)), int(rng.integers(1, 4))
            dicts.append(
                {
                    "kind": "conv",
                    "filters": filters,
                    "kernel_size": kernel,
                    "strides": strides,
                    "padding": padding,
                }
            )
            layers.append(keras.layers.Conv2D(filters, kernel, strides=strides, padding=padding))
        else:
            pool = int(rng.integers(1, 3))
            dicts.append({"kind": "pool", "pool_size": pool, "strides": None, "padding": padding})
            layers.append(keras.layers.MaxPooling2D(pool, padding=padding))
    return dicts, layers


def test_dense_input_size_equals_keras_flatten():
    rng = np.random.default_rng(9)
    for _ in range(CASES):
        input_shape = (int(rng.integers(24, 40)), int(rng.integers(24, 40)), int(rng.integers(1, 4)))
        dicts, layers = random_stack(rng)
        model = keras.Sequential([keras.Input(input_shape), *layers, keras.layers.Flatten()])
        sizing = shapes.dense_input_size(input_shape, dicts)
        assert sizing.size == model.output_shape[1]
        assert [shape for _, shape in sizing.steps] == [
            tuple(layer.output.shape[1:]) for layer in model.layers[:-1]
        ]
        assert sizing.size == math.prod(sizing.steps[-1][1])


def test_dense_input_size_table_in_portuguese():
    sizing = shapes.dense_input_size(
        (32, 32, 3),
        [
            {"kind": "conv", "filters": 6, "kernel_size": 5},
            {"kind": "pool", "pool_size": 2},
            {"kind": "conv", "filters": 16, "kernel_size": (5, 5), "dilation_rate": 1},
        ],
    )
    text = str(sizing)
    assert sizing.steps[0] == ("conv 5×5, 6 filtros, strides=1, valid", (28, 28, 6))
    assert sizing.steps[1] == ("pool 2×2, strides=2, valid", (14, 14, 6))
    assert sizing.size == 10 * 10 * 16
    for word in ("camada", "saída", "entrada", "filtros", "flatten", "(10, 10, 16)", str(sizing.size)):
        assert word in text


def test_shapes_accept_numpy_integers():
    assert shapes.output_size(np.int64(28), np.int32(3), strides=np.int16(1)) == 26
    assert shapes.conv_params(np.int64(3), np.int64(1), np.int64(6)) == 60
