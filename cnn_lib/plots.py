"""Figuras do curso em matplotlib: matrizes com valores, mapas de características, filtros, curvas de treino,
matriz de confusão e diagramas de arquitetura.

Todas as funções aceitam um ``ax=`` (ou ``fig=``, as que desenham vários painéis) para desenhar numa figura
que já existe e devolvem o ``Axes`` ou a ``Figure``; nenhuma chama ``plt.show()``. Sem ``ax``/``fig``, a
figura é criada pelo ``pyplot`` e aparece sozinha num notebook.

Os valores escritos nas células de uma matriz são desenhados como contornos de letras (uma só coleção de
caminhos por matriz), não como um ``Text`` por célula: é dez vezes mais rápido de redesenhar (importa para
as demonstrações de :mod:`cnn_lib.widgets`), e o tamanho da letra acompanha o tamanho da célula.
"""

import functools
import io
import math
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.collections import PathCollection, PolyCollection
from matplotlib.font_manager import FontProperties
from matplotlib.patches import FancyBboxPatch, Rectangle
from matplotlib.path import Path
from matplotlib.textpath import TextPath, text_to_path
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import Affine2D
from PIL import Image

from cnn_lib import shapes
from cnn_lib._validation import as_array, check_int, is_int, received

__all__ = [
    "MatrixPlot",
    "feature_map_mosaic",
    "format_value",
    "plot_architecture",
    "plot_confusion_matrix",
    "plot_feature_maps",
    "plot_filters",
    "plot_history",
    "plot_image",
    "plot_matrix",
    "plot_padded_input",
    "to_png",
    "update_image",
]

PAD_COLOR = "#d9d9d9"  # células de preenchimento (padding)
HIGHLIGHT_COLOR = "#d62728"
_FONT = FontProperties(family="DejaVu Sans", size=10)
_MINUS = "\N{MINUS SIGN}"
_MAX_POINTS = 13  # tamanho máximo dos valores escritos nas células


def format_value(value) -> str:
    """Texto curto de um número para escrever numa célula: inteiros sem casas, os demais com até 2 casas.

    Usa a vírgula decimal e o sinal de menos tipográfico (−), como o matplotlib nos eixos.

    Parameters
    ----------
    value : número real

    Returns
    -------
    str

    Examples
    --------
    >>> format_value(5.0), format_value(-2), format_value(1 / 9), format_value(-0.5), format_value(-0.001)
    ('5', '−2', '0,11', '−0,5', '0')
    """
    value = float(value)
    text = f"{value:.0f}" if abs(value - round(value)) < 5e-3 else f"{value:.2f}".rstrip("0")
    return "0" if text in ("-0", "0.") else text.replace("-", _MINUS).replace(".", ",")


def _set_title(ax, title, fontsize=10) -> None:
    """Título numa posição fixa (o matplotlib não a recalcula a cada desenho); ``None`` mantém o atual."""
    if title is not None and title != ax.get_title():
        ax.set_title(title, fontsize=fontsize, y=1.0, pad=4)


def _new_axes(ax, figsize):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _new_figure(fig, figsize):
    return plt.figure(figsize=figsize, layout="constrained") if fig is None else fig


# --- matrizes com valores


@functools.lru_cache(maxsize=2048)
def _glyphs(text: str):
    """Contorno de ``text`` (em pontos, fonte de 10 pt) centrado na origem, e a sua largura."""
    path = TextPath((0, 0), text, prop=_FONT)
    left, right = path.vertices[:, 0].min(), path.vertices[:, 0].max()  # pontos de controle: basta aqui
    return path.transformed(Affine2D().translate(-(left + right) / 2, -_digit_height() / 2)), right - left


@functools.cache
def _digit_height() -> float:
    return TextPath((0, 0), "0", prop=_FONT).get_extents().height


class _CellText(PathCollection):
    """Os valores de todas as células como uma coleção de contornos de letras, um por célula.

    O tamanho da letra é calculado a cada desenho (em ``get_transform``, sem marcar a figura como
    desatualizada): o maior que cabe na célula (``fit``, em células por ponto da fonte de 10 pt), limitado a
    ``_MAX_POINTS`` pontos.
    """

    def __init__(self, ax):
        super().__init__([], offsets=np.empty((0, 2)), offset_transform=ax.transData, zorder=3)
        self.set_edgecolor("none")
        self.labels: tuple[str, ...] = ()
        self.fit = 0.0
        ax.add_collection(self, autolim=False)

    def get_transform(self):
        origin, corner = self.axes.transData.transform([(0, 0), (1, 1)])
        cell = min(abs(corner - origin))  # pixels por célula
        largest = self.axes.figure.dpi / 72 * _MAX_POINTS / _FONT.get_size()
        return Affine2D().scale(min(self.fit * cell, largest))


def _is_rectangle(value) -> bool:
    return isinstance(value, tuple | list) and len(value) == 4 and all(map(is_int, value))


def _as_rectangles(highlight) -> list[tuple[int, int, int, int]]:
    """``None``, um retângulo ``(linha, coluna, altura, largura)`` ou uma lista deles -> lista."""
    if highlight is None:
        return []
    rectangles = [highlight] if _is_rectangle(highlight) else highlight
    if not (isinstance(rectangles, tuple | list) and all(map(_is_rectangle, rectangles))):
        raise TypeError(
            "highlight deve ser None, um retângulo (linha, coluna, altura, largura) de inteiros ou uma "
            f"lista deles; recebido: {received(highlight)}"
        )
    return [tuple(int(v) for v in rectangle) for rectangle in rectangles]


def _check_pad_width(pad_width, shape) -> tuple[tuple[int, int], tuple[int, int]]:
    """``pad_width`` como no ``np.pad`` (um inteiro, um par (antes, depois) ou um par por eixo) -> 2 pares."""
    if pad_width is None:
        return (0, 0), (0, 0)
    pads = np.asarray(pad_width)
    if pads.dtype.kind not in "iu" or pads.ndim > 2 or pads.size not in (1, 2, 4) or (pads < 0).any():
        raise ValueError(
            "pad_width deve ser um inteiro >= 0, um par (antes, depois) ou pares ((cima, baixo), (esquerda, "
            f"direita)); recebido: {received(pad_width)}"
        )
    (top, bottom), (left, right) = np.broadcast_to(pads, (2, 2)).tolist()
    if top + bottom >= shape[0] or left + right >= shape[1]:
        raise ValueError(
            f"pad_width deve deixar ao menos uma célula fora do preenchimento; recebido: {pad_width}"
        )
    return (top, bottom), (left, right)


class MatrixPlot:
    """Uma matriz desenhada num ``Axes`` com o valor escrito em cada célula, que pode ser atualizada no lugar.

    :func:`plot_matrix` desenha uma vez; as demonstrações interativas guardam o ``MatrixPlot`` e chamam
    :meth:`update` a cada mudança, reaproveitando a malha de cores, os textos e os retângulos.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Onde desenhar.
    values : array_like 2-D
        A matriz.
    title : str, opcional
        Título do painel.
    annotate : bool, padrão True
        Se escreve os valores nas células.
    highlight : tupla ou lista de tuplas, opcional
        Retângulo(s) ``(linha, coluna, altura, largura)`` a destacar.
    pad_width : int ou pares ((cima, baixo), (esquerda, direita)), opcional
        Quantas linhas/colunas da borda de ``values`` são preenchimento (padding): ficam cinza, e a entrada
        original ganha uma moldura.
    cmap : str, padrão "Blues"
        Mapa de cores.
    vmin, vmax : float, opcional
        Limites das cores; sem eles, o mínimo e o máximo das células que não são preenchimento.
    symmetric : bool, padrão False
        Limites das cores simétricos em volta de zero, ``±max|valor|`` (para kernels e mapas com sinal, com um
        mapa de cores divergente como ``"RdBu_r"``).
    highlight_color : str, padrão vermelho
        Cor dos retângulos de destaque.

    Attributes
    ----------
    labels : tuple of str
        Os textos escritos nas células, linha por linha (vazio se ``annotate=False``).
    highlighted : tuple
        Os retângulos ``(linha, coluna, altura, largura)`` destacados agora.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> view = MatrixPlot(ax, [[1, 2], [3, 4]], title="entrada")
    >>> view.labels
    ('1', '2', '3', '4')
    >>> view.update([[0, -1.5], [2, 1 / 3]], highlight=(0, 0, 1, 2))
    >>> view.labels, view.highlighted
    (('0', '−1,5', '2', '0,33'), ((0, 0, 1, 2),))
    >>> plt.close(fig)
    """

    def __init__(
        self,
        ax,
        values,
        *,
        title=None,
        annotate=True,
        highlight=None,
        pad_width=None,
        cmap="Blues",
        vmin=None,
        vmax=None,
        symmetric=False,
        highlight_color=HIGHLIGHT_COLOR,
    ):
        self.ax = ax
        self.annotate = bool(annotate)
        self.highlighted: tuple[tuple[int, int, int, int], ...] = ()
        self._limits = (vmin, vmax)
        self._symmetric = bool(symmetric)
        self._cmap = plt.get_cmap(cmap).with_extremes(bad=PAD_COLOR)
        self._mesh = None
        self._text = _CellText(ax)
        # todos os destaques numa só coleção: dezenas de retângulos custam um desenho
        self._highlights = PolyCollection(
            [], facecolors="none", edgecolors=highlight_color, linewidths=2.5, zorder=5, clip_on=False
        )
        ax.add_collection(self._highlights, autolim=False)
        self._frame = Rectangle(
            (0, 0), 1, 1, fill=False, edgecolor="black", linewidth=2, zorder=4, visible=False
        )
        ax.add_patch(self._frame)
        ax.set_axis_off()  # sem eixos nem moldura: mais rápido de redesenhar
        self.update(values, title=title, highlight=highlight, pad_width=pad_width)

    @property
    def labels(self) -> tuple[str, ...]:
        return self._text.labels

    def update(self, values, *, title=None, highlight=None, pad_width=None) -> None:
        """Troca os valores, o destaque e o preenchimento (``title=None`` mantém o título atual).

        Parameters
        ----------
        values : array_like 2-D
            A nova matriz (pode ter outra forma).
        title : str, opcional
            Novo título.
        highlight : tupla ou lista de tuplas, opcional
            Retângulo(s) ``(linha, coluna, altura, largura)``; ``None`` apaga os destaques.
        pad_width : int ou pares, opcional
            Linhas/colunas de preenchimento na borda de ``values``; ``None`` é nenhuma.
        """
        values = as_array(values, "values", (2,))
        if values.size == 0:
            raise ValueError(f"values não pode ser vazia; recebido: shape {values.shape}")
        pads = _check_pad_width(pad_width, values.shape)
        mask = np.ones(values.shape, dtype=bool)
        mask[pads[0][0] : values.shape[0] - pads[0][1], pads[1][0] : values.shape[1] - pads[1][1]] = False
        masked = np.ma.masked_array(values.astype(float), mask=mask)
        self._draw_cells(masked)
        self._draw_labels(masked)
        self._draw_frame(values.shape, pads)
        self._draw_highlights(_as_rectangles(highlight))
        _set_title(self.ax, title)

    def _draw_cells(self, masked) -> None:
        height, width = masked.shape
        filled = masked.compressed()
        low, high = (filled.min(), filled.max()) if filled.size else (0.0, 1.0)
        if self._symmetric:
            low, high = -max(abs(low), abs(high)), max(abs(low), abs(high))
        low = low if self._limits[0] is None else self._limits[0]
        high = high if self._limits[1] is None else self._limits[1]
        if self._mesh is None or self._mesh.get_array().shape != masked.shape:
            if self._mesh is not None:
                self._mesh.remove()
            edges_x, edges_y = np.arange(width + 1) - 0.5, np.arange(height + 1) - 0.5
            self._mesh = self.ax.pcolormesh(
                edges_x, edges_y, masked, cmap=self._cmap, edgecolors="white", linewidth=1
            )
            self.ax.set_xlim(-0.5, width - 0.5)
            self.ax.set_ylim(height - 0.5, -0.5)
            self.ax.set_aspect("equal")
        else:
            self._mesh.set_array(masked)
        self._mesh.set_clim(low, high if high > low else low + 1)

    def _draw_labels(self, masked) -> None:
        if not self.annotate:
            return
        self._text.labels = tuple(format_value(v) for v in masked.data.ravel())
        paths, widths = zip(*(_glyphs(text) for text in self._text.labels), strict=True)
        rows, cols = np.indices(masked.shape)
        self._text.set_paths(paths)
        self._text.set_offsets(np.column_stack([cols.ravel(), rows.ravel()]))
        self._text.fit = min(0.8 / max(widths), 0.36 / _digit_height())
        colors = self._mesh.to_rgba(masked.filled(np.nan).ravel())
        luminance = colors[:, :3] @ [0.299, 0.587, 0.114]
        text_colors = np.where(luminance[:, None] < 0.5, [1.0, 1.0, 1.0, 1.0], [0.1, 0.1, 0.1, 1.0])
        text_colors[masked.mask.ravel()] = [0.45, 0.45, 0.45, 1.0]
        self._text.set_facecolor(text_colors)

    def _draw_frame(self, shape, pads) -> None:
        (top, bottom), (left, right) = pads
        self._frame.set_visible(top + bottom + left + right > 0)
        self._frame.set_bounds(left - 0.5, top - 0.5, shape[1] - left - right, shape[0] - top - bottom)

    def _draw_highlights(self, rectangles) -> None:
        self.highlighted = tuple(rectangles)
        corners = [(c - 0.5, r - 0.5, c - 0.5 + w, r - 0.5 + h) for r, c, h, w in rectangles]
        self._highlights.set_verts([[(x0, y0), (x1, y0), (x1, y1), (x0, y1)] for x0, y0, x1, y1 in corners])


def plot_matrix(
    values, *, ax=None, title=None, annotate=True, highlight=None, cmap="Blues", vmin=None, vmax=None
):
    """Desenha uma matriz com o valor escrito em cada célula: entradas, kernels, mapas de características.

    Parameters
    ----------
    values : array_like 2-D
        A matriz.
    ax : matplotlib.axes.Axes, opcional
        Onde desenhar; sem ele, uma figura nova.
    title : str, opcional
        Título.
    annotate : bool, padrão True
        Se escreve os valores (desligue para matrizes grandes).
    highlight : tupla ou lista de tuplas, opcional
        Retângulo(s) ``(linha, coluna, altura, largura)`` destacados em vermelho, por exemplo a janela do
        kernel.
    cmap : str, padrão "Blues"
        Mapa de cores.
    vmin, vmax : float, opcional
        Limites das cores.

    Returns
    -------
    matplotlib.axes.Axes

    See Also
    --------
    MatrixPlot : a mesma figura, atualizável no lugar.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> ax = plot_matrix([[1, 0, -1], [2, 0, -2], [1, 0, -1]], title="kernel Sobel", highlight=(0, 0, 2, 2))
    >>> ax.get_title()
    'kernel Sobel'
    >>> plt.close(ax.figure)
    """
    ax = _new_axes(ax, (4, 4))
    MatrixPlot(
        ax, values, title=title, annotate=annotate, highlight=highlight, cmap=cmap, vmin=vmin, vmax=vmax
    )
    return ax


def plot_padded_input(
    values,
    padding,
    *,
    kernel_size=None,
    strides=1,
    dilation_rate=1,
    ax=None,
    title=None,
    annotate=True,
    highlight=None,
    cmap="Blues",
):
    """Desenha a entrada com o preenchimento (padding) em volta: zeros em cinza, a entrada emoldurada.

    Parameters
    ----------
    values : array_like 2-D
        A entrada sem preenchimento.
    padding : {"valid", "same"}, int, par ou pares
        Como em :func:`cnn_lib.ops.conv2d`.
    kernel_size, strides, dilation_rate : int
        Necessários com ``padding="same"``.
    ax, title, annotate, cmap
        Como em :func:`plot_matrix`.
    highlight : tupla ou lista de tuplas, opcional
        Retângulo(s) em coordenadas da entrada **preenchida**.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> ax = plot_padded_input(np.arange(9).reshape(3, 3), 1, title="entrada com padding=1")
    >>> [float(v) for v in ax.get_xlim()]    # 5 colunas: 1 + 3 + 1
    [-0.5, 4.5]
    >>> plt.close(ax.figure)
    """
    values = as_array(values, "values", (2,))
    pads = shapes.padding_amounts(values.shape, padding, kernel_size, strides, dilation_rate)
    ax = _new_axes(ax, (4, 4))
    MatrixPlot(
        ax,
        np.pad(values, pads),
        title=title,
        annotate=annotate,
        highlight=highlight,
        pad_width=pads,
        cmap=cmap,
    )
    return ax


# --- imagens e grades de mapas


def plot_image(image, *, ax=None, title=None, cmap="gray", vmin=None, vmax=None):
    """Mostra uma imagem ou um mapa de características, sem eixos nem valores.

    Parameters
    ----------
    image : array_like (H, W) ou (H, W, 3)
        Tons de cinza / um mapa, ou uma imagem colorida em [0, 1]; ``NaN`` fica em branco.
    ax : matplotlib.axes.Axes, opcional
    title : str, opcional
    cmap : str, padrão "gray"
    vmin, vmax : float, opcional
        Limites das cores; sem eles, o mínimo e o máximo da imagem.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> ax = plot_image(np.eye(4), title="diagonal")
    >>> ax.images[0].get_array().shape
    (4, 4)
    >>> plt.close(ax.figure)
    """
    image = np.asarray(image)
    as_array(np.where(np.isnan(image), 0, image) if image.dtype.kind == "f" else image, "image", (2, 3))
    ax = _new_axes(ax, (4, 4))
    ax.imshow(image, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.set_axis_off()
    _set_title(ax, title)
    return ax


def update_image(ax, image, *, title=None, vmin=None, vmax=None) -> None:
    """Troca a imagem de um ``Axes`` desenhado por :func:`plot_image` e reajusta as cores ao seu intervalo.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    image : array_like
        Nova imagem; se a forma mudar, os limites do ``Axes`` acompanham.
    title : str, opcional
        Novo título (``None`` mantém).
    vmin, vmax : float, opcional
        Limites das cores; sem eles, o mínimo e o máximo da nova imagem.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> ax = plot_image(np.zeros((2, 2)))
    >>> update_image(ax, np.arange(6).reshape(2, 3), title="nova")
    >>> ax.images[0].get_clim(), ax.get_title()
    ((0.0, 5.0), 'nova')
    >>> plt.close(ax.figure)
    """
    image = np.asarray(image)
    artist = ax.images[0]
    reshaped = artist.get_array().shape[:2] != image.shape[:2]
    artist.set_data(image)
    if reshaped:  # mudar os limites é caro: só quando a forma muda
        artist.set_extent((-0.5, image.shape[1] - 0.5, image.shape[0] - 0.5, -0.5))
        ax.set_xlim(-0.5, image.shape[1] - 0.5)
        ax.set_ylim(image.shape[0] - 0.5, -0.5)
    if image.ndim == 2:
        artist.set_clim(
            float(np.nanmin(image)) if vmin is None else vmin,
            float(np.nanmax(image)) if vmax is None else vmax,
        )
    _set_title(ax, title)


def _grid(fig, count: int, ncols: int):
    ncols = min(check_int(ncols, "ncols"), count)
    axes = fig.subplots(math.ceil(count / ncols), ncols, squeeze=False).ravel()
    for ax in axes[count:]:
        ax.set_visible(False)
    return axes[:count]


def plot_feature_maps(maps, *, ncols=8, titles=None, cmap="viridis", fig=None):
    """Mostra os mapas de características de uma camada, um painel por canal.

    Parameters
    ----------
    maps : array_like (H, W, C) ou (1, H, W, C)
        Saída de uma camada convolucional para uma imagem (por exemplo, de
        :func:`cnn_lib.train.feature_maps`).
    ncols : int, padrão 8
        Painéis por linha.
    titles : lista de str, opcional
        Um título por mapa; o padrão é "mapa 1", "mapa 2", ...
    cmap : str, padrão "viridis"
    fig : matplotlib.figure.Figure ou SubFigure, opcional
        Onde desenhar (vazia); sem ela, uma figura nova.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> fig = plot_feature_maps(np.random.default_rng(0).random((6, 6, 4)), ncols=2)
    >>> [ax.get_title() for ax in fig.axes]
    ['mapa 1', 'mapa 2', 'mapa 3', 'mapa 4']
    >>> plt.close(fig)
    """
    maps = as_array(maps, "maps", (3, 4))
    if maps.ndim == 4:
        if maps.shape[0] != 1:
            raise ValueError(f"maps deve ter uma imagem só (1, H, W, C); recebido: shape {maps.shape}")
        maps = maps[0]
    count = maps.shape[-1]
    titles = [f"mapa {index + 1}" for index in range(count)] if titles is None else list(titles)
    if len(titles) != count:
        raise ValueError(f"titles deve ter um título por mapa ({count}); recebido: {len(titles)} títulos")
    columns = min(check_int(ncols, "ncols"), count)
    fig = _new_figure(fig, (1.5 * columns, 1.6 * math.ceil(count / columns)))
    for ax, index in zip(_grid(fig, count, ncols), range(count), strict=True):
        plot_image(maps[..., index], ax=ax, cmap=cmap)
        _set_title(ax, titles[index], fontsize=8)
    return fig


def feature_map_mosaic(maps, ncols=8) -> np.ndarray:
    """Junta os mapas ``(H, W, C)`` numa só imagem, em linhas de ``ncols``, cada um na sua escala [0, 1].

    Uma imagem só redesenha muito mais rápido que um painel por mapa (é o que o explorador de mapas de
    características usa). Entre os mapas fica uma linha/coluna de ``NaN`` (desenhada em branco).

    Parameters
    ----------
    maps : array_like (H, W, C)
    ncols : int, padrão 8

    Returns
    -------
    numpy.ndarray
        ``(linhas·(H + 1) − 1, colunas·(W + 1) − 1)``; o mapa ``c`` ocupa o bloco ``(c // colunas,
        c % colunas)``. Um mapa constante vira zeros.

    Examples
    --------
    >>> import numpy as np
    >>> mosaic = feature_map_mosaic(np.arange(12.0).reshape(2, 2, 3), ncols=2)
    >>> mosaic.shape
    (5, 5)
    >>> mosaic[:2, :2]                 # o mapa 0, levado para [0, 1]
    array([[0.        , 0.33333333],
           [0.66666667, 1.        ]])
    """
    maps = as_array(maps, "maps", (3,)).astype(float)
    height, width, count = maps.shape
    columns = min(check_int(ncols, "ncols"), count)
    rows = math.ceil(count / columns)
    low, high = maps.min(axis=(0, 1)), maps.max(axis=(0, 1))
    scaled = (maps - low) / np.where(high > low, high - low, 1.0)
    mosaic = np.full((rows * (height + 1) - 1, columns * (width + 1) - 1), np.nan)
    for index in range(count):
        top, left = (index // columns) * (height + 1), (index % columns) * (width + 1)
        mosaic[top : top + height, left : left + width] = scaled[..., index]
    return mosaic


def plot_filters(kernel, *, ncols=8, fig=None):
    """Mostra os filtros (kernels) de uma camada convolucional, em geral a primeira.

    Com 3 canais de entrada, cada filtro vira uma pequena imagem colorida (RGB normalizado); com 1 canal, os
    pesos aparecem em vermelho (positivos) e azul (negativos), na mesma escala para todos os filtros; com
    outro número de canais, mostra a média sobre eles.

    Parameters
    ----------
    kernel : array_like (kh, kw, canais, filtros) ou (kh, kw)
        Por exemplo, :func:`cnn_lib.train.first_layer_filters`.
    ncols : int, padrão 8
    fig : matplotlib.figure.Figure ou SubFigure, opcional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> fig = plot_filters(np.random.default_rng(0).normal(size=(5, 5, 1, 6)))
    >>> fig.get_suptitle(), len(fig.axes)
    ('6 filtros 5×5', 6)
    >>> plt.close(fig)
    """
    kernel = as_array(kernel, "kernel", (2, 4))
    if kernel.ndim == 2:
        kernel = kernel[..., None, None]
    kh, kw, channels, count = kernel.shape
    columns = min(check_int(ncols, "ncols"), count)
    fig = _new_figure(fig, (1.4 * columns, 1.5 * math.ceil(count / columns) + 0.4))
    if channels == 3:
        low, high = kernel.min(), kernel.max()
        images, options = (kernel - low) / (high - low if high > low else 1), {}
    else:
        images = kernel.mean(axis=2, keepdims=True)
        limit = float(np.abs(images).max()) or 1.0
        options = {"cmap": "RdBu_r", "vmin": -limit, "vmax": limit}
    for index, ax in enumerate(_grid(fig, count, ncols)):
        image = images[:, :, :, index]
        plot_image(image[..., 0] if image.shape[-1] == 1 else image, ax=ax, **options)
        _set_title(ax, f"filtro {index + 1}", fontsize=8)
    suffix = "" if channels in (1, 3) else f" (média dos {channels} canais de entrada)"
    fig.suptitle(f"{count} {'filtros' if count > 1 else 'filtro'} {kh}×{kw}{suffix}")
    return fig


# --- treino e avaliação


def _history_dict(history) -> Mapping:
    data = getattr(history, "history", history)
    if not isinstance(data, Mapping) or "loss" not in data:
        raise TypeError(
            "history deve ser o History do model.fit ou um dict com a chave 'loss' (e, se houver, "
            f"'accuracy', 'val_loss', 'val_accuracy'); recebido: {received(history)}"
        )
    return data


def plot_history(history, *, fig=None):
    """Curvas de perda e de acurácia por época, no treino e na validação.

    Parameters
    ----------
    history : keras.callbacks.History ou dict
        O que ``model.fit`` devolve, ou o seu ``.history``: listas por época nas chaves ``"loss"`` e,
        se houver, ``"accuracy"``, ``"val_loss"``, ``"val_accuracy"``.
    fig : matplotlib.figure.Figure, opcional

    Returns
    -------
    matplotlib.figure.Figure
        Um painel "perda" e, se houver acurácia, um painel "acurácia"; eixo x "época", legendas
        "treino"/"validação".

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = plot_history({"loss": [1.0, 0.6, 0.4], "val_loss": [1.1, 0.8, 0.7],
    ...                     "accuracy": [0.5, 0.7, 0.8], "val_accuracy": [0.45, 0.6, 0.7]})
    >>> [ax.get_ylabel() for ax in fig.axes], fig.axes[0].get_xlabel()
    (['perda', 'acurácia'], 'época')
    >>> plt.close(fig)
    """
    data = _history_dict(history)
    panels = [("loss", "perda")]
    accuracy = next((key for key in ("accuracy", "acc") if key in data), None)
    if accuracy is not None:
        panels.append((accuracy, "acurácia"))
    fig = _new_figure(fig, (5 * len(panels), 3.6))
    for ax, (key, label) in zip(fig.subplots(1, len(panels), squeeze=False)[0], panels, strict=True):
        for prefix, name in (("", "treino"), ("val_", "validação")):
            if prefix + key in data:
                values = np.asarray(data[prefix + key], dtype=float)
                ax.plot(np.arange(1, len(values) + 1), values, "o-", label=name)
        ax.set_xlabel("época")
        ax.set_ylabel(label)
        ax.set_title(f"{label} por época")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend()
    return fig


def plot_confusion_matrix(matrix, labels=None, *, ax=None, cmap="Blues"):
    """Matriz de confusão: linha = classe verdadeira, coluna = classe prevista, contagem em cada célula.

    Parameters
    ----------
    matrix : array_like (K, K)
        Por exemplo, :func:`cnn_lib.train.confusion_matrix`.
    labels : lista de str, opcional
        Nomes das K classes; o padrão é 0, 1, ..., K−1.
    ax : matplotlib.axes.Axes, opcional
    cmap : str, padrão "Blues"

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> ax = plot_confusion_matrix([[5, 1], [0, 4]], ["gato", "cão"])
    >>> ax.get_xlabel(), ax.get_ylabel(), [t.get_text() for t in ax.get_xticklabels()]
    ('classe prevista', 'classe verdadeira', ['gato', 'cão'])
    >>> plt.close(ax.figure)
    """
    matrix = as_array(matrix, "matrix", (2,))
    if matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"matrix deve ser quadrada (K, K); recebido: shape {matrix.shape}")
    labels = [str(index) for index in range(len(matrix))] if labels is None else [str(v) for v in labels]
    if len(labels) != len(matrix):
        raise ValueError(f"labels deve ter um nome por classe ({len(matrix)}); recebido: {len(labels)} nomes")
    ax = _new_axes(ax, (1.5 + 0.5 * len(matrix), 1.3 + 0.5 * len(matrix)))
    MatrixPlot(ax, matrix, title="matriz de confusão", cmap=cmap)
    ax.set_axis_on()
    ticks = np.arange(len(matrix))
    ax.set_xticks(ticks, labels, rotation=45 if max(map(len, labels)) > 3 else 0)
    ax.set_yticks(ticks, labels)
    ax.set_xlabel("classe prevista")
    ax.set_ylabel("classe verdadeira")
    return ax


# --- diagrama da arquitetura

_LAYER_COLORS = {  # prefixo do nome (minúsculo) -> cor da caixa
    "entrada": "#bdbdbd",
    "input": "#bdbdbd",
    "conv": "#6baed6",
    "pool": "#fd8d3c",
    "flatten": "#9e9ac8",
    "achat": "#9e9ac8",
    "densa": "#74c476",
    "dense": "#74c476",
    "saída": "#e377c2",
}


def _check_layers(layers) -> list[tuple[str, tuple[int, ...]]]:
    message = "layers deve ser uma lista de pares (nome, forma), com forma uma tupla de inteiros positivos"
    if isinstance(layers, str) or not isinstance(layers, Sequence) or not layers:
        raise TypeError(f"{message}; recebido: {received(layers)}")
    checked = []
    for index, layer in enumerate(layers):
        if not (isinstance(layer, tuple | list) and len(layer) == 2 and isinstance(layer[0], str)):
            raise TypeError(f"{message}; recebido em layers[{index}]: {received(layer)}")
        shape = (layer[1],) if is_int(layer[1]) else layer[1]
        shape = tuple(v for v in shape if v is not None) if isinstance(shape, tuple | list) else ()
        if not shape or not all(is_int(v) for v in shape):
            raise TypeError(f"{message}; recebido em layers[{index}]: {received(layer)}")
        if min(shape) < 1:
            raise ValueError(f"{message}; recebido em layers[{index}]: {received(layer)}")
        checked.append((layer[0], tuple(int(v) for v in shape)))
    return checked


def _box_sizes(layers) -> list[tuple[float, float]]:
    """(largura, altura) de cada caixa: num mapa, a altura cresce com o lado e a largura com os canais; um
    vetor (flatten, densa) é uma caixa estreita cuja altura cresce com o número de unidades."""
    largest = {
        maps: max([math.log1p(shape[0]) for _, shape in layers if (len(shape) > 1) == maps] or [1.0])
        for maps in (True, False)
    }
    channels = max([math.log1p(shape[-1]) for _, shape in layers if len(shape) > 1] or [1.0])
    sizes = []
    for _, shape in layers:
        height = 0.8 + 2.2 * math.log1p(shape[0]) / largest[len(shape) > 1]
        width = 0.45 + 0.85 * math.log1p(shape[-1]) / channels if len(shape) > 1 else 0.35
        sizes.append((width, height))
    return sizes


def plot_architecture(layers, *, ax=None):
    """Diagrama de blocos de uma CNN: uma caixa por camada, com o nome e a forma da saída, ligadas por setas.

    A altura de cada caixa acompanha o tamanho espacial da saída, e a cor o tipo da camada (entrada, conv,
    pool, flatten, densa, saída, reconhecido pelo começo do nome).

    Parameters
    ----------
    layers : lista de pares (nome, forma)
        Por exemplo ``[("entrada", (28, 28, 1)), ("conv 3×3", (26, 26, 32)), ("pool 2×2", (13, 13, 32)),
        ("flatten", (5408,)), ("densa", (10,))]``; um ``None`` inicial na forma (o lote do Keras) é ignorado.
    ax : matplotlib.axes.Axes, opcional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> ax = plot_architecture([("entrada", (28, 28, 1)), ("conv 3×3", (None, 26, 26, 32)),
    ...                         ("pool 2×2", (13, 13, 32)), ("flatten", (5408,)), ("densa", (10,))])
    >>> [t.get_text() for t in ax.texts][:4]
    ['entrada', '28×28×1', 'conv 3×3', '26×26×32']
    >>> plt.close(ax.figure)
    """
    layers = _check_layers(layers)
    ax = _new_axes(ax, (1.9 * len(layers), 3.2))
    step = 2.0
    sizes = _box_sizes(layers)
    for index, ((name, shape), (width, height)) in enumerate(zip(layers, sizes, strict=True)):
        color = next((c for prefix, c in _LAYER_COLORS.items() if name.lower().startswith(prefix)), "#c7c7c7")
        x = index * step
        ax.add_patch(
            FancyBboxPatch(
                (x - width / 2, -height / 2),
                width,
                height,
                boxstyle="round,pad=0.05",
                facecolor=color,
                edgecolor="#333333",
            )
        )
        ax.text(x, 1.75, name, ha="center", va="bottom", fontsize=9, fontweight="bold")
        ax.text(x, -1.75, "×".join(map(str, shape)), ha="center", va="top", fontsize=9)
        if index:
            ax.annotate(
                "",
                xy=(x - width / 2 - 0.08, 0),
                xytext=(x - step + sizes[index - 1][0] / 2 + 0.08, 0),
                arrowprops={"arrowstyle": "->", "color": "#333333"},
            )
    ax.set_xlim(-step / 2 - 0.1, (len(layers) - 1) * step + step / 2 + 0.1)
    ax.set_ylim(-2.3, 2.3)
    ax.set_title("arquitetura: forma da saída de cada camada")
    ax.axis("off")
    return ax


# --- exportação rápida


@functools.lru_cache(maxsize=1024)
def _text_path(text: str, prop: FontProperties) -> Path:
    vertices, codes = text_to_path.get_text_path(prop, text)
    return Path(vertices, codes)


class _PathTextRenderer(RendererAgg):
    """Renderizador Agg que desenha cada texto como o seu contorno, guardado em cache.

    O Agg do matplotlib rasteriza letra por letra a cada desenho (cerca de 5 ms por título nesta máquina);
    com o contorno em cache, um título custa um ``draw_path``.
    """

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if ismath:
            return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        scale = self.points_to_pixels(prop.get_size_in_points()) / text_to_path.FONT_SCALE
        gc.set_linewidth(0.0)
        # o Text passa y medido de cima para baixo (flipy); o draw_path espera de baixo para cima
        transform = Affine2D().scale(scale).rotate_deg(angle).translate(x, self.height - y)
        self.draw_path(gc, _text_path(s, prop), transform, rgbFace=gc.get_rgb())
        return None


class _PathTextCanvas(FigureCanvasAgg):
    def get_renderer(self):
        key = (*self.get_width_height(physical=True), self.figure.dpi)
        if self._lastKey != key:
            self.renderer = _PathTextRenderer(*key)
            self._lastKey = key
        return self.renderer


def to_png(fig) -> bytes:
    """Desenha ``fig`` e devolve os bytes de um PNG (compressão rápida, sem transparência).

    É o que as demonstrações interativas mostram num ``ipywidgets.Image`` a cada mudança. Na primeira chamada,
    ``fig`` ganha um canvas Agg que desenha os textos pelos contornos em cache (mais rápido de redesenhar).

    Parameters
    ----------
    fig : matplotlib.figure.Figure

    Returns
    -------
    bytes

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> to_png(Figure(figsize=(1, 1)))[:4]
    b'\\x89PNG'
    """
    canvas = fig.canvas if isinstance(fig.canvas, _PathTextCanvas) else _PathTextCanvas(fig)
    canvas.draw()
    buffer = io.BytesIO()
    image = Image.frombuffer(
        "RGBA", canvas.get_width_height(physical=True), canvas.buffer_rgba(), "raw", "RGBA", 0, 1
    )
    image.convert("RGB").save(buffer, format="png", compress_level=1)
    return buffer.getvalue()
