"""cnn_lib.ops contra o TensorFlow/Keras em formas, passos, preenchimentos e dilatações sorteados."""

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")
signal = pytest.importorskip("scipy.signal")

from cnn_lib import ops, shapes  # noqa: E402
from cnn_lib._validation import check_padding  # noqa: E402

CASES = 25
TOL = {"rtol": 1e-4, "atol": 1e-4}  # float32: somas de até algumas centenas de produtos


def assert_close(ours, reference, **tol):
    reference = np.asarray(reference)
    assert ours.shape == reference.shape
    np.testing.assert_allclose(ours, reference, **(tol or TOL))


def normal(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


def random_padding(rng):
    """Um preenchimento 2-D em qualquer forma aceita e a lista explícita equivalente, se for explícito."""
    choice = rng.integers(5)
    if choice == 0:
        return "valid"
    if choice == 1:
        return "same"
    if choice == 2:
        return int(rng.integers(0, 3))
    if choice == 3:
        return tuple(int(v) for v in rng.integers(0, 3, size=2))
    return tuple(tuple(int(v) for v in pair) for pair in rng.integers(0, 3, size=(2, 2)))


def tf_padding(padding):
    """O argumento ``padding`` de ``tf.nn.*`` equivalente ao nosso."""
    if isinstance(padding, str):
        return padding.upper()
    pairs = check_padding(padding)
    return [[0, 0], *map(list, pairs), [0, 0]]


def random_conv_case(rng, *, depthwise=False):
    """Sorteia x, kernel, bias e argumentos de uma convolução 2-D que cabe na entrada."""
    strides = tuple(int(v) for v in rng.integers(1, 4, size=2))
    if depthwise:  # o TensorFlow exige passos iguais e, com dilatação, passo 1
        strides = (strides[0],) * 2
    dilation = tuple(int(v) for v in rng.integers(1, 3, size=2))
    if depthwise and strides != (1, 1):
        dilation = (1, 1)
    kernel_hw = rng.integers(1, 6, size=2)  # ímpares e pares
    padding = random_padding(rng)
    low = (kernel_hw - 1) * dilation + 1
    height, width = (int(rng.integers(lo, lo + 8)) for lo in low)
    batch, channels, filters = (int(v) for v in rng.integers(1, 5, size=3))
    x = normal(rng, batch, height, width, channels)
    kernel = normal(rng, *kernel_hw, channels, filters)
    bias = normal(rng, channels * filters if depthwise else filters)
    return x, kernel, bias, {"strides": strides, "padding": padding, "dilation_rate": dilation}


def tf_args(kwargs):
    return {
        "strides": [1, *kwargs["strides"], 1],
        "padding": tf_padding(kwargs["padding"]),
        "dilations": list(kwargs["dilation_rate"]),
    }


def test_conv2d_equals_tf_nn_conv2d():
    rng = np.random.default_rng(0)
    for _ in range(CASES):
        x, kernel, bias, kwargs = random_conv_case(rng)
        reference = tf.nn.bias_add(tf.nn.conv2d(x, kernel, **tf_args(kwargs)), bias)
        assert_close(ops.conv2d(x, kernel, bias, **kwargs), reference)


def test_conv2d_same_puts_the_extra_padding_at_the_bottom_right():
    rng = np.random.default_rng(1)
    for size in range(4, 9):
        x, kernel = normal(rng, 1, size, size + 1, 2), normal(rng, 4, 2, 2, 3)  # kernel par na altura
        for strides in (1, 2, 3):
            reference = tf.nn.conv2d(x, kernel, strides, "SAME")
            assert_close(ops.conv2d(x, kernel, strides=strides, padding="same"), reference)


def test_conv2d_naive_equals_conv2d():
    rng = np.random.default_rng(2)
    for _ in range(CASES):
        x, kernel, bias, kwargs = random_conv_case(rng)
        assert_close(ops.conv2d_naive(x, kernel, bias, **kwargs), ops.conv2d(x, kernel, bias, **kwargs))


def test_conv2d_accepts_images_without_batch_and_channels():
    rng = np.random.default_rng(3)
    for _ in range(10):
        x, kernel, _, kwargs = random_conv_case(rng)
        image, image_kernel = x[0, ..., 0], kernel[..., 0, 0]
        expected = ops.conv2d(x[:1, ..., :1], kernel[..., :1, :1], **kwargs)[0, ..., 0]
        assert_close(ops.conv2d(image, image_kernel, **kwargs), expected)
        assert_close(ops.conv2d(x[0], kernel, **kwargs), ops.conv2d(x, kernel, **kwargs)[0])


def test_seed_example_vertical_edge():
    image = np.array([[10, 10, 10, 0, 0]] * 5)
    kernel = np.array([[1, 0, -1]] * 3)
    expected = tf.nn.conv2d(
        image[None, ..., None].astype("f"), kernel[..., None, None].astype("f"), 1, "VALID"
    )
    result = ops.conv2d(image, kernel)
    assert result.shape == (3, 3)
    assert_close(result, np.asarray(expected)[0, ..., 0])


@pytest.mark.parametrize(
    ("dtype", "expected"), [(np.float64, np.float64), (np.float32, np.float32), (np.int64, np.float32)]
)
def test_output_dtype(dtype, expected):
    x, kernel = np.ones((5, 5), dtype=dtype), np.ones((3, 3), dtype=dtype)
    for function in (ops.conv2d, ops.conv2d_naive, ops.depthwise_conv2d, ops.conv2d_transpose):
        assert function(x, kernel).dtype == expected
    assert ops.max_pool2d(x).dtype == expected
    assert ops.conv2d(x.astype(int).tolist(), kernel.astype(int).tolist()).dtype == np.float32


def test_convolve2d_equals_scipy_and_flipped_conv2d():
    rng = np.random.default_rng(4)
    for _ in range(CASES):
        kh, kw = (int(v) for v in rng.integers(1, 6, size=2))
        image = rng.standard_normal((int(rng.integers(kh, kh + 8)), int(rng.integers(kw, kw + 8))))
        kernel = rng.standard_normal((kh, kw))
        assert_close(ops.convolve2d(image, kernel), signal.convolve2d(image, kernel, mode="valid"))
        full = ((kh - 1, kh - 1), (kw - 1, kw - 1))
        assert_close(
            ops.convolve2d(image, kernel, padding=full), signal.convolve2d(image, kernel, mode="full")
        )
        if kh % 2 and kw % 2:
            same = signal.convolve2d(image, kernel, mode="same")
            assert_close(ops.convolve2d(image, kernel, padding="same"), same)
        x, kernel4, bias, kwargs = random_conv_case(rng)
        flipped = ops.conv2d(x, kernel4[::-1, ::-1], bias, **kwargs)
        assert_close(ops.convolve2d(x, kernel4, bias, **kwargs), flipped)


def random_conv1d_case(rng):
    strides, dilation = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    size = int(rng.integers(1, 6))
    length = int(rng.integers((size - 1) * dilation + 1, (size - 1) * dilation + 12))
    batch, channels, filters = (int(v) for v in rng.integers(1, 5, size=3))
    return (
        normal(rng, batch, length, channels),
        normal(rng, size, channels, filters),
        normal(rng, filters),
        strides,
        dilation,
    )


def test_conv1d_equals_tf_nn_conv1d():
    rng = np.random.default_rng(5)
    for case in range(CASES):
        x, kernel, bias, strides, dilation = random_conv1d_case(rng)
        padding = ("valid", "same")[case % 2]
        reference = tf.nn.bias_add(
            tf.nn.conv1d(x, kernel, strides, padding.upper(), dilations=dilation), bias
        )
        result = ops.conv1d(x, kernel, bias, strides=strides, padding=padding, dilation_rate=dilation)
        assert_close(result, reference)
        pair = tuple(int(v) for v in rng.integers(0, 3, size=2))
        padded = np.pad(x, ((0, 0), pair, (0, 0)))
        reference = tf.nn.conv1d(padded, kernel, strides, "VALID", dilations=dilation)
        assert_close(ops.conv1d(x, kernel, strides=strides, padding=pair, dilation_rate=dilation), reference)


def test_conv1d_causal_equals_keras_conv1d():
    rng = np.random.default_rng(6)
    for _ in range(10):
        x, kernel, bias, strides, dilation = random_conv1d_case(rng)
        dilation = dilation if strides == 1 else 1  # o Keras não aceita os dois > 1
        layer = keras.layers.Conv1D(
            kernel.shape[2], kernel.shape[0], strides=strides, padding="causal", dilation_rate=dilation
        )
        layer.build(x.shape)
        layer.set_weights([kernel, bias])
        result = ops.conv1d(x, kernel, bias, strides=strides, padding="causal", dilation_rate=dilation)
        assert_close(result, layer(x))


def test_conv1d_on_a_signal_equals_numpy_correlate():
    rng = np.random.default_rng(7)
    for _ in range(10):
        signal_1d, kernel = (
            rng.standard_normal(int(rng.integers(6, 20))),
            rng.standard_normal(int(rng.integers(1, 6))),
        )
        assert_close(ops.conv1d(signal_1d, kernel), np.correlate(signal_1d, kernel, mode="valid"))


def test_depthwise_conv2d_equals_tf():
    rng = np.random.default_rng(8)
    for _ in range(CASES):
        x, kernel, bias, kwargs = random_conv_case(rng, depthwise=True)
        reference = tf.nn.bias_add(tf.nn.depthwise_conv2d(x, kernel, **tf_args(kwargs)), bias)
        assert_close(ops.depthwise_conv2d(x, kernel, bias, **kwargs), reference)


def test_depthwise_conv2d_is_conv2d_per_channel_with_any_strides():
    rng = np.random.default_rng(9)
    for _ in range(10):
        x, kernel, _, kwargs = random_conv_case(rng)  # passos diferentes e dilatação com passo: fora do TF
        result = ops.depthwise_conv2d(x, kernel, **kwargs)
        channels, multiplier = kernel.shape[2:]
        for c in range(channels):
            expected = ops.conv2d(x[..., c : c + 1], kernel[:, :, c : c + 1], **kwargs)
            assert_close(result[..., c * multiplier : (c + 1) * multiplier], expected)


def test_separable_conv2d_equals_tf():
    rng = np.random.default_rng(10)
    for _ in range(CASES):
        x, depthwise, _, kwargs = random_conv_case(rng, depthwise=True)
        if not isinstance(kwargs["padding"], str):
            kwargs["padding"] = "same"  # tf.nn.separable_conv2d aceita só "SAME"/"VALID"
        filters = int(rng.integers(1, 6))
        pointwise = normal(rng, 1, 1, depthwise.shape[2] * depthwise.shape[3], filters)
        bias = normal(rng, filters)
        args = tf_args(kwargs)
        reference = tf.nn.separable_conv2d(
            x, depthwise, pointwise, args["strides"], args["padding"], dilations=args["dilations"]
        )
        result = ops.separable_conv2d(x, depthwise, pointwise, bias, **kwargs)
        assert_close(result, tf.nn.bias_add(reference, bias))


def test_conv2d_transpose_equals_keras():
    rng = np.random.default_rng(11)
    compared = 0
    while compared < CASES:
        strides = tuple(int(v) for v in rng.integers(1, 4, size=2))
        kernel_hw = tuple(int(v) for v in rng.integers(1, 6, size=2))
        padding = ("valid", "same")[int(rng.integers(2))]
        output_padding = None
        if rng.random() < 0.5:
            output_padding = tuple(int(rng.integers(s)) for s in strides)
        batch, height, width, channels, filters = (int(v) for v in rng.integers(1, 6, size=5))
        x = normal(rng, batch, height, width, channels)
        kwargs = {"strides": strides, "padding": padding, "output_padding": output_padding}
        layer = keras.layers.Conv2DTranspose(filters, kernel_hw, **kwargs)
        kernel, bias = normal(rng, *kernel_hw, filters, channels), normal(rng, filters)
        layer.build(x.shape)
        layer.set_weights([kernel, bias])
        try:
            reference = layer(x)
        except tf.errors.InvalidArgumentError:  # "same" com kernel par sem output_padding: o TF rejeita
            with pytest.raises(ValueError, match="padding='same'"):
                ops.conv2d_transpose(x, kernel, bias, **kwargs)
            continue
        assert_close(ops.conv2d_transpose(x, kernel, bias, **kwargs), reference)
        compared += 1


def test_conv2d_transpose_is_the_adjoint_of_conv2d():
    """<conv2d(y, k), x> = <y, conv2d_transpose(x, k)>, também com dilatação e preenchimento inteiro."""
    rng = np.random.default_rng(12)
    for _ in range(CASES):
        strides = tuple(int(v) for v in rng.integers(1, 4, size=2))
        dilation = tuple(int(v) for v in rng.integers(1, 3, size=2))
        kernel_hw = tuple(int(v) for v in rng.integers(1, 5, size=2))
        padding = int(rng.integers(0, 2)) if min(kernel_hw) > 1 else 0  # a saída não pode sumir
        extra = tuple(int(rng.integers(s)) for s in strides)
        height, width, channels, filters = (int(v) for v in rng.integers(2, 6, size=4))
        x = rng.standard_normal((2, height, width, channels))
        kernel = rng.standard_normal((*kernel_hw, filters, channels))
        kwargs = {"strides": strides, "dilation_rate": dilation}
        up = ops.conv2d_transpose(x, kernel, padding=padding, output_padding=extra, **kwargs)
        y = rng.standard_normal(up.shape)
        # a convolução direta correspondente: `padding` antes e o que sobra depois, para voltar a (H, W)
        after = [
            (n - 1) * s + d * (k - 1) + 1 - size - padding
            for n, s, d, k, size in zip(
                (height, width), strides, dilation, kernel_hw, up.shape[1:3], strict=True
            )
        ]
        pads = tuple((padding, max(rest, 0)) for rest in after)
        down = ops.conv2d(y, kernel, padding=pads, **kwargs)  # o mesmo kernel, lido como (kh, kw, F, C)
        assert down.shape == x.shape
        np.testing.assert_allclose(np.sum(down * x), np.sum(y * up), rtol=1e-9)


def random_pool_case(rng):
    pool = tuple(int(v) for v in rng.integers(1, 4, size=2))
    strides = None if rng.random() < 0.3 else tuple(int(v) for v in rng.integers(1, 4, size=2))
    padding = ("valid", "same")[int(rng.integers(2))]
    shape = (
        int(rng.integers(1, 4)),
        int(rng.integers(3, 12)),
        int(rng.integers(3, 12)),
        int(rng.integers(1, 4)),
    )
    return normal(rng, *shape), pool, strides, padding


@pytest.mark.parametrize(
    ("ours", "theirs"), [(ops.max_pool2d, tf.nn.max_pool2d), (ops.avg_pool2d, tf.nn.avg_pool2d)]
)
def test_pooling_equals_tf(ours, theirs):
    rng = np.random.default_rng(13)
    for _ in range(CASES):
        x, pool, strides, padding = random_pool_case(rng)
        reference = theirs(x, pool, strides or pool, padding.upper())
        assert_close(ours(x, pool, strides, padding), reference)
        assert_close(ours(x[0, ..., 0], pool, strides, padding), np.asarray(reference)[0, ..., 0])


@pytest.mark.parametrize(
    ("ours", "layer"),
    [
        (ops.global_avg_pool2d, keras.layers.GlobalAveragePooling2D),
        (ops.global_max_pool2d, keras.layers.GlobalMaxPooling2D),
    ],
)
def test_global_pooling_equals_keras(ours, layer):
    rng = np.random.default_rng(14)
    for _ in range(10):
        x = normal(rng, *(int(v) for v in rng.integers(1, 7, size=4)))
        for keepdims in (False, True):
            assert_close(ours(x, keepdims=keepdims), layer(keepdims=keepdims)(x))
        assert_close(ours(x[0]), layer()(x)[0])


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (ops.relu, tf.nn.relu),
        (ops.sigmoid, tf.math.sigmoid),
        (ops.tanh, tf.math.tanh),
        (ops.softmax, tf.nn.softmax),
    ],
)
def test_activations_equal_tf(ours, theirs):
    rng = np.random.default_rng(15)
    for scale in (1.0, 30.0, 1000.0):  # valores grandes: sem estouro nem NaN
        x = (scale * rng.standard_normal((4, 7))).astype(np.float32)
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            result = ours(x)
        assert_close(result, theirs(x), rtol=1e-5, atol=1e-6)


def test_softmax_axis_and_sum():
    rng = np.random.default_rng(16)
    x = normal(rng, 3, 4, 5)
    for axis in (0, 1, -1):
        result = ops.softmax(x, axis=axis)
        assert_close(result, tf.nn.softmax(x, axis=axis), rtol=1e-5, atol=1e-6)
        assert_close(result.sum(axis=axis), np.ones(np.delete(x.shape, axis)), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("axis", [-1, 1])
def test_batch_norm_equals_keras_in_training_and_inference(axis):
    rng = np.random.default_rng(17)
    for _ in range(8):
        x = (3 * rng.standard_normal(tuple(rng.integers(2, 6, size=4))) + 1).astype(np.float32)
        channels = x.shape[axis]
        gamma, beta, mean = normal(rng, channels), normal(rng, channels), normal(rng, channels)
        variance = rng.uniform(0.5, 2.0, channels).astype(np.float32)
        momentum, epsilon = float(rng.uniform(0.5, 0.999)), float(rng.uniform(1e-4, 1e-2))
        layer = keras.layers.BatchNormalization(axis=axis, momentum=momentum, epsilon=epsilon)
        layer.build(x.shape)
        layer.set_weights([gamma, beta, mean, variance])
        kwargs = {"momentum": momentum, "epsilon": epsilon, "axis": axis}
        inference = ops.batch_norm(x, gamma, beta, mean, variance, training=False, **kwargs)
        assert_close(inference.output, layer(x, training=False))
        assert_close(inference.moving_mean, mean)
        training = ops.batch_norm(x, gamma, beta, mean, variance, training=True, **kwargs)
        assert_close(training.output, layer(x, training=True))
        assert_close(training.moving_mean, layer.moving_mean.numpy(), rtol=1e-5, atol=1e-5)
        assert_close(training.moving_variance, layer.moving_variance.numpy(), rtol=1e-5, atol=1e-5)


def test_batch_norm_defaults_equal_a_fresh_keras_layer():
    x = normal(np.random.default_rng(18), 8, 5)
    layer = keras.layers.BatchNormalization()
    result = ops.batch_norm(x, training=True)
    assert_close(result.output, layer(x, training=True))
    assert_close(result.moving_variance, layer.moving_variance.numpy(), rtol=1e-5, atol=1e-6)


def test_dropout_scaling_matches_keras():
    rng = np.random.default_rng(19)
    x = rng.uniform(0.5, 2.0, (200, 50)).astype(np.float32)
    for rate in (0.1, 0.5, 0.8):
        ours = ops.dropout(x, rate, seed=int(rng.integers(1000)))
        theirs = np.asarray(keras.layers.Dropout(rate, seed=1)(x, training=True))
        for result in (ours, theirs):
            kept = result != 0
            assert_close(result[kept], x[kept] / (1 - rate), rtol=1e-6, atol=1e-6)
            assert abs(1 - kept.mean() - rate) < 0.02  # fração zerada ≈ rate
        assert_close(ops.dropout(x, rate, training=False), x)
        assert_close(np.asarray(keras.layers.Dropout(rate)(x, training=False)), x)


def test_dropout_seed_and_identity():
    x = np.arange(1, 1001, dtype=np.float64)
    assert np.array_equal(ops.dropout(x, 0.3, seed=7), ops.dropout(x, 0.3, seed=7))
    assert not np.array_equal(ops.dropout(x, 0.3, seed=7), ops.dropout(x, 0.3, seed=8))
    assert np.array_equal(ops.dropout(x, 0.0, seed=7), x)
    assert ops.dropout(x, 0.3).dtype == np.float64


def test_output_sizes_agree_with_shapes():
    rng = np.random.default_rng(20)
    for _ in range(CASES):
        x, kernel, _, kwargs = random_conv_case(rng)
        pads = check_padding(kwargs["padding"])
        pads = (pads, pads) if isinstance(pads, str) else pads
        arguments = zip(
            x.shape[1:3], kernel.shape[:2], kwargs["strides"], pads, kwargs["dilation_rate"], strict=True
        )
        expected = tuple(shapes.output_size(*args) for args in arguments)
        assert ops.conv2d(x, kernel, **kwargs).shape[1:3] == expected
