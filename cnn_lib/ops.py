"""Operações das redes convolucionais em NumPy, com a semântica exata do TensorFlow.

Convenções do Keras: tensores NHWC ``(lote, altura, largura, canais)`` e kernels 2-D
``(kh, kw, canais de entrada, filtros)``. Para ensinar, entradas sem lote e sem canais também servem:
``conv2d(imagem_5x5, kernel_3x3)`` devolve o mapa de características 3×3.

Todas as "convoluções" daqui, como nas bibliotecas de aprendizado profundo, são correlações cruzadas (o kernel
não é invertido); :func:`convolve2d` mostra a convolução da matemática, com o kernel invertido.

Tipos: a saída é ``float64`` se alguma entrada for ``float64``; senão, ``float32`` (como o TensorFlow).
"""

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from cnn_lib import shapes
from cnn_lib._validation import (
    as_array,
    as_pair,
    check_bool,
    check_int,
    check_length,
    check_number,
    check_padding,
    float_dtype,
    is_int,
    received,
)

__all__ = [
    "BatchNormOutput",
    "avg_pool2d",
    "avg_pool2d_backward",
    "avg_pool2d_backward_naive",
    "batch_norm",
    "conv1d",
    "conv2d",
    "conv2d_backward",
    "conv2d_backward_naive",
    "conv2d_naive",
    "conv2d_transpose",
    "convolve2d",
    "depthwise_conv2d",
    "dropout",
    "global_avg_pool2d",
    "global_max_pool2d",
    "max_pool2d",
    "max_pool2d_backward",
    "max_pool2d_backward_naive",
    "relu",
    "separable_conv2d",
    "sigmoid",
    "softmax",
    "tanh",
]

_AXES = ("altura", "largura")


# --- preparação comum: formas, canais, preenchimento


def _batched(x: np.ndarray, spatial: int) -> tuple[np.ndarray, Callable]:
    """Põe ``x`` na forma ``(N, *espaço, C)`` e devolve a função que desfaz a mudança na saída."""
    if x.ndim == spatial:  # imagem ou sinal sem canais
        return x[None, ..., None], lambda y: y[0, ..., 0]
    if x.ndim == spatial + 1:  # sem lote
        return x[None], lambda y: y[0]
    return x, lambda y: y


def _conv_inputs(x, kernel, spatial: int, in_axis: int = -2) -> tuple[np.ndarray, np.ndarray, Callable]:
    """Valida ``x`` e ``kernel`` de uma convolução com ``spatial`` dimensões espaciais.

    Devolve ``x`` com lote e canais, ``kernel`` com os eixos de canais (ambos no tipo da saída) e a função que
    devolve a saída à forma da entrada. ``in_axis`` é o eixo do kernel com os canais de entrada.
    """
    x = as_array(x, "x", (spatial, spatial + 1, spatial + 2))
    kernel = as_array(kernel, "kernel", (spatial, spatial + 2))
    if (x.ndim == spatial) != (kernel.ndim == spatial):
        expected = spatial if x.ndim == spatial else spatial + 2
        raise ValueError(
            f"com x de {x.ndim} dimensões, kernel deve ter {expected} dimensões; "
            f"recebido: kernel com shape {kernel.shape}"
        )
    dtype = float_dtype(x, kernel)
    if kernel.ndim == spatial:
        kernel = kernel[..., None, None]
    x, restore = _batched(x, spatial)
    if x.shape[-1] != kernel.shape[in_axis]:
        raise ValueError(
            f"os canais de x (x.shape[-1] = {x.shape[-1]}) devem ser iguais aos canais de entrada do kernel "
            f"(kernel.shape[{in_axis}] = {kernel.shape[in_axis]}); recebido: x com shape {x.shape}, "
            f"kernel com shape {kernel.shape}"
        )
    return x.astype(dtype, copy=False), kernel.astype(dtype, copy=False), restore


def _check_bias(bias, length: int) -> np.ndarray | None:
    if bias is None:
        return None
    return check_length(as_array(bias, "bias", (0, 1)), "bias", length, "canal de saída")


def _add_bias(y: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
    return y if bias is None else y + bias.astype(y.dtype)


def _output_sizes(sizes, windows, strides, pads, dilation, window: str) -> tuple[int, int]:
    """Tamanhos da saída na altura e na largura; ``window`` descreve a janela na mensagem de erro."""
    result = []
    for axis, n, k, s, p, d in zip(_AXES, sizes, windows, strides, pads, dilation, strict=True):
        try:
            result.append(shapes.output_size(n, k, s, p, d))
        except ValueError as error:
            raise ValueError(f"na {axis} de x ({window}): {error}") from None
    return tuple(result)


def _same_pads(sizes, windows, strides, dilation) -> tuple[tuple[int, int], ...]:
    return tuple(shapes.same_padding(*args) for args in zip(sizes, windows, strides, dilation, strict=True))


class _Setup(NamedTuple):
    """Entrada já preenchida e tudo o que o núcleo de uma convolução 2-D precisa."""

    x: np.ndarray  # (N, H + preenchimento, W + preenchimento, C)
    kernel: np.ndarray  # (kh, kw, C, ...)
    strides: tuple[int, int]
    dilation: tuple[int, int]
    out_hw: tuple[int, int]
    restore: Callable


def _setup_conv2d(x, kernel, strides, padding, dilation_rate) -> _Setup:
    x, kernel, restore = _conv_inputs(x, kernel, spatial=2)
    strides = as_pair(strides, "strides")
    dilation = as_pair(dilation_rate, "dilation_rate")
    pads = check_padding(padding)
    windows = kernel.shape[:2]
    if pads == "valid":
        pads = ((0, 0), (0, 0))
    elif pads == "same":
        pads = _same_pads(x.shape[1:3], windows, strides, dilation)
    out_hw = _output_sizes(x.shape[1:3], windows, strides, pads, dilation, f"kernel com shape {kernel.shape}")
    x = np.pad(x, ((0, 0), *pads, (0, 0))) if np.any(pads) else x
    return _Setup(x, kernel, strides, dilation, out_hw, restore)


def _window(xp: np.ndarray, top: int, left: int, strides, out_hw) -> np.ndarray:
    """Vista de ``xp`` que um elemento do kernel, na posição ``(top, left)``, vê em todas as saídas."""
    (sh, sw), (oh, ow) = strides, out_hw
    return xp[:, top : top + (oh - 1) * sh + 1 : sh, left : left + (ow - 1) * sw + 1 : sw]


def _patches(s: _Setup) -> np.ndarray:
    """Vista ``(N, H', W', kh, kw, C)``: a janela que cada posição da saída vê, sem copiar nada."""
    kh, kw = s.kernel.shape[:2]
    (sh, sw), (dh, dw), (oh, ow) = s.strides, s.dilation, s.out_hw
    views = sliding_window_view(s.x, ((kh - 1) * dh + 1, (kw - 1) * dw + 1), axis=(1, 2))
    views = views[:, : (oh - 1) * sh + 1 : sh, : (ow - 1) * sw + 1 : sw, :, ::dh, ::dw]
    return views.transpose(0, 1, 2, 4, 5, 3)


def _correlate(s: _Setup, block_bytes: int = 2**23) -> np.ndarray:
    """Correlação cruzada vetorizada (im2col): uma multiplicação de matrizes por bloco do lote.

    Para cada bloco de imagens, copia as janelas para ``cols`` (uma linha por posição da saída, com os
    ``kh·kw·C`` valores que o kernel cobre) e multiplica pela matriz ``(kh·kw·C, F)`` do kernel. Blocos de
    ~``block_bytes`` mantêm ``cols`` no cache e a memória pequena.
    """
    patches, batch, filters = _patches(s), s.x.shape[0], s.kernel.shape[3]
    weights = s.kernel.reshape(-1, filters)
    step = max(1, block_bytes // (patches[0].size * s.kernel.itemsize))
    out = np.empty((*patches.shape[:3], filters), dtype=s.kernel.dtype)
    cols = np.empty((min(step, batch), *patches.shape[1:]), dtype=s.kernel.dtype)
    for start in range(0, batch, step):
        size = min(step, batch - start)
        cols[:size] = patches[start : start + size]
        np.matmul(
            cols[:size].reshape(-1, weights.shape[0]),
            weights,
            out=out[start : start + size].reshape(-1, filters),
        )
    return out


# --- convoluções


def conv2d(x, kernel, bias=None, *, strides=1, padding="valid", dilation_rate=1) -> np.ndarray:
    """Convolução 2-D (correlação cruzada) vetorizada, igual a ``tf.nn.conv2d`` e à camada ``Conv2D``.

    Parameters
    ----------
    x : array_like
        Entrada ``(N, H, W, C)``, ``(H, W, C)`` ou uma imagem ``(H, W)``.
    kernel : array_like
        ``(kh, kw, C, F)``; com ``x`` 2-D, um kernel ``(kh, kw)``.
    bias : array_like, opcional
        Um valor por filtro, ``(F,)``.
    strides : int ou par de int, padrão 1
        Passo na altura e na largura.
    padding : {"valid", "same"}, int, par ou pares, padrão "valid"
        ``"valid"``: sem preenchimento; ``"same"``: saída :math:`\\lceil H/s \\rceil`, com a sobra
        embaixo/à direita (regra do TensorFlow); ``p``: :math:`p` zeros em cada lado; ``(ph, pw)``: por eixo;
        ``((cima, baixo), (esquerda, direita))``: explícito.
    dilation_rate : int ou par de int, padrão 1
        Dilatação do kernel (convolução dilatada, ou atrous).

    Returns
    -------
    numpy.ndarray
        ``(N, H', W', F)``, ``(H', W', F)`` ou ``(H', W')``, conforme a entrada; tamanhos em
        :func:`cnn_lib.shapes.output_size`.

    Examples
    --------
    Uma imagem 5×5 com uma borda vertical e um kernel detector de bordas verticais:

    >>> import numpy as np
    >>> imagem = np.array([[10, 10, 10, 0, 0]] * 5)
    >>> kernel = np.array([[1, 0, -1]] * 3)
    >>> conv2d(imagem, kernel)
    array([[ 0., 30., 30.],
           [ 0., 30., 30.],
           [ 0., 30., 30.]], dtype=float32)
    >>> lote = np.ones((2, 28, 28, 3))
    >>> conv2d(lote, np.ones((3, 3, 3, 8)), strides=2, padding="same").shape
    (2, 14, 14, 8)
    """
    setup = _setup_conv2d(x, kernel, strides, padding, dilation_rate)
    bias = _check_bias(bias, setup.kernel.shape[3])
    return setup.restore(_add_bias(_correlate(setup), bias))


def conv2d_naive(x, kernel, bias=None, *, strides=1, padding="valid", dilation_rate=1) -> np.ndarray:
    """Convolução 2-D com laços explícitos, para ler e entender; mesmo contrato e resultado de :func:`conv2d`.

    Parameters
    ----------
    x, kernel, bias, strides, padding, dilation_rate
        Como em :func:`conv2d`.

    Returns
    -------
    numpy.ndarray
        O mesmo que :func:`conv2d`, só que muito mais devagar.

    Examples
    --------
    >>> import numpy as np
    >>> imagem = np.arange(16).reshape(4, 4)
    >>> conv2d_naive(imagem, np.ones((2, 2)), strides=2)
    array([[10., 18.],
           [42., 50.]])
    """
    setup = _setup_conv2d(x, kernel, strides, padding, dilation_rate)
    bias = _check_bias(bias, setup.kernel.shape[3])
    x_pad, kernel = setup.x, setup.kernel  # x_pad já tem o preenchimento (padding)
    (sh, sw), (dh, dw), (oh, ow) = setup.strides, setup.dilation, setup.out_hw
    kh, kw, _, filters = kernel.shape
    out = np.zeros((x_pad.shape[0], oh, ow, filters), dtype=kernel.dtype)
    for n in range(x_pad.shape[0]):  # cada imagem do lote
        for i in range(oh):  # cada linha da saída
            for j in range(ow):  # cada coluna da saída
                for a in range(kh):  # cada linha do kernel
                    for b in range(kw):  # cada coluna do kernel
                        # o pixel da entrada que o elemento (a, b) do kernel cobre quando a saída é (i, j):
                        # o passo (stride) desloca a janela, a dilatação espaça os elementos do kernel
                        pixel = x_pad[n, i * sh + a * dh, j * sw + b * dw]  # vetor com os C canais
                        # (C,) @ (C, F): soma sobre os canais de entrada, para os F filtros de uma vez
                        out[n, i, j] += pixel @ kernel[a, b]
    return setup.restore(_add_bias(out, bias))


def convolve2d(x, kernel, bias=None, *, strides=1, padding="valid", dilation_rate=1) -> np.ndarray:
    """Convolução "de verdade" (a da matemática): o kernel é invertido nos dois eixos espaciais.

    É :func:`conv2d` com ``kernel[::-1, ::-1]``. As redes convolucionais usam a correlação cruzada
    (:func:`conv2d`); como o kernel é aprendido, inverter ou não dá no mesmo para a rede, mas os números de um
    kernel fixo mudam.

    Parameters
    ----------
    x, kernel, bias, strides, padding, dilation_rate
        Como em :func:`conv2d`.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> import numpy as np
    >>> imagem = np.array([[10, 10, 10, 0, 0]] * 5)
    >>> kernel = np.array([[1, 0, -1]] * 3)
    >>> convolve2d(imagem, kernel)   # o kernel invertido muda o sinal da resposta
    array([[  0., -30., -30.],
           [  0., -30., -30.],
           [  0., -30., -30.]], dtype=float32)
    """
    kernel = as_array(kernel, "kernel", (2, 4))
    return conv2d(x, kernel[::-1, ::-1], bias, strides=strides, padding=padding, dilation_rate=dilation_rate)


def conv1d(x, kernel, bias=None, *, strides=1, padding="valid", dilation_rate=1) -> np.ndarray:
    """Convolução 1-D (correlação cruzada), igual a ``tf.nn.conv1d`` e à camada ``Conv1D``.

    Parameters
    ----------
    x : array_like
        Entrada ``(N, L, C)``, ``(L, C)`` ou um sinal ``(L,)``.
    kernel : array_like
        ``(k, C, F)``; com ``x`` 1-D, um kernel ``(k,)``.
    bias : array_like, opcional
        Um valor por filtro, ``(F,)``.
    strides : int, padrão 1
        Passo.
    padding : {"valid", "same", "causal"}, int ou par (antes, depois), padrão "valid"
        ``"causal"`` põe :math:`d\\,(k - 1)` zeros só antes: a saída no instante :math:`t` depende apenas da
        entrada até :math:`t` (séries temporais).
    dilation_rate : int, padrão 1
        Dilatação do kernel.

    Returns
    -------
    numpy.ndarray
        ``(N, L', F)``, ``(L', F)`` ou ``(L',)``.

    Examples
    --------
    >>> import numpy as np
    >>> sinal = np.array([1.0, 2.0, 3.0, 4.0])
    >>> conv1d(sinal, np.array([1.0, 1.0]))                    # soma de vizinhos
    array([3., 5., 7.])
    >>> conv1d(sinal, np.array([1.0, 1.0]), padding="causal")  # só o passado: um zero antes
    array([1., 3., 5., 7.])
    """
    x, kernel, restore = _conv_inputs(x, kernel, spatial=1)
    strides = check_int(strides, "strides")
    dilation = check_int(dilation_rate, "dilation_rate")
    length, size = x.shape[1], kernel.shape[0]
    pad = check_padding(padding, ndim=1, allow_causal=True)
    pair = {
        "valid": (0, 0),
        "same": shapes.same_padding(length, size, strides, dilation),
        "causal": (dilation * (size - 1), 0),
    }.get(pad, pad[0])
    shapes.output_size(length, size, strides, pair, dilation)  # erro claro se o kernel não couber
    y = conv2d(
        x[:, None],
        kernel[None],
        bias,
        strides=(1, strides),
        padding=((0, 0), pair),
        dilation_rate=(1, dilation),
    )
    return restore(y[:, 0])


def depthwise_conv2d(x, kernel, bias=None, *, strides=1, padding="valid", dilation_rate=1) -> np.ndarray:
    """Convolução em profundidade (depthwise): cada canal é filtrado sozinho, como ``tf.nn.depthwise_conv2d``.

    Parameters
    ----------
    x : array_like
        Entrada ``(N, H, W, C)``, ``(H, W, C)`` ou ``(H, W)``.
    kernel : array_like
        ``(kh, kw, C, M)``: ``M`` (``depth_multiplier``) kernels por canal.
    bias : array_like, opcional
        ``(C·M,)``.
    strides, padding, dilation_rate
        Como em :func:`conv2d`.

    Returns
    -------
    numpy.ndarray
        ``(N, H', W', C·M)``; o canal de saída ``c·M + m`` vem do canal ``c`` com o kernel ``m``, como no
        TensorFlow.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.stack([np.ones((4, 4)), 2 * np.ones((4, 4))], axis=-1)   # 2 canais
    >>> y = depthwise_conv2d(x, np.ones((3, 3, 2, 1)))
    >>> y.shape, y[0, 0]
    ((2, 2, 2), array([ 9., 18.]))
    """
    setup = _setup_conv2d(x, kernel, strides, padding, dilation_rate)
    kh, kw, channels, multiplier = setup.kernel.shape
    bias = _check_bias(bias, channels * multiplier)
    (dh, dw), (oh, ow) = setup.dilation, setup.out_hw
    out = np.zeros((setup.x.shape[0], oh, ow, channels, multiplier), dtype=setup.kernel.dtype)
    for i in range(kh):
        for j in range(kw):
            out += (
                _window(setup.x, i * dh, j * dw, setup.strides, setup.out_hw)[..., None] * setup.kernel[i, j]
            )
    out = out.reshape(*out.shape[:3], channels * multiplier)
    return setup.restore(_add_bias(out, bias))


def separable_conv2d(
    x, depthwise_kernel, pointwise_kernel, bias=None, *, strides=1, padding="valid", dilation_rate=1
) -> np.ndarray:
    """Convolução separável em profundidade: :func:`depthwise_conv2d` seguida de uma convolução 1×1.

    Igual a ``tf.nn.separable_conv2d`` e à camada ``SeparableConv2D`` (o bias é somado uma vez, no fim).

    Parameters
    ----------
    x : array_like
        Entrada ``(N, H, W, C)`` ou ``(H, W, C)``.
    depthwise_kernel : array_like
        ``(kh, kw, C, M)``.
    pointwise_kernel : array_like
        ``(1, 1, C·M, F)``.
    bias : array_like, opcional
        ``(F,)``.
    strides, padding, dilation_rate
        Da etapa em profundidade, como em :func:`conv2d`.

    Returns
    -------
    numpy.ndarray
        ``(N, H', W', F)`` ou ``(H', W', F)``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.ones((8, 8, 3))
    >>> separable_conv2d(x, np.ones((3, 3, 3, 1)), np.ones((1, 1, 3, 16)), padding="same").shape
    (8, 8, 16)
    """
    as_array(x, "x", (3, 4))
    depth = depthwise_conv2d(
        x, depthwise_kernel, strides=strides, padding=padding, dilation_rate=dilation_rate
    )
    pointwise = as_array(pointwise_kernel, "pointwise_kernel", (4,))
    if pointwise.shape[:3] != (1, 1, depth.shape[-1]):
        raise ValueError(
            f"pointwise_kernel deve ter shape (1, 1, {depth.shape[-1]}, F): C·M = {depth.shape[-1]} canais "
            f"vêm da etapa em profundidade; recebido: shape {pointwise.shape}"
        )
    return conv2d(depth, pointwise, bias)


_TRANSPOSED_PADDING = '"valid", "same", um inteiro >= 0 ou um par de inteiros >= 0 (altura, largura)'


def _transposed_padding(padding) -> tuple:
    """``padding`` de :func:`conv2d_transpose`, um valor por eixo: "valid", "same" ou um inteiro >= 0."""
    if isinstance(padding, str) and padding.lower() in ("valid", "same"):
        return (padding.lower(),) * 2
    values = (padding, padding) if is_int(padding) else padding
    is_pair = isinstance(values, tuple | list) and len(values) == 2 and all(is_int(v) for v in values)
    if is_pair and min(values) >= 0:
        return tuple(int(v) for v in values)
    error = ValueError if is_pair or isinstance(padding, str) else TypeError
    raise error(f"padding deve ser {_TRANSPOSED_PADDING}; recebido: {received(padding)}")


def _transposed_axis(axis, n, k, s, pad, extra, d) -> tuple[int, int]:
    """Tamanho da saída transposta num eixo e quantos pixels cortar no começo da saída "cheia"."""
    size = shapes.transposed_output_size(n, k, s, pad, extra, d)
    if pad == "same" and -(-size // s) != n:  # a convolução direta "same" da saída não volta a n
        raise ValueError(
            f"na {axis}: com padding='same', kernel_size={k}, strides={s} e output_padding={extra}, a saída "
            f"teria {size} pixels, que uma convolução 'same' com esse passo levaria a {-(-size // s)}, não a "
            f"{n} (o TensorFlow rejeita este caso); use outro output_padding ou padding='valid'"
        )
    start = {"valid": 0, "same": shapes.same_padding(size, k, s, d)[0]}.get(pad, pad)
    return size, start


def conv2d_transpose(
    x, kernel, bias=None, *, strides=1, padding="valid", output_padding=None, dilation_rate=1
) -> np.ndarray:
    """Convolução transposta (sobreamostragem aprendida), igual à camada ``Conv2DTranspose`` do Keras.

    Cada pixel da entrada espalha uma cópia do kernel, multiplicada pelo seu valor, na saída; as cópias ficam
    ``strides`` pixels umas das outras e se somam onde se sobrepõem. É a transposta (adjunta) de
    :func:`conv2d` com o mesmo kernel.

    Parameters
    ----------
    x : array_like
        Entrada ``(N, H, W, C)``, ``(H, W, C)`` ou ``(H, W)``.
    kernel : array_like
        ``(kh, kw, F, C)``: canais de **saída** antes dos de entrada, como no Keras e em
        ``tf.nn.conv2d_transpose``; com ``x`` 2-D, ``(kh, kw)``.
    bias : array_like, opcional
        ``(F,)``.
    strides : int ou par de int, padrão 1
        Fator de sobreamostragem.
    padding : {"valid", "same"}, int ou par de int, padrão "valid"
        Como no Keras; um inteiro :math:`p` corta :math:`p` linhas/colunas de cada borda.
    output_padding : int, par de int ou None, padrão None
        Linhas/colunas extras no fim (menor que ``strides``); ``None`` segue o Keras.
    dilation_rate : int ou par de int, padrão 1
        Dilatação do kernel.

    Returns
    -------
    numpy.ndarray
        Tamanhos em :func:`cnn_lib.shapes.transposed_output_size`.

    Examples
    --------
    >>> import numpy as np
    >>> conv2d_transpose(np.array([[1.0, 2.0], [3.0, 4.0]]), np.ones((2, 2)), strides=2)
    array([[1., 1., 2., 2.],
           [1., 1., 2., 2.],
           [3., 3., 4., 4.],
           [3., 3., 4., 4.]])
    >>> conv2d_transpose(np.ones((1, 7, 7, 8)), np.ones((3, 3, 4, 8)), strides=2, padding="same").shape
    (1, 14, 14, 4)
    """
    x, kernel, restore = _conv_inputs(x, kernel, spatial=2, in_axis=-1)
    strides = as_pair(strides, "strides")
    dilation = as_pair(dilation_rate, "dilation_rate")
    pads = _transposed_padding(padding)
    extras = (None, None) if output_padding is None else as_pair(output_padding, "output_padding", minimum=0)
    kh, kw, filters, _ = kernel.shape
    bias = _check_bias(bias, filters)
    batch, height, width, _ = x.shape
    (out_h, top), (out_w, left) = (
        _transposed_axis(*args)
        for args in zip(_AXES, (height, width), (kh, kw), strides, pads, extras, dilation, strict=True)
    )
    # saída "cheia", sem corte: a cópia do kernel espalhada pelo pixel (i, j) começa em (i·sh, j·sw)
    full_h, full_w = (
        (n - 1) * s + d * (k - 1) + 1
        for n, s, d, k in zip((height, width), strides, dilation, (kh, kw), strict=True)
    )
    full = np.zeros((batch, full_h, full_w, filters), dtype=kernel.dtype)
    rows = x.reshape(-1, x.shape[-1])
    for a in range(kh):
        for b in range(kw):
            target = _window(full, a * dilation[0], b * dilation[1], strides, (height, width))
            target += (rows @ kernel[a, b].T).reshape(batch, height, width, filters)
    # corta `top`/`left` pixels no começo; o output_padding pode pedir zeros além do fim
    full = np.pad(
        full, ((0, 0), (0, max(top + out_h - full_h, 0)), (0, max(left + out_w - full_w, 0)), (0, 0))
    )
    return restore(_add_bias(full[:, top : top + out_h, left : left + out_w], bias))


# --- pooling


def _pool(x, pool_size, strides, padding, fill: float, combine) -> tuple[np.ndarray, Callable]:
    """Aplica ``combine`` (``np.maximum`` ou ``np.add``) sobre as janelas; devolve o lote e o ``restore``."""
    x = as_array(x, "x", (2, 3, 4))
    dtype = float_dtype(x)
    x, restore = _batched(x.astype(dtype, copy=False), 2)
    window = as_pair(pool_size, "pool_size")
    strides = window if strides is None else as_pair(strides, "strides")
    if not (isinstance(padding, str) and padding.lower() in ("valid", "same")):
        error = ValueError if isinstance(padding, str) else TypeError
        raise error(f'padding deve ser "valid" ou "same" no pooling; recebido: {received(padding)}')
    pads = ((0, 0), (0, 0))
    if padding.lower() == "same":
        pads = _same_pads(x.shape[1:3], window, strides, (1, 1))
    out_hw = _output_sizes(x.shape[1:3], window, strides, pads, (1, 1), f"pool_size={received(pool_size)}")
    padded = np.pad(x, ((0, 0), *pads, (0, 0)), constant_values=fill)
    result = _window(padded, 0, 0, strides, out_hw).copy()
    for i in range(window[0]):
        for j in range(window[1]):
            if i or j:
                combine(result, _window(padded, i, j, strides, out_hw), out=result)
    return result, restore


def max_pool2d(x, pool_size=2, strides=None, padding="valid") -> np.ndarray:
    """Max pooling 2-D: o maior valor de cada janela, igual a ``MaxPooling2D``/``tf.nn.max_pool2d``.

    Parameters
    ----------
    x : array_like
        ``(N, H, W, C)``, ``(H, W, C)`` ou ``(H, W)``; cada canal é reduzido separadamente.
    pool_size : int ou par de int, padrão 2
        Tamanho da janela.
    strides : int, par de int ou None, padrão None
        Passo; ``None`` é ``pool_size`` (janelas sem sobreposição).
    padding : {"valid", "same"}, padrão "valid"
        Com ``"same"``, as células preenchidas são ignoradas.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[1, 3, 2, 0],
    ...               [4, 2, 1, 1],
    ...               [0, 1, 5, 6],
    ...               [2, 2, 7, 8]])
    >>> max_pool2d(x)
    array([[4., 2.],
           [2., 8.]], dtype=float32)
    """
    result, restore = _pool(x, pool_size, strides, padding, -np.inf, np.maximum)
    return restore(result)


def avg_pool2d(x, pool_size=2, strides=None, padding="valid") -> np.ndarray:
    """Average pooling 2-D: a média de cada janela, igual a ``AveragePooling2D``/``tf.nn.avg_pool2d``.

    Parameters
    ----------
    x, pool_size, strides
        Como em :func:`max_pool2d`.
    padding : {"valid", "same"}, padrão "valid"
        Com ``"same"``, as células preenchidas ficam fora da média (divide-se só pelas células reais).

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[1, 3, 2, 0],
    ...               [4, 2, 1, 1],
    ...               [0, 1, 5, 6],
    ...               [2, 2, 7, 8]])
    >>> avg_pool2d(x)
    array([[2.5 , 1.  ],
           [1.25, 6.5 ]], dtype=float32)
    >>> avg_pool2d(np.ones((3, 3)), padding="same")   # a borda preenchida não puxa a média para baixo
    array([[1., 1.],
           [1., 1.]])
    """
    sums, restore = _pool(x, pool_size, strides, padding, 0.0, np.add)
    shape = np.shape(x)[:2] if np.ndim(x) == 2 else np.shape(x)[-3:-1]
    counts, _ = _pool(np.ones(shape, dtype=sums.dtype), pool_size, strides, padding, 0.0, np.add)
    return restore(sums / counts)


def _global_pool(x, keepdims, reduce) -> np.ndarray:
    x = as_array(x, "x", (2, 3, 4))
    keepdims = check_bool(keepdims, "keepdims")
    axes = (0, 1) if x.ndim == 2 else (-3, -2)
    return reduce(x.astype(float_dtype(x), copy=False), axis=axes, keepdims=keepdims)


def global_avg_pool2d(x, keepdims: bool = False) -> np.ndarray:
    """Média de cada mapa de características inteiro, igual a ``GlobalAveragePooling2D``.

    Parameters
    ----------
    x : array_like
        ``(N, H, W, C)``, ``(H, W, C)`` ou ``(H, W)``.
    keepdims : bool, padrão False
        Se mantém os eixos espaciais com tamanho 1.

    Returns
    -------
    numpy.ndarray
        ``(N, C)`` (``(N, 1, 1, C)`` com ``keepdims``), ``(C,)`` ou um escalar.

    Examples
    --------
    >>> import numpy as np
    >>> global_avg_pool2d(np.arange(8).reshape(1, 2, 2, 2))
    array([[3., 4.]], dtype=float32)
    """
    return _global_pool(x, keepdims, np.mean)


def global_max_pool2d(x, keepdims: bool = False) -> np.ndarray:
    """Máximo de cada mapa de características inteiro, igual a ``GlobalMaxPooling2D``.

    Parameters
    ----------
    x : array_like
        ``(N, H, W, C)``, ``(H, W, C)`` ou ``(H, W)``.
    keepdims : bool, padrão False
        Se mantém os eixos espaciais com tamanho 1.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> import numpy as np
    >>> global_max_pool2d(np.arange(8).reshape(1, 2, 2, 2), keepdims=True).shape
    (1, 1, 1, 2)
    """
    return _global_pool(x, keepdims, np.max)


# --- ativações


def _float(x) -> np.ndarray:
    x = as_array(x, "x")
    return x.astype(float_dtype(x), copy=False)


def relu(x) -> np.ndarray:
    """ReLU, :math:`\\max(x, 0)`.

    Parameters
    ----------
    x : array_like

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> relu([-2.0, 0.0, 3.0])
    array([0., 0., 3.])
    """
    return np.maximum(_float(x), 0)


def sigmoid(x) -> np.ndarray:
    """Sigmoide, :math:`1 / (1 + e^{-x})`, calculada sem estouro para :math:`|x|` grande.

    Parameters
    ----------
    x : array_like

    Returns
    -------
    numpy.ndarray
        Valores em :math:`[0, 1]`.

    Examples
    --------
    >>> sigmoid([-1000.0, 0.0, 1000.0])
    array([0. , 0.5, 1. ])
    """
    x = _float(x)
    decay = np.exp(-np.abs(x))  # nunca maior que 1: sem estouro
    return np.where(x >= 0, 1 / (1 + decay), decay / (1 + decay))


def tanh(x) -> np.ndarray:
    """Tangente hiperbólica, valores em :math:`[-1, 1]`.

    Parameters
    ----------
    x : array_like

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> tanh([0.0])
    array([0.])
    """
    return np.tanh(_float(x))


def _check_axis(axis, ndim: int) -> int:
    if not is_int(axis) or not -ndim <= axis < ndim:
        raise ValueError(f"axis deve ser um inteiro entre {-ndim} e {ndim - 1}; recebido: {received(axis)}")
    return int(axis) % ndim


def softmax(x, axis: int = -1) -> np.ndarray:
    """Softmax ao longo de ``axis``: :math:`e^{x_i} / \\sum_j e^{x_j}`, sem estouro (subtrai o máximo antes).

    Parameters
    ----------
    x : array_like
        Logits.
    axis : int, padrão -1
        Eixo das classes.

    Returns
    -------
    numpy.ndarray
        Probabilidades que somam 1 ao longo de ``axis``.

    Examples
    --------
    >>> softmax([1000.0, 1000.0])
    array([0.5, 0.5])
    """
    x = _float(x)
    axis = _check_axis(axis, max(x.ndim, 1))
    exps = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return exps / np.sum(exps, axis=axis, keepdims=True)


# --- normalização e regularização


class BatchNormOutput(NamedTuple):
    """Saída de :func:`batch_norm`: a ativação normalizada e as estatísticas móveis (novas, no treino)."""

    output: np.ndarray
    moving_mean: np.ndarray
    moving_variance: np.ndarray


def _channel_vector(value, name: str, channels: int, default: float, dtype) -> np.ndarray:
    if value is None:
        return np.full(channels, default, dtype=dtype)
    return check_length(as_array(value, name, (0, 1)), name, channels, "canal").astype(dtype)


def batch_norm(
    x,
    gamma=None,
    beta=None,
    moving_mean=None,
    moving_variance=None,
    *,
    training: bool = False,
    momentum: float = 0.99,
    epsilon: float = 1e-3,
    axis: int = -1,
) -> BatchNormOutput:
    """Normalização em lote (batch normalization), igual à camada ``BatchNormalization`` do Keras 3.

    :math:`y = \\gamma\\,(x - \\mu) / \\sqrt{\\sigma^2 + \\epsilon} + \\beta`, por canal (eixo ``axis``). No
    treino, :math:`\\mu` e :math:`\\sigma^2` são a média e a variância (com divisor :math:`n`) do lote sobre
    todos os outros eixos, e as estatísticas móveis são atualizadas:
    ``móvel = móvel·momentum + lote·(1 − momentum)``. Na inferência usam-se as estatísticas móveis, devolvidas
    sem mudança.

    Parameters
    ----------
    x : array_like
        Ativações, por exemplo ``(N, H, W, C)`` ou ``(N, C)``.
    gamma, beta : array_like, opcional
        Escala e deslocamento aprendidos, ``(C,)``; padrão 1 e 0.
    moving_mean, moving_variance : array_like, opcional
        Estatísticas móveis (não treináveis), ``(C,)``; padrão 0 e 1.
    training : bool, padrão False
        Usa as estatísticas do lote (True) ou as móveis (False).
    momentum : float, padrão 0.99
        Peso do valor antigo na média móvel, em :math:`[0, 1]`.
    epsilon : float, padrão 1e-3
        Somado à variância para não dividir por zero; positivo.
    axis : int, padrão -1
        Eixo dos canais.

    Returns
    -------
    BatchNormOutput
        ``(output, moving_mean, moving_variance)``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[1.0], [3.0]])                  # lote de 2, 1 canal: média 2, variância 1
    >>> saida = batch_norm(x, training=True, epsilon=0.0001)
    >>> np.round(saida.output, 3)
    array([[-1.],
           [ 1.]])
    >>> saida.moving_mean, saida.moving_variance       # 0·0,99 + 2·0,01 e 1·0,99 + 1·0,01
    (array([0.02]), array([1.]))
    """
    x = as_array(x, "x")
    if x.ndim == 0:
        raise ValueError(f"x deve ter ao menos 1 dimensão; recebido: {received(x)}")
    axis = _check_axis(axis, x.ndim)
    training = check_bool(training, "training")
    momentum = check_number(momentum, "momentum", 0, 1)
    if check_number(epsilon, "epsilon", 0, np.inf) == 0:
        raise ValueError(f"epsilon deve ser um número positivo; recebido: {epsilon}")
    dtype, channels = float_dtype(x), x.shape[axis]
    gamma, beta, moving_mean, moving_variance = (
        _channel_vector(value, name, channels, default, dtype)
        for value, name, default in (
            (gamma, "gamma", 1.0),
            (beta, "beta", 0.0),
            (moving_mean, "moving_mean", 0.0),
            (moving_variance, "moving_variance", 1.0),
        )
    )
    x = x.astype(dtype, copy=False)
    if training:  # estatísticas do lote (variância com divisor n) e atualização das móveis
        others = tuple(a for a in range(x.ndim) if a != axis)
        mean, variance = x.mean(axis=others), x.var(axis=others)
        moving_mean = moving_mean * momentum + mean * (1 - momentum)
        moving_variance = moving_variance * momentum + variance * (1 - momentum)
    else:  # inferência: as estatísticas móveis
        mean, variance = moving_mean, moving_variance
    shape = [1] * x.ndim
    shape[axis] = channels
    scale = (gamma / np.sqrt(variance + epsilon)).reshape(shape)
    output = (x - mean.reshape(shape)) * scale + beta.reshape(shape)
    return BatchNormOutput(output.astype(dtype), moving_mean.astype(dtype), moving_variance.astype(dtype))


def dropout(x, rate: float, *, training: bool = True, seed=None) -> np.ndarray:
    """Dropout invertido: zera cada valor com probabilidade ``rate`` e divide os mantidos por ``1 − rate``.

    Assim a soma esperada não muda e, na inferência (``training=False``), a camada é a identidade, como a
    ``Dropout`` do Keras.

    Parameters
    ----------
    x : array_like
        Ativações.
    rate : float
        Fração zerada, em :math:`[0, 1)`.
    training : bool, padrão True
        Com False, devolve ``x`` sem mudança.
    seed : int ou None, padrão None
        Semente de ``np.random.default_rng``: a mesma semente dá a mesma máscara.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> import numpy as np
    >>> y = dropout(np.ones(10), rate=0.5, seed=0)
    >>> sorted(set(y.tolist()))                       # zerados ou multiplicados por 1 / (1 − 0,5)
    [0.0, 2.0]
    >>> dropout(np.ones(3), rate=0.5, training=False)
    array([1., 1., 1.])
    """
    x = _float(x)
    rate = check_number(rate, "rate", 0, 1, include_high=False)
    if not check_bool(training, "training") or rate == 0:
        return x.copy()
    if seed is not None:
        seed = check_int(seed, "seed", minimum=0)
    keep = np.random.default_rng(seed).random(x.shape) >= rate
    return np.where(keep, x / (1 - rate), 0).astype(x.dtype)


# --- retropropagação (backward): gradientes da perda em relação às entradas de cada operação
#
# Cada função recebe ``dout`` (∂L/∂Y, o gradiente que chega da camada seguinte, com a forma da saída da
# operação de ida) e as mesmas entradas e argumentos da ida, e devolve ∂L/∂X (e, na convolução, também ∂L/∂K
# e ∂L/∂b).


def _check_dout(dout, batched_shape: tuple[int, ...], restore: Callable) -> np.ndarray:
    """Confere que ``dout`` tem a forma da saída da ida e o devolve com os eixos de lote e de canais."""
    expected = restore(np.broadcast_to(np.float32(0), batched_shape)).shape
    dout = as_array(dout, "dout")
    if dout.shape != expected:
        raise ValueError(
            f"dout deve ter a forma da saída da operação de ida, {expected}; recebido: shape {dout.shape}"
        )
    return dout.reshape(batched_shape)


def _leading_pads(padding, sizes, windows, strides, dilation) -> tuple[int, int]:
    """Zeros postos antes (em cima, à esquerda) pela ida: onde a entrada começa na entrada preenchida."""
    pads = check_padding(padding)
    if pads == "valid":
        return 0, 0
    if pads == "same":
        pads = _same_pads(sizes, windows, strides, dilation)
    return pads[0][0], pads[1][0]


class _ConvBackward(NamedTuple):
    """O que as duas versões de :func:`conv2d_backward` compartilham: a ida preparada e ``dout`` validado."""

    setup: _Setup
    dout: np.ndarray  # (N, H', W', F)
    x_hw: tuple[int, int]  # altura e largura da entrada sem preenchimento
    offset: tuple[int, int]  # onde a entrada começa dentro de setup.x


def _prepare_conv_backward(dout, x, kernel, strides, padding, dilation_rate) -> _ConvBackward:
    setup = _setup_conv2d(x, kernel, strides, padding, dilation_rate)
    batched = (setup.x.shape[0], *setup.out_hw, setup.kernel.shape[3])
    dout = _check_dout(dout, batched, setup.restore)
    dtype = float_dtype(dout, setup.kernel)  # float64 se alguma das três entradas for float64
    dout = dout.astype(dtype, copy=False)
    setup = setup._replace(x=setup.x.astype(dtype, copy=False), kernel=setup.kernel.astype(dtype, copy=False))
    x_hw = tuple(np.shape(x)[:2] if np.ndim(x) == 2 else np.shape(x)[-3:-1])
    offset = _leading_pads(padding, x_hw, setup.kernel.shape[:2], setup.strides, setup.dilation)
    return _ConvBackward(setup, dout, x_hw, offset)


def _conv_gradients(prep: _ConvBackward, dx_padded, dkernel, dbias, kernel_ndim: int):
    """Corta o preenchimento de ∂L/∂X e devolve os três gradientes na forma das entradas da ida."""
    (top, left), (height, width) = prep.offset, prep.x_hw
    dx = prep.setup.restore(dx_padded[:, top : top + height, left : left + width])
    if kernel_ndim == 2:  # kernel de ensino (kh, kw): um filtro, sem eixos de canais
        return dx, dkernel[:, :, 0, 0], dbias.reshape(())
    return dx, dkernel, dbias


def _col2im(dx_padded: np.ndarray, dcols: np.ndarray, setup: _Setup) -> None:
    """Soma ``dcols`` ``(N, H', W', kh, kw, C)``, o gradiente de cada cópia de um pixel, na origem dele."""
    (dh, dw), (kh, kw) = setup.dilation, dcols.shape[3:5]
    for u in range(kh):
        for v in range(kw):
            _window(dx_padded, u * dh, v * dw, setup.strides, setup.out_hw)[...] += dcols[:, :, :, u, v]


def conv2d_backward(dout, x, kernel, *, strides=1, padding="valid", dilation_rate=1):
    """Retropropagação de :func:`conv2d`: os gradientes da perda em relação à entrada, ao kernel e ao viés.

    Com :math:`\\partial L/\\partial Y` (``dout``) vindo da camada seguinte e
    :math:`Y_{i,j,f} = b_f + \\sum_{u,v,c} X_{s i + d u,\\, s j + d v,\\, c}\\, K_{u,v,c,f}`:

    - :math:`\\partial L/\\partial K_{u,v,c,f} = \\sum_{n,i,j} X_{s i + d u,\\, s j + d v,\\, c}\\,
      (\\partial L/\\partial Y)_{i,j,f}`: a correlação da entrada com o gradiente da saída;
    - :math:`\\partial L/\\partial X`: cada :math:`(\\partial L/\\partial Y)_{i,j,f}` devolve uma cópia do
      kernel, multiplicada por ele, à janela que produziu :math:`Y_{i,j,f}` (a convolução transposta); com
      passo 1, é a convolução "cheia" de :math:`\\partial L/\\partial Y` com o kernel girado 180°;
    - :math:`\\partial L/\\partial b_f = \\sum_{n,i,j} (\\partial L/\\partial Y)_{i,j,f}`.

    Vetorizada como a ida (im2col): :math:`\\partial L/\\partial K` e as colunas de
    :math:`\\partial L/\\partial X` saem de duas multiplicações de matrizes.

    Parameters
    ----------
    dout : array_like
        :math:`\\partial L/\\partial Y`, com a forma da saída de ``conv2d(x, kernel, ...)``.
    x, kernel : array_like
        As entradas da ida, como em :func:`conv2d` (entradas 2-D de ensino também servem).
    strides, padding, dilation_rate
        Os mesmos da ida, como em :func:`conv2d`.

    Returns
    -------
    dx : numpy.ndarray
        :math:`\\partial L/\\partial X`, com a forma de ``x``.
    dkernel : numpy.ndarray
        :math:`\\partial L/\\partial K`, com a forma de ``kernel``.
    dbias : numpy.ndarray
        :math:`\\partial L/\\partial b`, ``(F,)`` (um escalar com entradas 2-D).

    Examples
    --------
    Com :math:`L = \\sum Y`, ``dout`` é só de uns: cada peso recebe a soma dos pixels que ele tocou, e cada
    pixel, a soma dos pesos que o tocaram.

    >>> import numpy as np
    >>> imagem = np.arange(9.0).reshape(3, 3)
    >>> dx, dk, db = conv2d_backward(np.ones((2, 2)), imagem, np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> dk                      # soma de cada janela 2×2 da imagem
    array([[ 8., 12.],
           [20., 24.]])
    >>> dx
    array([[ 1.,  3.,  2.],
           [ 4., 10.,  6.],
           [ 3.,  7.,  4.]])
    >>> float(db)               # quatro posições da saída
    4.0
    """
    prep = _prepare_conv_backward(dout, x, kernel, strides, padding, dilation_rate)
    setup, dout = prep.setup, prep.dout
    patches, weights = _patches(setup), setup.kernel.reshape(-1, setup.kernel.shape[3])
    dkernel = np.zeros_like(weights)
    dx_padded = np.zeros_like(setup.x)
    # por blocos do lote, como a ida: as cópias das janelas (im2col) nunca ocupam mais que ~8 MB
    step = max(1, 2**23 // (patches[0].size * weights.itemsize))
    for start in range(0, len(dout), step):
        block = slice(start, start + step)
        rows = dout[block].reshape(-1, weights.shape[1])  # ∂L/∂Y, uma linha por posição da saída
        # ∂L/∂K: as janelas da entrada (X_col), transpostas, vezes ∂L/∂Y
        dkernel += patches[block].reshape(len(rows), -1).T @ rows
        # ∂L/∂X: cada posição devolve ∂L/∂Y · kernel à sua janela; as janelas se somam onde se sobrepõem
        _col2im(dx_padded[block], (rows @ weights.T).reshape(patches[block].shape), setup)
    dbias = dout.sum(axis=(0, 1, 2))
    return _conv_gradients(prep, dx_padded, dkernel.reshape(setup.kernel.shape), dbias, np.ndim(kernel))


def conv2d_backward_naive(dout, x, kernel, *, strides=1, padding="valid", dilation_rate=1):
    """Retropropagação da convolução com laços explícitos; mesmo resultado de :func:`conv2d_backward`.

    É a :func:`conv2d_naive` de trás para a frente: cada termo
    ``x_pad[n, i·s + u·d, j·s + v·d] @ kernel[u, v]`` da ida devolve ``dout[n, i, j]`` aos dois fatores.

    Parameters
    ----------
    dout, x, kernel, strides, padding, dilation_rate
        Como em :func:`conv2d_backward`.

    Returns
    -------
    tuple of numpy.ndarray
        ``(dx, dkernel, dbias)``, como em :func:`conv2d_backward`.

    Examples
    --------
    >>> import numpy as np
    >>> dx, dk, db = conv2d_backward_naive(np.ones((2, 2)), np.arange(9.0).reshape(3, 3), np.ones((2, 2)))
    >>> dk
    array([[ 8., 12.],
           [20., 24.]])
    """
    prep = _prepare_conv_backward(dout, x, kernel, strides, padding, dilation_rate)
    setup, dout = prep.setup, prep.dout
    x_pad, kernel4 = setup.x, setup.kernel
    (sh, sw), (dh, dw), (oh, ow) = setup.strides, setup.dilation, setup.out_hw
    kh, kw = kernel4.shape[:2]
    dx_pad, dkernel = np.zeros_like(x_pad), np.zeros_like(kernel4)
    for n in range(x_pad.shape[0]):  # cada imagem do lote
        for i in range(oh):  # cada posição da saída
            for j in range(ow):
                for a in range(kh):  # cada elemento do kernel
                    for b in range(kw):
                        row, col = i * sh + a * dh, j * sw + b * dw  # o pixel que (a, b) cobriu na ida
                        # ida: out[n, i, j] += x_pad[n, row, col] @ kernel[a, b]  ((C,) @ (C, F))
                        dkernel[a, b] += np.outer(x_pad[n, row, col], dout[n, i, j])
                        dx_pad[n, row, col] += kernel4[a, b] @ dout[n, i, j]
    dbias = dout.sum(axis=(0, 1, 2))
    return _conv_gradients(prep, dx_pad, dkernel, dbias, np.ndim(kernel))


class _PoolSetup(NamedTuple):
    x: np.ndarray  # (N, H + preenchimento, W + preenchimento, C), preenchida com ``fill``
    window: tuple[int, int]
    strides: tuple[int, int]
    out_hw: tuple[int, int]
    offset: tuple[int, int]  # onde a entrada começa dentro de x
    x_hw: tuple[int, int]
    restore: Callable


def _setup_pool(x, pool_size, strides, padding, fill: float) -> _PoolSetup:
    """Valida os argumentos como :func:`max_pool2d` e prepara a entrada preenchida com ``fill``."""
    x = as_array(x, "x", (2, 3, 4))
    x, restore = _batched(x.astype(float_dtype(x), copy=False), 2)
    window = as_pair(pool_size, "pool_size")
    strides = window if strides is None else as_pair(strides, "strides")
    if not (isinstance(padding, str) and padding.lower() in ("valid", "same")):
        error = ValueError if isinstance(padding, str) else TypeError
        raise error(f'padding deve ser "valid" ou "same" no pooling; recebido: {received(padding)}')
    pads = ((0, 0), (0, 0))
    if padding.lower() == "same":
        pads = _same_pads(x.shape[1:3], window, strides, (1, 1))
    out_hw = _output_sizes(x.shape[1:3], window, strides, pads, (1, 1), f"pool_size={received(pool_size)}")
    padded = np.pad(x, ((0, 0), *pads, (0, 0)), constant_values=fill)
    offset = (pads[0][0], pads[1][0])
    return _PoolSetup(padded, window, strides, out_hw, offset, x.shape[1:3], restore)


def _pool_dout(dout, s: _PoolSetup) -> np.ndarray:
    """``dout`` validado, com lote e canais, no tipo comum a ``dout`` e ``x``."""
    dout = _check_dout(dout, (s.x.shape[0], *s.out_hw, s.x.shape[3]), s.restore)
    return dout.astype(float_dtype(dout, s.x), copy=False)


def _unpad(dx_padded: np.ndarray, s: _PoolSetup) -> np.ndarray:
    (top, left), (height, width) = s.offset, s.x_hw
    return s.restore(dx_padded[:, top : top + height, left : left + width])


def max_pool2d_backward(dout, x, *, pool_size=2, strides=None, padding="valid") -> np.ndarray:
    """Retropropagação de :func:`max_pool2d`: o gradiente de cada janela vai só para a posição do máximo.

    Os outros valores da janela não mudaram a saída, logo recebem zero. Se o máximo aparece em mais de uma
    posição da janela, o gradiente vai para a primeira (varrendo linha a linha), como no TensorFlow; com
    janelas sobrepostas, um pixel que é o máximo de várias janelas recebe a soma dos gradientes delas.

    Parameters
    ----------
    dout : array_like
        :math:`\\partial L/\\partial Y`, com a forma da saída de ``max_pool2d(x, ...)``.
    x : array_like
        A entrada da ida.
    pool_size, strides, padding
        Os mesmos da ida, como em :func:`max_pool2d`.

    Returns
    -------
    numpy.ndarray
        :math:`\\partial L/\\partial X`, com a forma de ``x``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[1, 3, 2, 0],
    ...               [4, 2, 1, 1],
    ...               [0, 1, 5, 6],
    ...               [2, 2, 7, 8]])
    >>> max_pool2d_backward(np.array([[10, 20], [30, 40]]), x)
    array([[ 0.,  0., 20.,  0.],
           [10.,  0.,  0.,  0.],
           [ 0.,  0.,  0.,  0.],
           [30.,  0.,  0., 40.]], dtype=float32)
    """
    s = _setup_pool(x, pool_size, strides, padding, -np.inf)
    dout = _pool_dout(dout, s)
    maxima = _window(s.x, 0, 0, s.strides, s.out_hw).copy()
    for u in range(s.window[0]):
        for v in range(s.window[1]):
            np.maximum(maxima, _window(s.x, u, v, s.strides, s.out_hw), out=maxima)
    dx = np.zeros(s.x.shape, dtype=dout.dtype)
    pending = np.ones(maxima.shape, dtype=bool)  # janelas cujo máximo ainda não recebeu o gradiente
    for u in range(s.window[0]):
        for v in range(s.window[1]):
            here = pending & (_window(s.x, u, v, s.strides, s.out_hw) == maxima)
            _window(dx, u, v, s.strides, s.out_hw)[...] += np.where(here, dout, 0)
            pending &= ~here
    return _unpad(dx, s)


def max_pool2d_backward_naive(dout, x, *, pool_size=2, strides=None, padding="valid") -> np.ndarray:
    """Retropropagação do max pooling com laços explícitos; mesmo resultado de :func:`max_pool2d_backward`.

    Parameters
    ----------
    dout, x, pool_size, strides, padding
        Como em :func:`max_pool2d_backward`.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> import numpy as np
    >>> max_pool2d_backward_naive(np.ones((1, 1)), np.array([[1.0, 5.0], [2.0, 3.0]]))
    array([[0., 1.],
           [0., 0.]])
    """
    s = _setup_pool(x, pool_size, strides, padding, -np.inf)
    dout = _pool_dout(dout, s)
    (kh, kw), (sh, sw), (oh, ow) = s.window, s.strides, s.out_hw
    dx = np.zeros(s.x.shape, dtype=dout.dtype)
    for n in range(s.x.shape[0]):
        for i in range(oh):
            for j in range(ow):
                for c in range(s.x.shape[3]):
                    janela = s.x[n, i * sh : i * sh + kh, j * sw : j * sw + kw, c]
                    a, b = np.unravel_index(np.argmax(janela), janela.shape)  # a primeira posição do máximo
                    dx[n, i * sh + a, j * sw + b, c] += dout[n, i, j, c]
    return _unpad(dx, s)


def _window_counts(s: _PoolSetup) -> np.ndarray:
    """Quantas células reais (não preenchidas) cada janela tem: o divisor da média, ``(H', W')``."""
    real = np.zeros(s.x.shape[1:3])
    (top, left), (height, width) = s.offset, s.x_hw
    real[top : top + height, left : left + width] = 1
    counts = np.zeros(s.out_hw)
    for u in range(s.window[0]):
        for v in range(s.window[1]):
            counts += _window(real[None], u, v, s.strides, s.out_hw)[0]
    return counts[None, :, :, None]


def avg_pool2d_backward(dout, x, *, pool_size=2, strides=None, padding="valid") -> np.ndarray:
    """Retropropagação de :func:`avg_pool2d`: o gradiente de cada janela é dividido igualmente pelas células.

    Cada célula real da janela pesou :math:`1/\\text{contagem}` na média, então recebe
    ``dout / contagem``; com ``padding="same"``, a contagem é só das células reais, como na ida.

    Parameters
    ----------
    dout : array_like
        :math:`\\partial L/\\partial Y`, com a forma da saída de ``avg_pool2d(x, ...)``.
    x : array_like
        A entrada da ida (só a forma importa).
    pool_size, strides, padding
        Os mesmos da ida, como em :func:`avg_pool2d`.

    Returns
    -------
    numpy.ndarray
        :math:`\\partial L/\\partial X`, com a forma de ``x``.

    Examples
    --------
    >>> import numpy as np
    >>> avg_pool2d_backward(np.array([[4.0, 8.0]]), np.zeros((2, 4)))
    array([[1., 1., 2., 2.],
           [1., 1., 2., 2.]])
    """
    s = _setup_pool(x, pool_size, strides, padding, 0.0)
    dout = _pool_dout(dout, s)
    share = (dout / _window_counts(s)).astype(dout.dtype)
    dx = np.zeros(s.x.shape, dtype=dout.dtype)
    for u in range(s.window[0]):
        for v in range(s.window[1]):
            _window(dx, u, v, s.strides, s.out_hw)[...] += share
    return _unpad(dx, s)


def avg_pool2d_backward_naive(dout, x, *, pool_size=2, strides=None, padding="valid") -> np.ndarray:
    """Retropropagação do pooling médio com laços explícitos; mesmo resultado de :func:`avg_pool2d_backward`.

    Parameters
    ----------
    dout, x, pool_size, strides, padding
        Como em :func:`avg_pool2d_backward`.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> import numpy as np
    >>> avg_pool2d_backward_naive(np.array([[4.0]]), np.zeros((2, 2)))
    array([[1., 1.],
           [1., 1.]])
    """
    s = _setup_pool(x, pool_size, strides, padding, 0.0)
    dout = _pool_dout(dout, s)
    (kh, kw), (sh, sw), (oh, ow) = s.window, s.strides, s.out_hw
    (top, left), (height, width) = s.offset, s.x_hw
    dx = np.zeros(s.x.shape, dtype=dout.dtype)
    for i in range(oh):
        for j in range(ow):
            rows = [r for r in range(i * sh, i * sh + kh) if top <= r < top + height]  # só as células reais
            cols = [c for c in range(j * sw, j * sw + kw) if left <= c < left + width]
            for r in rows:
                for c in cols:
                    dx[:, r, c] += dout[:, i, j] / (len(rows) * len(cols))
    return _unpad(dx, s)
