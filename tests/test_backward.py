"""Retropropagação do cnn_lib.ops: igual ao tf.GradientTape e a gradientes numéricos (diferenças centrais)."""

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from test_ops import assert_close, normal, random_conv_case, tf_args  # noqa: E402

from cnn_lib import ops  # noqa: E402

CASES = 25


def tf_dilated(kernel, dilation):
    """O kernel com ``d − 1`` zeros entre os elementos (operações do TF: o gradiente passa).

    O ``Conv2DBackpropInput`` do TensorFlow na CPU não aceita dilatação > 1; a convolução com o kernel
    dilatado à mão e ``dilations=1`` é a mesma conta.
    """
    (kh, kw, channels, filters), (dh, dw) = kernel.shape, dilation
    spread = tf.pad(kernel[:, None, :, None], [[0, 0], [0, dh - 1], [0, 0], [0, dw - 1], [0, 0], [0, 0]])
    spread = tf.reshape(spread, (kh * dh, kw * dw, channels, filters))
    return spread[: (kh - 1) * dh + 1, : (kw - 1) * dw + 1]


def tf_conv_gradients(dout, x, kernel, bias, kwargs):
    """∂L/∂X, ∂L/∂K e ∂L/∂b do TensorFlow para L = Σ Y·dout (então ∂L/∂Y = dout)."""
    x, kernel, bias = (tf.Variable(v) for v in (x, kernel, bias))
    args = {**tf_args(kwargs), "dilations": [1, 1]}
    with tf.GradientTape() as tape:
        y = tf.nn.bias_add(tf.nn.conv2d(x, tf_dilated(kernel, kwargs["dilation_rate"]), **args), bias)
        loss = tf.reduce_sum(y * dout)
    return tape.gradient(loss, [x, kernel, bias])


def test_tf_reference_with_dilated_kernel_equals_tf_dilation():
    rng = np.random.default_rng(99)
    for _ in range(5):
        x, kernel, _, kwargs = random_conv_case(rng)
        by_hand = tf.nn.conv2d(
            x, tf_dilated(kernel, kwargs["dilation_rate"]), **{**tf_args(kwargs), "dilations": 1}
        )
        assert_close(np.asarray(by_hand), tf.nn.conv2d(x, kernel, **tf_args(kwargs)))


def test_conv2d_backward_equals_gradient_tape():
    rng = np.random.default_rng(100)
    for _ in range(CASES):
        x, kernel, bias, kwargs = random_conv_case(rng)
        dout = normal(rng, *ops.conv2d(x, kernel, **kwargs).shape)
        ours = ops.conv2d_backward(dout, x, kernel, **kwargs)
        for mine, reference in zip(ours, tf_conv_gradients(dout, x, kernel, bias, kwargs), strict=True):
            assert mine.dtype == np.float32
            assert_close(mine, reference)


def test_conv2d_backward_by_blocks_of_the_batch():
    """Imagens grandes: a volta vetorizada trata o lote em vários blocos (uma imagem por bloco aqui)."""
    rng = np.random.default_rng(109)
    x, kernel, bias = normal(rng, 3, 90, 90, 16), normal(rng, 3, 3, 16, 4), normal(rng, 4)
    kwargs = {"strides": (1, 1), "padding": "same", "dilation_rate": (1, 1)}
    dout = normal(rng, 3, 90, 90, 4)
    for mine, reference in zip(
        ops.conv2d_backward(dout, x, kernel, **kwargs),
        tf_conv_gradients(dout, x, kernel, bias, kwargs),
        strict=True,
    ):
        np.testing.assert_allclose(mine, reference, rtol=1e-4, atol=2e-3)  # somas de ~100 000 parcelas


def test_conv2d_backward_naive_equals_vectorized():
    rng = np.random.default_rng(101)
    for _ in range(CASES):
        x, kernel, _, kwargs = random_conv_case(rng)
        dout = normal(rng, *ops.conv2d(x, kernel, **kwargs).shape)
        fast = ops.conv2d_backward(dout, x, kernel, **kwargs)
        slow = ops.conv2d_backward_naive(dout, x, kernel, **kwargs)
        for a, b in zip(fast, slow, strict=True):
            assert_close(a, b)


def numerical_gradient(f, value: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Gradiente de ``f`` (escalar) em relação a ``value`` por diferenças centrais, um elemento por vez."""
    grad = np.zeros_like(value)
    for index in np.ndindex(value.shape):
        old = value[index]
        value[index] = old + h
        plus = f()
        value[index] = old - h
        minus = f()
        value[index] = old
        grad[index] = (plus - minus) / (2 * h)
    return grad


def test_conv2d_backward_equals_numerical_gradients():
    rng = np.random.default_rng(102)
    for _ in range(8):
        x, kernel, bias, kwargs = (
            v.astype(np.float64) if isinstance(v, np.ndarray) else v for v in random_conv_case(rng)
        )
        x, kernel = x[:2, :9, :9], kernel[..., :3]  # pequeno: uma avaliação por elemento
        if ops.conv2d(x, kernel, **kwargs).size == 0:
            continue
        bias = bias[:3]
        dout = rng.standard_normal(ops.conv2d(x, kernel, **kwargs).shape)

        def loss():
            return np.sum(ops.conv2d(x, kernel, bias, **kwargs) * dout)  # noqa: B023

        dx, dkernel, dbias = ops.conv2d_backward(dout, x, kernel, **kwargs)
        np.testing.assert_allclose(dx, numerical_gradient(loss, x), rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(dkernel, numerical_gradient(loss, kernel), rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(dbias, numerical_gradient(loss, bias), rtol=1e-6, atol=1e-8)


def test_teaching_2d_inputs():
    rng = np.random.default_rng(103)
    for _ in range(10):
        x, kernel, _, kwargs = random_conv_case(rng)
        image, image_kernel = x[0, ..., 0], kernel[..., 0, 0]
        dout = normal(rng, *ops.conv2d(image, image_kernel, **kwargs).shape)
        dx, dkernel, dbias = ops.conv2d_backward(dout, image, image_kernel, **kwargs)
        full = ops.conv2d_backward(dout[None, ..., None], x[:1, ..., :1], kernel[..., :1, :1], **kwargs)
        assert dx.shape == image.shape and dkernel.shape == image_kernel.shape and dbias.shape == ()
        assert_close(dx, full[0][0, ..., 0])
        assert_close(dkernel, full[1][..., 0, 0])
        assert_close(dbias, full[2][0])
        without_batch = ops.conv2d_backward(dout[..., None], x[0, ..., :1], kernel[..., :1, :1], **kwargs)
        assert_close(without_batch[0], full[0][0])


def test_input_gradient_is_a_full_convolution_with_the_rotated_kernel():
    """Passo 1, sem preenchimento: ∂L/∂X = dout com k − 1 zeros em volta, correlacionado com K girado 180°."""
    rng = np.random.default_rng(104)
    for _ in range(10):
        kh, kw = (int(v) for v in rng.integers(1, 5, size=2))
        x, kernel = normal(rng, 2, kh + 5, kw + 4, 3), normal(rng, kh, kw, 3, 4)
        dout = normal(rng, *ops.conv2d(x, kernel).shape)
        dx, dkernel, _ = ops.conv2d_backward(dout, x, kernel)
        rotated = kernel[::-1, ::-1].transpose(0, 1, 3, 2)  # (kh, kw, F, C): filtros viram canais de entrada
        assert_close(dx, ops.conv2d(dout, rotated, padding=((kh - 1, kh - 1), (kw - 1, kw - 1))))
        assert_close(
            dx, ops.convolve2d(dout, kernel.transpose(0, 1, 3, 2), padding=((kh - 1,) * 2, (kw - 1,) * 2))
        )
        # ∂L/∂K: correlação da entrada com dout (o lote faz o papel dos canais de entrada)
        by_correlation = ops.conv2d(x.transpose(3, 1, 2, 0), dout.transpose(1, 2, 0, 3)).transpose(1, 2, 0, 3)
        assert_close(dkernel, by_correlation)


def tf_pool_gradient(dout, x, kind, pool_size, strides, padding):
    x = tf.Variable(x)
    pool = tf.nn.max_pool2d if kind == "max" else tf.nn.avg_pool2d
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(pool(x, pool_size, strides, padding.upper()) * dout)
    return tape.gradient(loss, x)


def random_pool_case(rng):
    pool_size = tuple(int(v) for v in rng.integers(1, 4, size=2))
    strides = tuple(int(v) for v in rng.integers(1, 4, size=2))  # sobrepostas, justas ou com folga
    padding = ("valid", "same")[int(rng.integers(2))]
    batch, channels = (int(v) for v in rng.integers(1, 4, size=2))
    height, width = (int(rng.integers(k, k + 7)) for k in pool_size)
    return normal(rng, batch, height, width, channels), pool_size, strides, padding


@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pool_backward_equals_gradient_tape_and_naive(kind):
    rng = np.random.default_rng(105 if kind == "max" else 106)
    forward = ops.max_pool2d if kind == "max" else ops.avg_pool2d
    backward = ops.max_pool2d_backward if kind == "max" else ops.avg_pool2d_backward
    naive = ops.max_pool2d_backward_naive if kind == "max" else ops.avg_pool2d_backward_naive
    for _ in range(CASES):
        x, pool_size, strides, padding = random_pool_case(rng)
        kwargs = {"pool_size": pool_size, "strides": strides, "padding": padding}
        dout = normal(rng, *forward(x, **kwargs).shape)
        ours = backward(dout, x, **kwargs)
        assert ours.dtype == np.float32
        assert_close(ours, tf_pool_gradient(dout, x, kind, pool_size, strides, padding))
        assert_close(naive(dout, x, **kwargs), ours)


@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pool_backward_equals_numerical_gradients(kind):
    rng = np.random.default_rng(107)
    forward = ops.max_pool2d if kind == "max" else ops.avg_pool2d
    backward = ops.max_pool2d_backward if kind == "max" else ops.avg_pool2d_backward
    for _ in range(8):
        x, pool_size, strides, padding = random_pool_case(rng)
        x = x.astype(np.float64)  # valores distintos: o máximo de cada janela é único
        kwargs = {"pool_size": pool_size, "strides": strides, "padding": padding}
        dout = rng.standard_normal(forward(x, **kwargs).shape)
        numeric = numerical_gradient(lambda: np.sum(forward(x, **kwargs) * dout), x)  # noqa: B023
        np.testing.assert_allclose(backward(dout, x, **kwargs), numeric, rtol=1e-6, atol=1e-8)


def test_max_pool_gradient_goes_only_to_the_maximum_and_ties_to_the_first():
    x = np.array([[1.0, 3.0], [3.0, 2.0]])
    assert ops.max_pool2d_backward(np.array([[5.0]]), x).tolist() == [[0, 5], [0, 0]]
    reference = tf_pool_gradient(
        np.ones((1, 1, 1, 1), "f"), x[None, ..., None].astype("f"), "max", 2, 2, "valid"
    )
    assert np.asarray(reference)[0, ..., 0].tolist() == [[0, 1], [0, 0]]
    assert ops.max_pool2d_backward_naive(np.array([[5.0]]), x).tolist() == [[0, 5], [0, 0]]


def test_avg_pool_gradient_is_shared_equally():
    dx = ops.avg_pool2d_backward(np.array([[9.0]]), np.zeros((3, 3)), pool_size=3)
    assert dx.tolist() == [[1.0] * 3] * 3


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: ops.conv2d_backward(np.ones((3, 3)), np.ones((4, 4)), np.ones((3, 3))),
            r"dout deve ter a forma",
        ),
        (
            lambda: ops.conv2d_backward(np.ones((2, 2)), np.ones((4, 4)), np.ones((3, 3)), strides=0),
            "strides",
        ),
        (
            lambda: ops.conv2d_backward(np.ones((2, 2)), np.ones((4, 4)), np.ones((3, 3)), padding="x"),
            "padding",
        ),
        (lambda: ops.conv2d_backward([[np.nan]], np.ones((1, 1)), np.ones((1, 1))), "dout deve conter só"),
        (lambda: ops.max_pool2d_backward(np.ones((3, 3)), np.ones((4, 4))), r"recebido: shape \(3, 3\)"),
        (lambda: ops.avg_pool2d_backward(np.ones((2, 2)), np.ones((4, 4)), padding=1), "no pooling"),
        (lambda: ops.avg_pool2d_backward(np.ones((2, 2)), np.ones((4, 4)), pool_size=0), "pool_size"),
    ],
)
def test_errors_in_portuguese(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_mixed_dtypes_give_float64_everywhere():
    rng = np.random.default_rng(108)
    x, kernel = normal(rng, 1, 6, 6, 2), normal(rng, 3, 3, 2, 3)
    dout = rng.standard_normal((1, 4, 4, 3))  # float64
    gradients = ops.conv2d_backward(dout, x, kernel)
    assert [g.dtype for g in gradients] == [np.float64] * 3
    reference = ops.conv2d_backward(dout, x.astype(np.float64), kernel.astype(np.float64))
    for mine, expected in zip(gradients, reference, strict=True):
        np.testing.assert_array_equal(mine, expected)
    assert ops.avg_pool2d_backward(dout[..., :2][:, :3, :3], x, pool_size=2, strides=2).dtype == np.float64


def test_float64_stays_float64():
    x, kernel = np.ones((5, 5)), np.ones((3, 3))
    dx, dkernel, dbias = ops.conv2d_backward(np.ones((3, 3)), x, kernel)
    assert dx.dtype == dkernel.dtype == dbias.dtype == np.float64
    assert ops.max_pool2d_backward(np.ones((2, 2)), x[:4, :4]).dtype == np.float64
