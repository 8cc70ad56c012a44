r"""Aritmética das camadas convolucionais: tamanhos de saída, preenchimento, campo receptivo e parâmetros.

Inteiros entram, inteiros saem; nada aqui depende de TensorFlow. As relações são as de Dumoulin & Visin
("A guide to convolution arithmetic for deep learning"), escritas uma única vez e usadas por todo o curso.
A notação é a do curso (página "Notação" do livro). Numa dimensão de tamanho :math:`n`, com kernel :math:`k`,
passo (stride) :math:`s`, dilatação :math:`d` e :math:`p` zeros de cada lado (preenchimento, padding):

.. math::

    k_{ef} = d\,(k - 1) + 1, \qquad
    n_s = \left\lfloor \frac{n + 2p - k_{ef}}{s} \right\rfloor + 1 .

Com preenchimento assimétrico, :math:`p_a` zeros antes e :math:`p_d` depois, :math:`2p` vira
:math:`p_a + p_d`. ``padding="valid"`` é :math:`p = 0`; ``padding="same"`` (regra do TensorFlow) escolhe o
menor preenchimento que dá :math:`n_s = \lceil n / s \rceil`, pondo a sobra embaixo/à direita;
``padding="causal"`` (1-D) põe :math:`k_{ef} - 1` zeros só antes. A convolução transposta inverte a relação:
:math:`n_s = (n - 1)\,s + k_{ef} - 2p + \text{output\_padding}`.

Parâmetros de uma camada convolucional com kernel :math:`k_h \times k_w`, :math:`C_e` canais de entrada e
:math:`C_s` filtros: :math:`(k_h \cdot k_w \cdot C_e + 1) \cdot C_s`; de uma camada densa com :math:`N_e`
entradas e :math:`N_s` saídas: :math:`(N_e + 1) \cdot N_s`.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from cnn_lib._validation import as_pair, check_bool, check_int, check_padding, is_int, received

__all__ = [
    "DenseSizing",
    "batchnorm_params",
    "conv_params",
    "conv_transpose_params",
    "dense_input_size",
    "dense_params",
    "depthwise_params",
    "effective_kernel_size",
    "output_size",
    "padding_amounts",
    "receptive_field",
    "same_padding",
    "separable_params",
    "transposed_output_size",
]


def effective_kernel_size(kernel_size: int, dilation_rate: int = 1) -> int:
    """Tamanho efetivo de um kernel dilatado, :math:`d\\,(k - 1) + 1`.

    Examples
    --------
    >>> effective_kernel_size(3, dilation_rate=2)
    5
    """
    kernel_size = check_int(kernel_size, "kernel_size")
    return check_int(dilation_rate, "dilation_rate") * (kernel_size - 1) + 1


def same_padding(n: int, kernel_size: int, strides: int = 1, dilation_rate: int = 1) -> tuple[int, int]:
    """Preenchimento ``(antes, depois)`` que ``padding="same"`` usa numa dimensão (regra do TensorFlow).

    O total é :math:`\\max((\\lceil n/s \\rceil - 1)\\,s + k_{ef} - n,\\ 0)`; metade (arredondada para
    baixo) vai antes e o resto depois, ou seja, a linha/coluna extra fica embaixo/à direita.

    Parameters
    ----------
    n : int
        Tamanho da entrada nessa dimensão.
    kernel_size : int
        Tamanho do kernel nessa dimensão.
    strides : int, padrão 1
        Passo.
    dilation_rate : int, padrão 1
        Dilatação do kernel.

    Returns
    -------
    tuple of int
        ``(antes, depois)``.

    Examples
    --------
    >>> same_padding(5, 3)
    (1, 1)
    >>> same_padding(6, 4)   # kernel par: a sobra vai depois
    (1, 2)
    >>> same_padding(7, 3, strides=2)
    (1, 1)
    """
    n = check_int(n, "n")
    strides = check_int(strides, "strides")
    k_eff = effective_kernel_size(kernel_size, dilation_rate)
    total = max((math.ceil(n / strides) - 1) * strides + k_eff - n, 0)
    return total // 2, total - total // 2


def output_size(n: int, kernel_size: int, strides: int = 1, padding="valid", dilation_rate: int = 1) -> int:
    """Tamanho da saída de uma convolução (ou de um pooling) numa dimensão.

    :math:`n_s = \\lfloor (n + p_a + p_d - k_{ef}) / s \\rfloor + 1`, com :math:`p_a` zeros antes, :math:`p_d`
    depois (:math:`p_a = p_d = p` no caso simétrico) e :math:`k_{ef} = d\\,(k-1) + 1`.

    Parameters
    ----------
    n : int
        Tamanho da entrada nessa dimensão (altura, largura ou comprimento).
    kernel_size : int
        Tamanho do kernel (ou da janela de pooling).
    strides : int, padrão 1
        Passo.
    padding : {"valid", "same", "causal"}, int ou par (antes, depois), padrão "valid"
        ``"valid"``: sem preenchimento; ``"same"``: saída :math:`\\lceil n / s \\rceil` (regra do TensorFlow);
        ``"causal"``: :math:`k_{ef} - 1` zeros só antes (séries temporais); um inteiro :math:`p`: :math:`p`
        zeros de cada lado; um par: zeros antes e depois.
    dilation_rate : int, padrão 1
        Dilatação do kernel.

    Returns
    -------
    int
        Tamanho da saída.

    Raises
    ------
    ValueError
        Se o kernel efetivo for maior que a entrada preenchida (a saída teria tamanho < 1).

    Examples
    --------
    >>> output_size(28, 3)                       # 28 - 3 + 1
    26
    >>> output_size(28, 3, padding="same")
    28
    >>> output_size(224, 7, strides=2, padding=3)
    112
    >>> output_size(32, 3, dilation_rate=2)      # kernel efetivo 5
    28
    """
    n = check_int(n, "n")
    strides = check_int(strides, "strides")
    k_eff = effective_kernel_size(kernel_size, dilation_rate)
    pads = check_padding(padding, ndim=1, allow_causal=True)
    if pads in ("same", "causal"):
        return math.ceil(n / strides)
    ((before, after),) = ((0, 0),) if pads == "valid" else pads
    padded = n + before + after
    if padded < k_eff:
        raise ValueError(
            f"o kernel é maior que a entrada: kernel_size={kernel_size} (tamanho efetivo {k_eff} com "
            f"dilation_rate={dilation_rate}) não cabe em n={n} com padding={received(padding)} "
            f"(entrada preenchida: {padded}); use uma entrada maior, um kernel menor ou padding='same'"
        )
    return (padded - k_eff) // strides + 1


def transposed_output_size(
    n: int,
    kernel_size: int,
    strides: int = 1,
    padding=0,
    output_padding: int | None = None,
    dilation_rate: int = 1,
) -> int:
    """Tamanho da saída de uma convolução transposta numa dimensão (igual ao ``Conv2DTranspose`` do Keras).

    Com um preenchimento inteiro :math:`p`: :math:`(n - 1)\\,s + k_{ef} - 2p + \\text{output\\_padding}`.
    Com ``"valid"``/``"same"`` e ``output_padding=None`` vale a regra do Keras: ``"valid"`` dá
    :math:`n\\,s + \\max(k_{ef} - s, 0)` e ``"same"`` dá :math:`n\\,s`; com ``output_padding`` inteiro,
    ``"same"`` usa :math:`p = \\lfloor k_{ef}/2 \\rfloor` e ``"valid"`` usa :math:`p = 0` na fórmula acima.

    Parameters
    ----------
    n : int
        Tamanho da entrada nessa dimensão.
    kernel_size : int
        Tamanho do kernel.
    strides : int, padrão 1
        Passo (fator de sobreamostragem).
    padding : {"valid", "same"} ou int, padrão 0
        Preenchimento.
    output_padding : int ou None, padrão None
        Linhas/colunas extras no fim da saída; deve ser menor que ``strides``. ``None`` é 0 com ``padding``
        inteiro e a regra do Keras com ``"valid"``/``"same"``.
    dilation_rate : int, padrão 1
        Dilatação do kernel.

    Returns
    -------
    int
        Tamanho da saída.

    Examples
    --------
    >>> transposed_output_size(7, 3, strides=2, padding="same")
    14
    >>> transposed_output_size(7, 3, strides=2, padding="valid")
    15
    >>> transposed_output_size(7, 3, strides=2, padding=1, output_padding=1)
    14
    """
    n = check_int(n, "n")
    strides = check_int(strides, "strides")
    k_eff = effective_kernel_size(kernel_size, dilation_rate)
    if isinstance(padding, str):
        padding = check_padding(padding)
    else:
        padding = check_int(padding, "padding", minimum=0)
    if output_padding is None:
        if padding == "valid":
            return n * strides + max(k_eff - strides, 0)
        if padding == "same":
            return n * strides
        output_padding = 0
    output_padding = check_int(output_padding, "output_padding", minimum=0)
    if output_padding >= strides:
        raise ValueError(
            f"output_padding deve ser um inteiro menor que strides ({strides}); recebido: {output_padding}"
        )
    pad = {"valid": 0, "same": k_eff // 2}.get(padding, padding)
    size = (n - 1) * strides + k_eff - 2 * pad + output_padding
    if size < 1:
        raise ValueError(
            f"padding={padding} é grande demais para n={n} e kernel_size={kernel_size}: "
            f"a saída teria tamanho {size}"
        )
    return size


def _layer_tuple(layer, index: int) -> tuple[int, int, int]:
    if not isinstance(layer, tuple | list) or len(layer) not in (2, 3):
        raise TypeError(
            f"layers[{index}] deve ser uma tupla (kernel_size, strides) ou "
            f"(kernel_size, strides, dilation_rate); recebido: {received(layer)}"
        )
    kernel_size, strides, dilation_rate = (*layer, 1)[:3]
    return (
        check_int(kernel_size, f"layers[{index}] kernel_size"),
        check_int(strides, f"layers[{index}] strides"),
        check_int(dilation_rate, f"layers[{index}] dilation_rate"),
    )


def receptive_field(layers: Sequence) -> int:
    """Campo receptivo (numa dimensão) de uma pilha de convoluções e poolings.

    :math:`R_\\ell = R_{\\ell-1} + (k_{ef,\\ell} - 1)\\,J_{\\ell-1}`, com :math:`R_0 = 1` e o salto
    :math:`J_\\ell = s_1 s_2 \\cdots s_\\ell` (:math:`J_0 = 1`): cada camada aumenta o campo em
    :math:`k_{ef} - 1` pixels da sua entrada, e cada pixel da sua entrada vale :math:`J_{\\ell-1}` pixels da
    imagem.

    Parameters
    ----------
    layers : sequência de tuplas
        Uma tupla ``(kernel_size, strides)`` ou ``(kernel_size, strides, dilation_rate)`` por camada, na
        ordem da rede. Um pooling também é uma camada (``(2, 2)`` para um pooling 2×2 de passo 2).

    Returns
    -------
    int
        Quantos pixels da entrada (numa dimensão) influenciam um pixel da última camada.

    Examples
    --------
    >>> receptive_field([(3, 1), (3, 1)])          # duas 3×3 enxergam o mesmo que uma 5×5
    5
    >>> receptive_field([(3, 1, 1), (3, 1, 2), (3, 1, 4)])   # dilatações 1, 2, 4
    15
    >>> receptive_field([(3, 1), (2, 2), (3, 1)])  # conv, pooling 2×2, conv
    8
    """
    if isinstance(layers, str | bytes) or not isinstance(layers, Sequence):
        raise TypeError(
            f"layers deve ser uma lista de tuplas (kernel_size, strides); recebido: {received(layers)}"
        )
    field, jump = 1, 1
    for index, layer in enumerate(layers):
        kernel_size, strides, dilation_rate = _layer_tuple(layer, index)
        field += (effective_kernel_size(kernel_size, dilation_rate) - 1) * jump
        jump *= strides
    return field


def conv_params(kernel_size, in_channels: int, filters: int, use_bias: bool = True) -> int:
    """Número de parâmetros de uma ``Conv2D``: :math:`(k_h \\cdot k_w \\cdot C_e + 1) \\cdot C_s`.

    Parameters
    ----------
    kernel_size : int ou par de int
        Tamanho :math:`k_h \\times k_w` do kernel.
    in_channels : int
        Canais (mapas de características) de entrada, :math:`C_e`.
    filters : int
        Filtros (canais de saída), :math:`C_s`.
    use_bias : bool, padrão True
        Se há um viés por filtro (o ``+ 1`` da fórmula).

    Returns
    -------
    int
        Pesos mais vieses.

    Examples
    --------
    >>> conv_params(3, 32, 64)                      # (3·3·32 + 1)·64
    18496
    >>> conv_params((5, 5), 1, 6, use_bias=False)   # 5·5·1·6
    150
    """
    height, width = as_pair(kernel_size, "kernel_size")
    in_channels = check_int(in_channels, "in_channels")
    filters = check_int(filters, "filters")
    return (height * width * in_channels + check_bool(use_bias, "use_bias")) * filters


def conv_transpose_params(kernel_size, in_channels: int, filters: int, use_bias: bool = True) -> int:
    """Número de parâmetros de uma ``Conv2DTranspose``: o mesmo de uma ``Conv2D``.

    :math:`(k_h \\cdot k_w \\cdot C_e + 1) \\cdot C_s`, com :math:`C_e` canais de entrada e :math:`C_s` de
    saída.

    Parameters
    ----------
    kernel_size : int ou par de int
        Tamanho do kernel.
    in_channels : int
        Canais de entrada.
    filters : int
        Canais de saída.
    use_bias : bool, padrão True
        Se há um viés por filtro.

    Returns
    -------
    int

    Examples
    --------
    >>> conv_transpose_params(2, 128, 64)           # (2·2·128 + 1)·64
    32832
    """
    return conv_params(kernel_size, in_channels, filters, use_bias)


def dense_params(n_in: int, n_out: int, use_bias: bool = True) -> int:
    """Número de parâmetros de uma camada densa: :math:`(N_e + 1) \\cdot N_s`.

    Parameters
    ----------
    n_in : int
        Entradas, :math:`N_e`.
    n_out : int
        Saídas (neurônios), :math:`N_s`.
    use_bias : bool, padrão True
        Se há um viés por saída.

    Returns
    -------
    int

    Examples
    --------
    >>> dense_params(400, 120)                      # (400 + 1)·120
    48120
    """
    n_in = check_int(n_in, "n_in")
    n_out = check_int(n_out, "n_out")
    return (n_in + check_bool(use_bias, "use_bias")) * n_out


def depthwise_params(kernel_size, in_channels: int, depth_multiplier: int = 1, use_bias: bool = True) -> int:
    """Número de parâmetros de uma ``DepthwiseConv2D``: :math:`(k_h \\cdot k_w + 1) \\cdot C_e \\cdot`
    ``depth_multiplier``.

    Cada um dos :math:`C_e` canais tem os seus ``depth_multiplier`` kernels :math:`k_h \\times k_w` e um viés
    por canal de saída.

    Parameters
    ----------
    kernel_size : int ou par de int
        Tamanho do kernel.
    in_channels : int
        Canais de entrada, :math:`C_e`.
    depth_multiplier : int, padrão 1
        Kernels por canal.
    use_bias : bool, padrão True
        Se há um viés por canal de saída.

    Returns
    -------
    int

    Examples
    --------
    >>> depthwise_params(3, 32)                     # (3·3 + 1)·32
    320
    """
    height, width = as_pair(kernel_size, "kernel_size")
    outputs = check_int(in_channels, "in_channels") * check_int(depth_multiplier, "depth_multiplier")
    return (height * width + check_bool(use_bias, "use_bias")) * outputs


def separable_params(
    kernel_size, in_channels: int, filters: int, depth_multiplier: int = 1, use_bias: bool = True
) -> int:
    """Número de parâmetros de uma ``SeparableConv2D`` (convolução separável em profundidade).

    Com :math:`D = C_e \\cdot` ``depth_multiplier``: :math:`k_h \\cdot k_w \\cdot D + D \\cdot C_s + C_s`, ou
    seja, um kernel em profundidade (depthwise) :math:`k_h \\times k_w` por canal e multiplicador, um kernel
    pontual (pointwise) 1×1 de :math:`D` para :math:`C_s` canais e um único viés de tamanho
    :math:`C_s`, como no Keras.

    Parameters
    ----------
    kernel_size : int ou par de int
        Tamanho do kernel em profundidade.
    in_channels : int
        Canais de entrada, :math:`C_e`.
    filters : int
        Canais de saída, :math:`C_s`.
    depth_multiplier : int, padrão 1
        Kernels por canal.
    use_bias : bool, padrão True
        Se há o viés (de tamanho ``filters``).

    Returns
    -------
    int

    Examples
    --------
    >>> separable_params(3, 32, 64)                 # 3·3·32 + 32·64 + 64
    2400
    >>> conv_params(3, 32, 64)                      # a convolução padrão equivalente
    18496
    """
    height, width = as_pair(kernel_size, "kernel_size")
    depth = check_int(in_channels, "in_channels") * check_int(depth_multiplier, "depth_multiplier")
    filters = check_int(filters, "filters")
    return height * width * depth + (depth + check_bool(use_bias, "use_bias")) * filters


def batchnorm_params(channels: int, center: bool = True, scale: bool = True) -> int:
    """Número total de parâmetros de uma ``BatchNormalization`` (como ``count_params()`` do Keras).

    Por canal: :math:`\\gamma` (se ``scale``) e :math:`\\beta` (se ``center``), treináveis, mais a média
    móvel e a variância móvel, que são **não treináveis** (atualizadas por médias móveis, não pelo
    gradiente). Com os padrões, :math:`4 \\cdot` ``channels``, dos quais :math:`2 \\cdot` ``channels`` são
    treináveis.

    Parameters
    ----------
    channels : int
        Canais normalizados.
    center : bool, padrão True
        Se há :math:`\\beta`.
    scale : bool, padrão True
        Se há :math:`\\gamma`.

    Returns
    -------
    int
        Treináveis mais não treináveis.

    Examples
    --------
    >>> batchnorm_params(64)                        # γ, β, média móvel, variância móvel
    256
    >>> batchnorm_params(64, scale=False)
    192
    """
    channels = check_int(channels, "channels")
    return (check_bool(center, "center") + check_bool(scale, "scale") + 2) * channels


@dataclass(frozen=True)
class DenseSizing:
    """Resultado de :func:`dense_input_size`: a forma depois de cada camada e o tamanho achatado.

    Attributes
    ----------
    steps : tuple
        Pares ``(descrição da camada, (H, W, C) da saída)``, na ordem da rede.
    size : int
        :math:`H \\cdot W \\cdot C` da última saída: o número de entradas da primeira camada densa.
    input_shape : tuple of int
        A forma ``(H, W, C)`` da entrada.
    """

    steps: tuple[tuple[str, tuple[int, int, int]], ...]
    size: int
    input_shape: tuple[int, int, int]

    def __str__(self) -> str:
        rows = [("entrada", str(self.input_shape)), *((text, str(shape)) for text, shape in self.steps)]
        rows.append(("flatten", str(self.size)))
        width = max(len(text) for text, _ in rows)
        lines = [
            f"{'camada':<{width}}  saída (H, W, C)",
            *(f"{text:<{width}}  {shape}" for text, shape in rows),
        ]
        return "\n".join(lines)


_LAYER_KEYS = {
    "conv": {"kind", "filters", "kernel_size", "strides", "padding", "dilation_rate"},
    "pool": {"kind", "pool_size", "strides", "padding"},
}


def _sizes_2d(shape, window, strides, padding, dilation, name) -> tuple[int, int]:
    heights_widths = zip(shape, window, strides, dilation, strict=True)
    pads = ("valid",) * 2 if padding == "valid" else ("same",) * 2 if padding == "same" else padding
    try:
        return tuple(output_size(n, k, s, p, d) for (n, k, s, d), p in zip(heights_widths, pads, strict=True))
    except ValueError as error:
        raise ValueError(f"{name}: {error}") from error


def _padding_text(padding) -> str:
    return padding if isinstance(padding, str) else f"padding={padding}"


def _apply_layer(layer: dict, index: int, shape: tuple[int, int, int]) -> tuple[str, tuple[int, int, int]]:
    name = f"layers[{index}]"
    if not isinstance(layer, dict) or layer.get("kind") not in _LAYER_KEYS:
        raise ValueError(
            f"{name} deve ser um dict com 'kind' igual a 'conv' ou 'pool'; recebido: {received(layer)}"
        )
    unknown = set(layer) - _LAYER_KEYS[layer["kind"]]
    if unknown:
        raise ValueError(
            f"{name} tem chaves desconhecidas {sorted(unknown)} (as aceitas são "
            f"{sorted(_LAYER_KEYS[layer['kind']])}); recebido: {received(layer)}"
        )
    padding = check_padding(layer.get("padding", "valid"), f"{name} padding")
    if layer["kind"] == "conv":
        if "filters" not in layer or "kernel_size" not in layer:
            raise ValueError(
                f"{name} (conv) precisa de 'filters' e 'kernel_size'; recebido: {received(layer)}"
            )
        filters = check_int(layer["filters"], f"{name} filters")
        window = as_pair(layer["kernel_size"], f"{name} kernel_size")
        strides = as_pair(layer.get("strides", 1), f"{name} strides")
        dilation = as_pair(layer.get("dilation_rate", 1), f"{name} dilation_rate")
        text = f"conv {window[0]}×{window[1]}, {filters} filtros, strides={layer.get('strides', 1)}"
    else:
        if "pool_size" not in layer:
            raise ValueError(f"{name} (pool) precisa de 'pool_size'; recebido: {received(layer)}")
        filters = shape[2]
        window = as_pair(layer["pool_size"], f"{name} pool_size")
        strides_value = layer["pool_size"] if layer.get("strides") is None else layer["strides"]
        strides, dilation = as_pair(strides_value, f"{name} strides"), (1, 1)
        text = f"pool {window[0]}×{window[1]}, strides={strides_value}"
    text += f", {_padding_text(layer.get('padding', 'valid'))}"
    if dilation != (1, 1):
        text += f", dilation_rate={layer['dilation_rate']}"
    height, width = _sizes_2d(shape[:2], window, strides, padding, dilation, name)
    return text, (height, width, filters)


def dense_input_size(input_shape, layers: Sequence[dict]) -> DenseSizing:
    """Dimensiona a primeira camada densa: a forma depois de cada convolução e pooling e o tamanho achatado.

    Parameters
    ----------
    input_shape : tupla (H, W, C)
        Forma da imagem de entrada.
    layers : lista de dict
        Uma camada por dict, na ordem da rede. Convolução: ``{"kind": "conv", "filters": 32,
        "kernel_size": 3, "strides": 1, "padding": "valid", "dilation_rate": 1}``; pooling: ``{"kind": "pool",
        "pool_size": 2, "strides": None, "padding": "valid"}`` (``strides=None`` é ``pool_size``, como no
        Keras). Só ``kind``, ``filters``/``pool_size`` e ``kernel_size`` são obrigatórias.

    Returns
    -------
    DenseSizing
        ``steps`` (descrição e forma de cada camada) e ``size`` (:math:`H \\cdot W \\cdot C` final). ``print``
        mostra uma tabela.

    Examples
    --------
    >>> sizing = dense_input_size((28, 28, 1), [
    ...     {"kind": "conv", "filters": 32, "kernel_size": 3},
    ...     {"kind": "pool", "pool_size": 2},
    ...     {"kind": "conv", "filters": 64, "kernel_size": 3, "padding": "same"},
    ...     {"kind": "pool", "pool_size": 2},
    ... ])
    >>> sizing.size
    2304
    >>> print(sizing)
    camada                                  saída (H, W, C)
    entrada                                 (28, 28, 1)
    conv 3×3, 32 filtros, strides=1, valid  (26, 26, 32)
    pool 2×2, strides=2, valid              (13, 13, 32)
    conv 3×3, 64 filtros, strides=1, same   (13, 13, 64)
    pool 2×2, strides=2, valid              (6, 6, 64)
    flatten                                 2304
    """
    if not (
        isinstance(input_shape, tuple | list)
        and len(input_shape) == 3
        and all(is_int(v) for v in input_shape)
    ):
        raise TypeError(
            f"input_shape deve ser uma tupla de 3 inteiros (H, W, C); recebido: {received(input_shape)}"
        )
    shape = tuple(check_int(v, "input_shape") for v in input_shape)
    if isinstance(layers, str | dict) or not isinstance(layers, Sequence):
        raise TypeError(f"layers deve ser uma lista de dicts; recebido: {received(layers)}")
    steps = []
    for index, layer in enumerate(layers):
        text, shape = _apply_layer(layer, index, shape)
        steps.append((text, shape))
    return DenseSizing(steps=tuple(steps), size=math.prod(shape), input_shape=tuple(input_shape))


def padding_amounts(shape, padding, kernel_size=None, strides=1, dilation_rate=1):
    """Quantas linhas e colunas de zeros um ``padding`` põe em volta de uma entrada ``(H, W)``.

    Parameters
    ----------
    shape : par de int
        ``(H, W)`` da entrada.
    padding : {"valid", "same"}, int, par ou pares
        Como em :func:`cnn_lib.ops.conv2d`.
    kernel_size : int, opcional
        Obrigatório com ``padding="same"`` (o preenchimento depende do kernel).
    strides, dilation_rate : int, padrão 1
        Usados com ``padding="same"``.

    Returns
    -------
    tuple
        ``((cima, baixo), (esquerda, direita))``.

    Examples
    --------
    >>> padding_amounts((5, 5), 1)
    ((1, 1), (1, 1))
    >>> padding_amounts((6, 6), "same", kernel_size=4)   # a sobra vai embaixo e à direita
    ((1, 2), (1, 2))
    """
    pads = check_padding(padding)
    if pads == "valid":
        return (0, 0), (0, 0)
    if pads == "same":
        if kernel_size is None:
            raise ValueError('kernel_size é obrigatório com padding="same"; recebido: None')
        return tuple(same_padding(n, kernel_size, strides, dilation_rate) for n in shape)
    return pads
