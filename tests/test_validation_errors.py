"""Entradas ruins: erro em português que nomeia o parâmetro e o valor recebido."""

import re

import numpy as np
import pytest

from cnn_lib import ops, shapes

ONES_2D, ONES_4D = np.ones((5, 5)), np.ones((1, 5, 5, 3))
KERNEL_4D = np.ones((3, 3, 3, 2))
WITH_NAN = np.array([[1.0, np.nan, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])

PORTUGUESE = re.compile(r"\b(deve|recebido|não|maior|menor|só)\b")
ENGLISH = re.compile(r"\b(must|received|expected|should|invalid|cannot)\b", re.IGNORECASE)


def case(call, error, *fragments, id):
    return pytest.param(call, error, fragments, id=id)


CONVOLUTIONS = {
    "conv2d": ops.conv2d,
    "conv2d_naive": ops.conv2d_naive,
    "convolve2d": ops.convolve2d,
    "depthwise_conv2d": ops.depthwise_conv2d,
}
POOLS = {"max_pool2d": ops.max_pool2d, "avg_pool2d": ops.avg_pool2d}

CASES = [
    # kernel maior que a entrada (padding "valid")
    *(
        case(
            lambda f=f: f(np.ones((3, 3)), np.ones((5, 5))),
            ValueError,
            "kernel_size=5",
            "n=3",
            id=f"{n}-kernel-grande",
        )
        for n, f in CONVOLUTIONS.items()
    ),
    case(
        lambda: ops.conv1d(np.ones(3), np.ones(5)),
        ValueError,
        "kernel_size=5",
        "n=3",
        id="conv1d-kernel-grande",
    ),
    case(
        lambda: shapes.output_size(3, 5), ValueError, "kernel_size=5", "n=3", id="output_size-kernel-grande"
    ),
    *(
        case(
            lambda f=f: f(np.ones((2, 2)), pool_size=3),
            ValueError,
            "pool_size",
            "n=2",
            id=f"{n}-janela-grande",
        )
        for n, f in POOLS.items()
    ),
    case(
        lambda: shapes.dense_input_size((4, 4, 1), [{"kind": "conv", "filters": 1, "kernel_size": 5}]),
        ValueError,
        "layers[0]",
        "kernel_size=5",
        "n=4",
        id="dense_input_size-kernel-grande",
    ),
    # canais que não batem
    *(
        case(
            lambda f=f: f(ONES_4D, np.ones((3, 3, 4, 2))),
            ValueError,
            "x.shape[-1] = 3",
            "kernel.shape[-2] = 4",
            id=f"{n}-canais",
        )
        for n, f in CONVOLUTIONS.items()
    ),
    case(
        lambda: ops.conv1d(np.ones((1, 5, 3)), np.ones((2, 4, 1))),
        ValueError,
        "x.shape[-1] = 3",
        "= 4",
        id="conv1d-canais",
    ),
    case(
        lambda: ops.conv2d_transpose(ONES_4D, np.ones((3, 3, 2, 4))),
        ValueError,
        "kernel.shape[-1] = 4",
        id="conv2d_transpose-canais",
    ),
    case(
        lambda: ops.separable_conv2d(ONES_4D, np.ones((3, 3, 3, 1)), np.ones((1, 1, 4, 2))),
        ValueError,
        "pointwise_kernel",
        "(1, 1, 4, 2)",
        id="separable_conv2d-canais",
    ),
    # strides 0
    *(
        case(
            lambda f=f: f(ONES_4D, KERNEL_4D, strides=0),
            ValueError,
            "strides",
            "recebido: 0",
            id=f"{n}-strides-0",
        )
        for n, f in CONVOLUTIONS.items()
    ),
    case(
        lambda: ops.conv2d(ONES_4D, KERNEL_4D, strides=(1, 0)),
        ValueError,
        "strides",
        "(1, 0)",
        id="strides-par",
    ),
    case(
        lambda: ops.conv1d(np.ones(5), np.ones(2), strides=0),
        ValueError,
        "strides",
        "0",
        id="conv1d-strides-0",
    ),
    case(
        lambda: ops.conv2d_transpose(ONES_2D, np.ones((2, 2)), strides=0),
        ValueError,
        "strides",
        "0",
        id="conv2d_transpose-strides-0",
    ),
    *(
        case(lambda f=f: f(ONES_2D, strides=0), ValueError, "strides", "recebido: 0", id=f"{n}-strides-0")
        for n, f in POOLS.items()
    ),
    case(lambda: shapes.output_size(5, 3, strides=0), ValueError, "strides", "0", id="output_size-strides-0"),
    case(
        lambda: shapes.same_padding(5, 3, strides=0), ValueError, "strides", "0", id="same_padding-strides-0"
    ),
    case(
        lambda: shapes.transposed_output_size(5, 3, strides=0),
        ValueError,
        "strides",
        "0",
        id="transposed_output_size-strides-0",
    ),
    case(
        lambda: shapes.receptive_field([(3, 0)]), ValueError, "layers[0] strides", "0", id="receptive_field-0"
    ),
    case(
        lambda: ops.conv2d(ONES_2D, np.ones((2, 2)), dilation_rate=0),
        ValueError,
        "dilation_rate",
        "0",
        id="dil-0",
    ),
    # preenchimento negativo ou desconhecido
    case(
        lambda: ops.conv2d(ONES_2D, np.ones((2, 2)), padding=-1),
        ValueError,
        "padding",
        "-1",
        id="conv2d-pad-neg",
    ),
    case(
        lambda: ops.conv2d(ONES_2D, np.ones((2, 2)), padding=((0, -1), (0, 0))),
        ValueError,
        "padding",
        "-1",
        id="conv2d-pares-neg",
    ),
    case(
        lambda: ops.conv1d(np.ones(5), np.ones(2), padding=(-1, 0)),
        ValueError,
        "padding",
        "-1",
        id="conv1d-neg",
    ),
    case(lambda: shapes.output_size(5, 3, padding=-2), ValueError, "padding", "-2", id="output_size-pad-neg"),
    case(
        lambda: ops.conv2d_transpose(ONES_2D, np.ones((2, 2)), padding=-1),
        ValueError,
        "padding",
        "-1",
        id="conv2d_transpose-pad-neg",
    ),
    *(
        case(lambda f=f: f(ONES_4D, KERNEL_4D, padding="foo"), ValueError, "padding", "'foo'", id=f"{n}-foo")
        for n, f in CONVOLUTIONS.items()
    ),
    *(
        case(lambda f=f: f(ONES_2D, padding="foo"), ValueError, "padding", "'foo'", id=f"{n}-foo")
        for n, f in POOLS.items()
    ),
    case(
        lambda: ops.conv1d(np.ones(5), np.ones(2), padding="foo"),
        ValueError,
        "padding",
        "'foo'",
        id="conv1d-foo",
    ),
    case(
        lambda: ops.conv2d_transpose(ONES_2D, np.ones((2, 2)), padding="foo"),
        ValueError,
        "padding",
        "'foo'",
        id="conv2d_transpose-foo",
    ),
    case(
        lambda: shapes.output_size(5, 3, padding="foo"), ValueError, "padding", "'foo'", id="output_size-foo"
    ),
    case(
        lambda: shapes.dense_input_size((8, 8, 1), [{"kind": "pool", "pool_size": 2, "padding": "foo"}]),
        ValueError,
        "layers[0] padding",
        "'foo'",
        id="dense_input_size-foo",
    ),
    case(
        lambda: ops.conv2d(ONES_2D, np.ones((2, 2)), padding=1.5), TypeError, "padding", "1.5", id="pad-float"
    ),
    # "causal" só em 1-D
    *(
        case(
            lambda f=f: f(ONES_4D, KERNEL_4D, padding="causal"),
            ValueError,
            "padding",
            "'causal'",
            id=f"{n}-causal",
        )
        for n, f in CONVOLUTIONS.items()
    ),
    case(
        lambda: ops.max_pool2d(ONES_2D, padding="causal"), ValueError, "padding", "'causal'", id="pool-causal"
    ),
    # número de dimensões errado
    case(lambda: ops.conv2d(np.ones(5), np.ones(3)), ValueError, "x", "1 dimensão,", id="conv2d-x-1d"),
    case(
        lambda: ops.conv2d(np.ones((1, 5, 5, 1, 1)), KERNEL_4D),
        ValueError,
        "x",
        "5 dimensões",
        id="conv2d-x-5d",
    ),
    case(
        lambda: ops.conv2d(np.ones((5, 5, 1)), np.ones((3, 3))),
        ValueError,
        "kernel",
        "(3, 3)",
        id="kernel-2d",
    ),
    case(lambda: ops.conv1d(ONES_4D, np.ones((2, 3, 1))), ValueError, "x", "4 dimensões", id="conv1d-x-4d"),
    case(lambda: ops.max_pool2d(np.ones(5)), ValueError, "x", "1 dimensão,", id="max_pool2d-x-1d"),
    case(
        lambda: ops.global_avg_pool2d(np.ones(5)), ValueError, "x", "1 dimensão,", id="global_avg_pool2d-1d"
    ),
    case(
        lambda: ops.separable_conv2d(ONES_2D, np.ones((3, 3)), np.ones((1, 1, 1, 1))),
        ValueError,
        "x",
        "2 dimensões",
        id="separable_conv2d-x-2d",
    ),
    case(lambda: ops.batch_norm(np.float64(1.0)), ValueError, "x", "1 dimensão", id="batch_norm-escalar"),
    # NaN
    case(lambda: ops.conv2d(WITH_NAN, np.ones((2, 2))), ValueError, "x", "NaN", id="conv2d-x-nan"),
    case(lambda: ops.conv2d(ONES_2D, WITH_NAN), ValueError, "kernel", "NaN", id="conv2d-kernel-nan"),
    case(
        lambda: ops.conv1d(np.array([1.0, np.inf]), np.ones(1)), ValueError, "x", "infinito", id="conv1d-inf"
    ),
    case(lambda: ops.max_pool2d(WITH_NAN), ValueError, "x", "NaN", id="max_pool2d-nan"),
    case(lambda: ops.relu(WITH_NAN), ValueError, "x", "NaN", id="relu-nan"),
    case(lambda: ops.softmax(WITH_NAN), ValueError, "x", "NaN", id="softmax-nan"),
    case(lambda: ops.batch_norm(WITH_NAN), ValueError, "x", "NaN", id="batch_norm-nan"),
    case(lambda: ops.dropout(WITH_NAN, 0.5), ValueError, "x", "NaN", id="dropout-nan"),
    case(lambda: ops.conv2d("imagem", np.ones((2, 2))), TypeError, "x", "dtype", id="x-texto"),
    case(
        lambda: ops.conv2d([[1, 2], [3]], np.ones((1, 1))), ValueError, "x", "[[1, 2], [3]]", id="x-irregular"
    ),
    # pool_size 0
    *(
        case(
            lambda f=f: f(ONES_2D, pool_size=0), ValueError, "pool_size", "recebido: 0", id=f"{n}-pool_size-0"
        )
        for n, f in POOLS.items()
    ),
    case(
        lambda: shapes.dense_input_size((8, 8, 1), [{"kind": "pool", "pool_size": 0}]),
        ValueError,
        "layers[0] pool_size",
        "0",
        id="dense_input_size-pool_size-0",
    ),
    case(
        lambda: shapes.dense_input_size((8, 8, 1), [{"kind": "pool", "pool_size": 2, "strides": 0}]),
        ValueError,
        "layers[0] strides",
        "0",
        id="dense_input_size-strides-0",
    ),
    # dropout
    case(lambda: ops.dropout(ONES_2D, 1.0), ValueError, "rate", "1.0", id="dropout-1"),
    case(lambda: ops.dropout(ONES_2D, -0.1), ValueError, "rate", "-0.1", id="dropout-negativo"),
    case(lambda: ops.dropout(ONES_2D, "0.5"), TypeError, "rate", "'0.5'", id="dropout-texto"),
    case(lambda: ops.dropout(ONES_2D, 0.5, seed=-1), ValueError, "seed", "-1", id="dropout-seed"),
    # bias do tamanho errado
    *(
        case(
            lambda f=f: f(ONES_4D, KERNEL_4D, bias=np.ones(5)),
            ValueError,
            "bias",
            "shape (5,)",
            id=f"{n}-bias",
        )
        for n, f in CONVOLUTIONS.items()
    ),
    case(
        lambda: ops.conv1d(np.ones((6, 2)), np.ones((2, 2, 3)), bias=np.ones(2)),
        ValueError,
        "bias",
        "shape (2,)",
        id="conv1d-bias",
    ),
    case(
        lambda: ops.conv2d_transpose(ONES_4D, np.ones((2, 2, 4, 3)), bias=np.ones(3)),
        ValueError,
        "bias",
        "(3,)",
        id="conv2d_transpose-bias",
    ),
    # outros argumentos
    case(lambda: shapes.output_size(True, 3), TypeError, "n", "True", id="output_size-bool"),
    case(lambda: shapes.output_size(5, 2.5), TypeError, "kernel_size", "2.5", id="output_size-float"),
    case(
        lambda: shapes.conv_params(3, 32, 64, use_bias="sim"), TypeError, "use_bias", "'sim'", id="use_bias"
    ),
    case(
        lambda: shapes.conv_params((3, 3, 3), 32, 64),
        TypeError,
        "kernel_size",
        "(3, 3, 3)",
        id="kernel_size-trio",
    ),
    case(lambda: shapes.dense_params(0, 10), ValueError, "n_in", "0", id="dense_params-0"),
    case(lambda: shapes.receptive_field([3]), TypeError, "layers[0]", "3", id="receptive_field-int"),
    case(
        lambda: shapes.dense_input_size(
            (28, 28, 1), [{"kind": "conv", "filters": 8, "kernel_size": 3, "stride": 2}]
        ),
        ValueError,
        "layers[0]",
        "'stride'",
        "strides",
        id="dense_input_size-stride",
    ),
    case(
        lambda: shapes.dense_input_size((28, 28, 1), [{"kind": "dense"}]),
        ValueError,
        "layers[0]",
        "'dense'",
        id="dense_input_size-kind",
    ),
    case(
        lambda: shapes.dense_input_size((28, 28), []), TypeError, "input_shape", "(28, 28)", id="input_shape"
    ),
    case(
        lambda: ops.conv2d_transpose(ONES_2D, np.ones((3, 3)), strides=2, output_padding=2),
        ValueError,
        "output_padding",
        "2",
        id="output_padding-grande",
    ),
    case(lambda: ops.batch_norm(ONES_2D, gamma=np.ones(2)), ValueError, "gamma", "shape (2,)", id="bn-gamma"),
    case(lambda: ops.batch_norm(ONES_2D, momentum=1.5), ValueError, "momentum", "1.5", id="bn-momentum"),
    case(lambda: ops.batch_norm(ONES_2D, epsilon=0), ValueError, "epsilon", "0", id="bn-epsilon"),
    case(lambda: ops.batch_norm(ONES_2D, axis=2), ValueError, "axis", "2", id="bn-axis"),
    case(lambda: ops.batch_norm(ONES_2D, training="sim"), TypeError, "training", "'sim'", id="bn-training"),
    case(lambda: ops.softmax(ONES_2D, axis=3), ValueError, "axis", "3", id="softmax-axis"),
    case(lambda: ops.global_max_pool2d(ONES_2D, keepdims=1), TypeError, "keepdims", "1", id="keepdims"),
]


@pytest.mark.parametrize(("call", "error", "fragments"), CASES)
def test_bad_input_raises_a_portuguese_message(call, error, fragments):
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    assert PORTUGUESE.search(message), message
    assert not ENGLISH.search(message), message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} não está em: {message}"


def test_errors_do_not_leak_numpy_tracebacks():
    """A exceção é a nossa, levantada na fronteira, sem uma exceção do NumPy encadeada como causa."""
    for call, error, _ in (param.values for param in CASES):
        with pytest.raises(error) as info:
            call()
        cause = info.value.__cause__
        assert cause is None or "numpy" not in type(cause).__module__
