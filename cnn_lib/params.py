"""Contagem de parâmetros camada a camada, com a fórmula e os números de cada uma.

:func:`summary` percorre um modelo Keras (``Sequential`` ou funcional, inclusive modelos aninhados) e, para
cada camada, escreve a conta que dá o seu número de parâmetros, por exemplo ``(3·3·32 + 1)·64 = 18 496``
para uma ``Conv2D`` com kernel 3×3, 32 canais de entrada e 64 filtros. As contas usam as fórmulas de
:mod:`cnn_lib.shapes`; o total é sempre igual a ``model.count_params()``, e a separação entre treináveis e não
treináveis é a do Keras (médias e variâncias móveis da normalização em lote e camadas congeladas com
``trainable=False`` são não treináveis).

Cada linha traz também o custo da camada para **uma** imagem: as multiplicações-somas (MACs, *multiply-adds*)
dos pesos e a memória das ativações (os valores da saída, que o treino guarda para a retropropagação), como na
tabela de memória da VGG das notas do CS231n.

Uma camada de tipo desconhecido levanta ``TypeError`` com o nome do tipo: nunca é contada como zero em
silêncio.
"""

import html
import math
from dataclasses import dataclass

import keras
import numpy as np
from keras import layers
from keras.src.models.functional import Functional

from cnn_lib._validation import received
from cnn_lib.formatting import format_decimal, format_number
from cnn_lib.shapes import (
    batchnorm_params,
    conv_params,
    conv_transpose_params,
    dense_params,
    depthwise_params,
    separable_params,
)

__all__ = ["ParamRow", "ParamSummary", "format_bytes", "format_number", "summary"]

_HEADERS = ("Camada", "Tipo", "Forma da saída", "Parâmetros", "MACs", "Memória", "Fórmula")
_NUMERIC = (3, 4, 5)  # colunas alinhadas à direita


def _size(variables) -> int:
    return sum(math.prod(variable.shape) for variable in variables)


def _product(*factors: int) -> str:
    return "·".join(str(factor) for factor in factors)


def _weights_times(weights: str, outputs: str, use_bias: bool) -> str:
    """``(pesos + 1)·saídas`` com bias, ``pesos·saídas`` sem."""
    return f"({weights} + 1)·{outputs}" if use_bias else f"{weights}·{outputs}"


def _conv(layer) -> tuple[int, str]:
    # Kernel (n, l, k) na Conv1D e (n, m, l, k) na Conv2D; com groups > 1, l são os canais por grupo.
    *window, in_channels, filters = layer.kernel.shape
    kernel_size = tuple(window) if len(window) == 2 else (window[0], 1)  # um kernel 1-D de n é um n×1
    count = conv_params(kernel_size, in_channels, filters, layer.use_bias)
    return count, _weights_times(_product(*window, in_channels), str(filters), layer.use_bias)


def _conv_transpose(layer) -> tuple[int, str]:
    height, width, filters, in_channels = layer.kernel.shape  # o kernel transposto guarda (n, m, k, l)
    count = conv_transpose_params((height, width), in_channels, filters, layer.use_bias)
    return count, _weights_times(_product(height, width, in_channels), str(filters), layer.use_bias)


def _depth(in_channels: int, multiplier: int) -> str:
    return _product(in_channels, multiplier) if multiplier > 1 else str(in_channels)


def _depthwise(layer) -> tuple[int, str]:
    height, width, in_channels, multiplier = layer.kernel.shape
    count = depthwise_params((height, width), in_channels, multiplier, layer.use_bias)
    return count, _weights_times(_product(height, width), _depth(in_channels, multiplier), layer.use_bias)


def _separable(layer) -> tuple[int, str]:
    height, width, in_channels, multiplier = layer.depthwise_kernel.shape
    filters = layer.pointwise_kernel.shape[-1]
    count = separable_params((height, width), in_channels, filters, multiplier, layer.use_bias)
    depth = _depth(in_channels, multiplier)
    pointwise = _weights_times(depth, str(filters), layer.use_bias)
    return count, f"{_product(height, width)}·{depth} + {pointwise}"


def _dense(layer) -> tuple[int, str]:
    n_in, n_out = layer.kernel.shape
    return dense_params(n_in, n_out, layer.use_bias), _weights_times(str(n_in), str(n_out), layer.use_bias)


def _batchnorm(layer) -> tuple[int, str]:
    channels = math.prod(layer.moving_mean.shape)
    learned = layer.center + layer.scale  # β e γ, treináveis; média e variância móveis, não treináveis
    moving = f"2·{channels}"
    formula = f"{learned}·{channels} + {moving}" if learned else moving
    return batchnorm_params(channels, layer.center, layer.scale), formula


def _no_weights(layer) -> tuple[int, str]:
    return 0, "0"


def _spatial_size(shape) -> int:
    """Posições de uma forma ``(None, ..., canais)``: o produto dos eixos entre o lote e os canais."""
    return math.prod(shape[1:-1])


def _conv_macs(layer) -> int:
    # cada valor da saída soma kh·kw·(canais por grupo) produtos; a dilatação não muda a conta
    *window, in_per_group, filters = layer.kernel.shape
    return _spatial_size(layer.output.shape) * filters * math.prod(window) * in_per_group


def _conv_transpose_macs(layer) -> int:
    # cada valor da entrada espalha uma cópia do kernel (kh·kw·F) por canal de entrada
    return _spatial_size(layer.input.shape) * math.prod(layer.kernel.shape)


def _depthwise_macs(layer) -> int:
    height, width, in_channels, multiplier = layer.kernel.shape
    return _spatial_size(layer.output.shape) * height * width * in_channels * multiplier


def _separable_macs(layer) -> int:
    height, width, in_channels, multiplier = layer.depthwise_kernel.shape
    filters = layer.pointwise_kernel.shape[-1]
    positions = _spatial_size(layer.output.shape)
    return positions * in_channels * multiplier * (height * width + filters)


def _dense_macs(layer) -> int:
    n_in, n_out = layer.kernel.shape
    return math.prod(layer.output.shape[1:-1]) * n_in * n_out  # a Dense age em cada posição, se houver


_MACS = {
    layers.Conv1D: _conv_macs,
    layers.Conv2D: _conv_macs,
    layers.Conv2DTranspose: _conv_transpose_macs,
    layers.DepthwiseConv2D: _depthwise_macs,
    layers.SeparableConv2D: _separable_macs,
    layers.Dense: _dense_macs,
}


def _macs_for(layer) -> int:
    """Multiplicações-somas dos pesos para uma imagem; 0 nas camadas sem kernel (elemento a elemento)."""
    for cls in type(layer).__mro__:
        if cls in _MACS:
            return _MACS[cls](layer)
    return 0


def format_bytes(count: int) -> str:
    """Bytes em unidades decimais (B, kB, MB, GB), com vírgula decimal.

    Parameters
    ----------
    count : int
        Número de bytes.

    Returns
    -------
    str

    Examples
    --------
    >>> format_bytes(12_845_056)
    '12,8\xa0MB'
    >>> format_bytes(512)
    '512\xa0B'
    """
    for unit, size in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if count >= size:
            return f"{format_decimal(count / size, 1)}\u00a0{unit}"
    return f"{format_number(count)}\u00a0B"


_FORMULAS = {
    layers.Conv1D: _conv,
    layers.Conv2D: _conv,
    layers.Conv2DTranspose: _conv_transpose,
    layers.DepthwiseConv2D: _depthwise,
    layers.SeparableConv2D: _separable,
    layers.Dense: _dense,
    layers.BatchNormalization: _batchnorm,
    **dict.fromkeys(
        (
            layers.InputLayer,
            layers.MaxPooling1D,
            layers.MaxPooling2D,
            layers.AveragePooling1D,
            layers.AveragePooling2D,
            layers.GlobalAveragePooling1D,
            layers.GlobalAveragePooling2D,
            layers.GlobalMaxPooling1D,
            layers.GlobalMaxPooling2D,
            layers.Flatten,
            layers.Dropout,
            layers.SpatialDropout2D,
            layers.Add,
            layers.Subtract,
            layers.Multiply,
            layers.Average,
            layers.Concatenate,
            layers.Activation,
            layers.ReLU,
            layers.LeakyReLU,
            layers.Softmax,
            layers.ZeroPadding1D,
            layers.ZeroPadding2D,
            layers.Cropping2D,
            layers.UpSampling2D,
            layers.Rescaling,
            layers.RandomFlip,
            layers.RandomRotation,
            layers.RandomTranslation,
            layers.RandomZoom,
            layers.Reshape,
            layers.Lambda,
        ),
        _no_weights,
    ),
}


@dataclass(frozen=True)
class ParamRow:
    """Uma linha de :class:`ParamSummary`: uma camada e a conta dos seus parâmetros.

    Attributes
    ----------
    name : str
        Nome da camada (``"externo/interno"`` dentro de um modelo aninhado).
    type : str
        Classe Keras da camada (``"Conv2D"``, ``"Dense"``, ...).
    output_shape : tuple
        Forma da saída, com ``None`` no lugar do tamanho do lote.
    params : int
        Número de parâmetros (treináveis e não treináveis).
    formula : str
        A conta com os números, por exemplo ``"(3·3·32 + 1)·64 = 18 496"``; ``"0"`` para camadas sem pesos.
    trainable : int
        Parâmetros treináveis.
    non_trainable : int
        Parâmetros não treináveis.
    macs : int
        Multiplicações-somas dos pesos para uma imagem: :math:`H_s \\cdot W_s \\cdot C_s \\cdot k_h \\cdot k_w
        \\cdot C_e` numa ``Conv2D``, :math:`N_e \\cdot N_s` numa ``Dense``; 0 em camadas sem kernel (pooling,
        ativações, normalização em lote), cujas operações são elemento a elemento.
    activations : int
        Valores da saída para uma imagem (o produto da forma da saída sem o lote).
    activation_bytes : int
        Memória dessas ativações: ``activations`` vezes o tamanho do tipo da camada (4 bytes em ``float32``).
    """

    name: str
    type: str
    output_shape: tuple
    params: int
    formula: str
    trainable: int
    non_trainable: int
    macs: int = 0
    activations: int = 0
    activation_bytes: int = 0


@dataclass(frozen=True)
class ParamSummary:
    """Resumo de parâmetros de um modelo: as linhas de cada camada e os totais.

    ``print(resumo)`` mostra uma tabela de texto; num notebook, o resumo aparece como tabela HTML.

    Attributes
    ----------
    rows : tuple of ParamRow
        Uma linha por camada, na ordem de ``model.layers`` (camadas de modelos aninhados em seguida ao nome do
        modelo que as contém).
    """

    rows: tuple[ParamRow, ...]

    @property
    def total(self) -> int:
        """Total de parâmetros, igual a ``model.count_params()``."""
        return sum(row.params for row in self.rows)

    @property
    def trainable(self) -> int:
        """Parâmetros treináveis (ajustados pelo gradiente)."""
        return sum(row.trainable for row in self.rows)

    @property
    def non_trainable(self) -> int:
        """Parâmetros não treináveis (médias móveis, camadas congeladas)."""
        return sum(row.non_trainable for row in self.rows)

    @property
    def macs(self) -> int:
        """Multiplicações-somas de uma passada de uma imagem pela rede (soma das camadas)."""
        return sum(row.macs for row in self.rows)

    @property
    def activation_bytes(self) -> int:
        """Memória das ativações de uma imagem, somada sobre as camadas (o que o treino guarda por imagem)."""
        return sum(row.activation_bytes for row in self.rows)

    def _cells(self) -> list[tuple[str, ...]]:
        return [
            (
                row.name,
                row.type,
                str(row.output_shape),
                format_number(row.params),
                format_number(row.macs),
                format_bytes(row.activation_bytes),
                row.formula,
            )
            for row in self.rows
        ]

    def _footer(self) -> tuple[str, str]:
        return (
            f"Total de parâmetros: {format_number(self.total)} (treináveis: {format_number(self.trainable)}; "
            f"não treináveis: {format_number(self.non_trainable)})",
            f"Por imagem: {format_number(self.macs)} MACs e "
            f"{format_bytes(self.activation_bytes)} de ativações",
        )

    def __str__(self) -> str:
        cells = self._cells()
        widths = [max(len(text) for text in column) for column in zip(_HEADERS, *cells, strict=True)]

        def line(texts) -> str:
            aligned = [
                text.rjust(w) if i in _NUMERIC else text.ljust(w)
                for i, (text, w) in enumerate(zip(texts, widths, strict=True))
            ]
            return "  ".join(aligned).rstrip()

        rule = "-" * len(line(["-" * w for w in widths]))
        return "\n".join([line(_HEADERS), rule, *(line(texts) for texts in cells), rule, *self._footer()])

    def _repr_html_(self) -> str:
        def row(texts, tag: str) -> str:
            right = ' style="text-align: right"'
            cells = "".join(
                f"<{tag}{right if i in _NUMERIC else ''}>{html.escape(text)}</{tag}>"
                for i, text in enumerate(texts)
            )
            return f"<tr>{cells}</tr>"

        body = "".join(row(texts, "td") for texts in self._cells())
        footer = "".join(
            f'<tr><td colspan="{len(_HEADERS)}">{html.escape(text)}</td></tr>' for text in self._footer()
        )
        return (
            f'<table class="cnn-lib-params"><thead>{row(_HEADERS, "th")}</thead><tbody>{body}</tbody>'
            f"<tfoot>{footer}</tfoot></table>"
        )


def _formula_for(layer) -> tuple[int, str]:
    for cls in type(layer).__mro__:
        if cls in _FORMULAS:
            return _FORMULAS[cls](layer)
    known = sorted({cls.__name__ for cls in _FORMULAS})
    raise TypeError(
        f"summary não sabe contar os parâmetros da camada {layer.name!r} do tipo {type(layer).__name__}; "
        f"tipos aceitos: {', '.join(known)}, e modelos Sequential ou funcionais aninhados"
    )


def _row(layer, prefix: str) -> ParamRow:
    count, formula = _formula_for(layer)
    if count != _size(layer.weights):
        raise ValueError(
            f"a camada {layer.name!r} ({type(layer).__name__}) tem {_size(layer.weights)} pesos, mas a "
            f"fórmula dá {count}: esta configuração (por exemplo LoRA ou pesos extras) não é suportada por "
            "summary"
        )
    shape = tuple(layer.output.shape)
    activations = math.prod(shape[1:])
    return ParamRow(
        name=prefix + layer.name,
        type=type(layer).__name__,
        output_shape=(None, *shape[1:]),
        params=count,
        formula=formula if count == 0 else f"{formula} = {format_number(count)}",
        trainable=_size(layer.trainable_weights),
        non_trainable=_size(layer.non_trainable_weights),
        macs=_macs_for(layer),
        activations=activations,
        activation_bytes=activations * np.dtype(layer.compute_dtype).itemsize,
    )


def _check_model(model, name: str) -> None:
    if not isinstance(model, keras.Sequential | Functional):
        kind = "um modelo definido por subclasse" if isinstance(model, keras.Model) else "um objeto"
        raise TypeError(
            f"{name} deve ser um modelo Keras Sequential ou funcional (keras.Model(entradas, saídas)); "
            f"recebido: {kind} do tipo {type(model).__name__} ({received(model)}). Em modelos definidos por "
            "subclasse a ordem e as formas das camadas só aparecem ao executar o modelo."
        )
    if not model.built:
        raise ValueError(
            f"o modelo {model.name!r} ainda não foi construído: comece-o com keras.Input(shape=...) ou chame "
            "model.build((None, H, W, C)) antes de summary"
        )


def _rows(model, prefix: str) -> list[ParamRow]:
    rows = []
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            _check_model(layer, f"a camada {layer.name!r}")
            rows.extend(_rows(layer, f"{prefix}{layer.name}/"))
        else:
            rows.append(_row(layer, prefix))
    return rows


def summary(model) -> ParamSummary:
    """Resumo dos parâmetros de um modelo Keras, camada a camada, com a fórmula de cada contagem.

    Fórmulas (kernel :math:`n \\times m`, :math:`l` canais de entrada, :math:`k` filtros):
    ``Conv2D`` :math:`(n \\cdot m \\cdot l + 1) \\cdot k`; ``Conv1D`` :math:`(n \\cdot l + 1) \\cdot k`;
    ``Conv2DTranspose`` a mesma da ``Conv2D``; ``DepthwiseConv2D`` :math:`(n \\cdot m + 1) \\cdot l \\cdot M`;
    ``SeparableConv2D`` :math:`n \\cdot m \\cdot l \\cdot M + (l \\cdot M + 1) \\cdot k`; ``Dense``
    :math:`(n + 1) \\cdot m`; ``BatchNormalization`` :math:`2 \\cdot C` (γ e β, treináveis)
    :math:`+ 2 \\cdot C` (média e variância móveis, não treináveis). Sem bias (``use_bias=False``) some o
    ``+ 1``. Entrada, pooling, achatamento, dropout, ativações, soma, concatenação, preenchimento,
    ``Rescaling``, ``Reshape`` e ``Lambda`` não têm parâmetros (uma camada com pesos inesperados levanta
    ``ValueError``).

    Custo por imagem: a coluna MACs conta as multiplicações-somas dos pesos (numa ``Conv2D``,
    :math:`H_s \\cdot W_s \\cdot C_s \\cdot k_h \\cdot k_w \\cdot C_e`; numa ``Dense``,
    :math:`N_e \\cdot N_s`; o viés e as operações elemento a elemento ficam de fora) e a coluna Memória, os
    bytes dos valores da saída.

    Parameters
    ----------
    model : keras.Sequential ou modelo funcional
        Modelo construído. Modelos aninhados entram camada a camada, com nomes ``"externo/interno"``.

    Returns
    -------
    ParamSummary
        ``rows``, ``total``, ``trainable``, ``non_trainable``; ``print`` mostra a tabela.

    Raises
    ------
    TypeError
        Se ``model`` não for um modelo Sequential/funcional ou se alguma camada for de um tipo desconhecido.
    ValueError
        Se o modelo não estiver construído ou se uma camada tiver pesos que a fórmula não explica.

    Examples
    --------
    >>> from cnn_lib import models
    >>> print(summary(models.lenet5()))
    Camada       Tipo              Forma da saída      Parâmetros     MACs  Memória  Fórmula
    -------------------------------------------------------------------------------------------------------
    c1           Conv2D            (None, 28, 28, 6)          156  117 600  18,8 kB  (5·5·1 + 1)·6 = 156
    s2           AveragePooling2D  (None, 14, 14, 6)            0        0   4,7 kB  0
    c3           Conv2D            (None, 10, 10, 16)       2 416  240 000   6,4 kB  (5·5·6 + 1)·16 = 2 416
    s4           AveragePooling2D  (None, 5, 5, 16)             0        0   1,6 kB  0
    flatten      Flatten           (None, 400)                  0        0   1,6 kB  0
    c5           Dense             (None, 120)             48 120   48 000    480 B  (400 + 1)·120 = 48 120
    f6           Dense             (None, 84)              10 164   10 080    336 B  (120 + 1)·84 = 10 164
    predictions  Dense             (None, 10)                 850      840     40 B  (84 + 1)·10 = 850
    -------------------------------------------------------------------------------------------------------
    Total de parâmetros: 61 706 (treináveis: 61 706; não treináveis: 0)
    Por imagem: 416 520 MACs e 34,0 kB de ativações
    >>> summary(models.lenet5()).total
    61706
    """
    _check_model(model, "model")
    return ParamSummary(rows=tuple(_rows(model, "")))
