"""Demonstrações interativas: convolução, passo e preenchimento, pooling, ativação e mapas de características
de um modelo treinado.

Cada demonstração é uma função que devolve um widget (``anywidget``) que recalcula e desenha no próprio
navegador: no JupyterLab, no Notebook 7, no JupyterHub e também no livro em HTML, sem o kernel do Jupyter. O
componente é um só, o módulo JavaScript ``cnn_lib/static/cnn_demos.js``; no livro, a saída ``text/html`` traz
os dados iniciais e a página carrega o mesmo módulo (servido em ``_static``). O widget expõe:

- ``controls``: dicionário com os controles (``demo.controls["strides"].value = 2`` é o mesmo que mover o
  controle na página);
- ``state``: dicionário com o que está desenhado (mapas, formas, textos, destaques), recalculado em Python a
  cada mudança; se a combinação for inválida, ``state["error"]`` tem a mensagem em português, que a página
  mostra no lugar da figura. No navegador, o elemento ``[data-demo]`` traz o mesmo estado, calculado em
  JavaScript, em ``data-state`` (e os valores dos controles em ``data-controls``); ``state_json()`` dá o
  estado do Python nesse formato;
- ``hold()``: um ``with demo.hold():`` muda vários controles e recalcula uma vez só.

Os cálculos em Python passam por :mod:`cnn_lib.ops` e :mod:`cnn_lib.shapes`; os testes do navegador provam
que o JavaScript chega aos mesmos números. As funções ``static_*`` desenham as mesmas cenas com o matplotlib,
sobre algumas configurações representativas: são as figuras para impressão e PDF.
"""

import base64
import contextlib
import functools
import html
import json
import math
from pathlib import Path

import anywidget
import matplotlib.pyplot as plt
import numpy as np
import traitlets
from matplotlib.figure import Figure
from numpy.lib.stride_tricks import sliding_window_view

from cnn_lib import ops, plots, shapes
from cnn_lib._validation import is_int, received

__all__ = [
    "KERNEL_SIZES",
    "activation_pipeline",
    "classic_kernel",
    "conv_explorer",
    "feature_map_explorer",
    "output_size_formula",
    "pooling_explorer",
    "static_activation_pipeline",
    "static_conv_explorer",
    "static_pooling",
    "static_stride_padding",
    "stride_padding_explorer",
]

_DPI = 72
_STATIC = Path(__file__).parent / "static"
_PADDINGS = [("valid", "valid"), ("same", "same"), ("1", 1), ("2", 2)]


# --- kernels clássicos e a fórmula do tamanho da saída


def _edges(size: int) -> np.ndarray:
    return np.tile(np.sign(size // 2 - np.arange(size)), (size, 1))


_KERNELS = {
    "bordas verticais": _edges,
    "bordas horizontais": lambda size: _edges(size).T,
    "Sobel x": lambda size: np.outer([1, 2, 1], [-1, 0, 1]),
    "Sobel y": lambda size: np.outer([-1, 0, 1], [1, 2, 1]),
    "desfoque (média)": lambda size: np.full((size, size), 1 / size**2),
    "nitidez": lambda size: np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]]),
    "identidade": lambda size: np.eye(1, size * size, size * size // 2).reshape(size, size),
}

KERNEL_SIZES = {
    "bordas verticais": (3, 5),
    "bordas horizontais": (3, 5),
    "Sobel x": (3,),
    "Sobel y": (3,),
    "desfoque (média)": (2, 3, 4, 5),
    "nitidez": (3,),
    "identidade": (1, 3, 5),
}
"""Tamanhos de kernel que cada família de :func:`classic_kernel` aceita."""


def classic_kernel(name: str, size: int = 3) -> np.ndarray:
    """Um kernel clássico de processamento de imagens, em ``float64``.

    Parameters
    ----------
    name : str
        ``"bordas verticais"``, ``"bordas horizontais"``, ``"Sobel x"``, ``"Sobel y"``,
        ``"desfoque (média)"``, ``"nitidez"`` ou ``"identidade"``.
    size : int, padrão 3
        Lado do kernel, entre os de :data:`KERNEL_SIZES` para essa família (Sobel e nitidez só têm 3×3).

    Returns
    -------
    numpy.ndarray
        ``(size, size)``.

    Examples
    --------
    >>> classic_kernel("bordas verticais")
    array([[ 1.,  0., -1.],
           [ 1.,  0., -1.],
           [ 1.,  0., -1.]])
    >>> classic_kernel("desfoque (média)", 2)
    array([[0.25, 0.25],
           [0.25, 0.25]])
    """
    if name not in KERNEL_SIZES:
        raise ValueError(
            f"name deve ser um destes kernels: {', '.join(KERNEL_SIZES)}; recebido: {received(name)}"
        )
    if size not in KERNEL_SIZES[name]:
        sizes = ", ".join(map(str, KERNEL_SIZES[name]))
        raise ValueError(f"size deve ser um de {sizes} para o kernel {name!r}; recebido: {received(size)}")
    return _KERNELS[name](size).astype(float)


def _pads_1d(n, kernel_size, strides, padding, dilation_rate) -> tuple[int, int]:
    return shapes.padding_amounts((n, n), padding, kernel_size, strides, dilation_rate)[0]


def output_size_formula(
    n: int, kernel_size: int, strides: int = 1, padding="valid", dilation_rate: int = 1
) -> str:
    """A fórmula do tamanho da saída com os números colocados, terminando no valor de
    :func:`cnn_lib.shapes.output_size`.

    Parameters
    ----------
    n, kernel_size, strides, dilation_rate : int
        Como em :func:`cnn_lib.shapes.output_size`.
    padding : {"valid", "same"} ou int, padrão "valid"
        Com ``"same"`` entram os zeros que o TensorFlow põe (antes e depois podem diferir).

    Returns
    -------
    str

    Examples
    --------
    >>> output_size_formula(7, 3, strides=2, padding=1)
    '⌊(n + 2p − d·(k−1) − 1)/s⌋ + 1 = ⌊(7 + 2·1 − 1·(3−1) − 1)/2⌋ + 1 = 4'
    >>> output_size_formula(6, 4, padding="same")
    '⌊(n + p_antes + p_depois − d·(k−1) − 1)/s⌋ + 1 = ⌊(6 + 1 + 2 − 1·(4−1) − 1)/1⌋ + 1 = 6'
    """
    size = shapes.output_size(n, kernel_size, strides, padding, dilation_rate)
    before, after = _pads_1d(n, kernel_size, strides, padding, dilation_rate)
    symbol, numbers = (
        ("2p", f"2·{before}") if before == after else ("p_antes + p_depois", f"{before} + {after}")
    )
    return (
        f"⌊(n + {symbol} − d·(k−1) − 1)/s⌋ + 1 = "
        f"⌊({n} + {numbers} − {dilation_rate}·({kernel_size}−1) − 1)/{strides}⌋ + 1 = {size}"
    )


def _window_cells(row: int, col: int, kernel_size: int, strides: int, dilation_rate: int):
    """Linhas e colunas (na entrada preenchida) que o kernel cobre para a saída ``(row, col)``."""
    taps = dilation_rate * np.arange(kernel_size)
    return row * strides + taps, col * strides + taps


def _window_rectangles(rows, cols, dilation_rate: int) -> list[tuple[int, int, int, int]]:
    """Retângulos de destaque: a janela inteira, ou cada célula que um kernel dilatado toca."""
    if dilation_rate == 1:
        return [(int(rows[0]), int(cols[0]), len(rows), len(cols))]
    return [(int(r), int(c), 1, 1) for r in rows for c in cols]


def _term(value) -> str:
    text = plots.format_value(value)
    return f"({text})" if text.startswith("\N{MINUS SIGN}") else text


# --- base das demonstrações: controles, estado em Python e o componente do navegador


class _Slider:
    """Um controle deslizante de inteiros (como o ``IntSlider`` do ipywidgets): ``value`` fica entre ``min`` e
    ``max`` (um valor fora é levado ao limite mais próximo; baixar ``max`` também leva ``value`` junto)."""

    kind = "slider"
    name = "value"  # nas mensagens de erro; a demonstração põe controls['...'].value

    def __init__(self, value: int, *, min: int, max: int, description: str):
        self.min, self._max, self.description = min, max, description
        self._value = value
        self._listeners: list = []

    @property
    def max(self) -> int:
        return self._max

    @max.setter
    def max(self, new: int) -> None:
        self._max = new
        if self._value > new:
            self.value = new

    @property
    def value(self) -> int:
        return self._value

    @value.setter
    def value(self, new) -> None:
        if not is_int(new):
            raise TypeError(f"{self.name} deve ser um inteiro; recebido: {received(new)}")
        new = int(min(max(new, self.min), self._max))
        if new != self._value:
            self._value = new
            for listener in self._listeners:
                listener()

    def spec(self, name: str) -> dict:
        return {"name": name, "kind": self.kind, "label": self.description, "min": self.min, "max": self._max}


class _Choice:
    """Uma escolha entre opções (como o ``Dropdown`` do ipywidgets): ``options`` é uma lista de valores ou de
    pares ``(rótulo, valor)``; ``value`` tem de ser um dos valores."""

    kind = "choice"
    name = "value"

    def __init__(self, options, value=None, *, description: str):
        self.description = description
        self._options = tuple(options)
        self._value = self._values()[0] if value is None else value
        self._listeners: list = []

    def _values(self) -> list:
        return [option[1] if isinstance(option, tuple) else option for option in self._options]

    def _pairs(self) -> list:
        return [
            list(option) if isinstance(option, tuple) else [str(option), option] for option in self._options
        ]

    @property
    def options(self) -> tuple:
        return self._options

    @options.setter
    def options(self, new) -> None:
        self._options = tuple(new)
        if self._value not in self._values():
            self.value = self._values()[0]

    @property
    def value(self):
        return self._value

    @value.setter
    def value(self, new) -> None:
        if new not in self._values():
            accepted = ", ".join(map(repr, self._values()))
            raise ValueError(f"{self.name} deve ser um de {accepted}; recebido: {received(new)}")
        if new != self._value:
            self._value = new
            for listener in self._listeners:
                listener()

    def spec(self, name: str) -> dict:
        return {"name": name, "kind": self.kind, "label": self.description, "options": self._pairs()}


def _jsonable(value):
    """O estado com tipos do JSON: arrays e tuplas viram listas, números do NumPy viram números do Python."""
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _float32_payload(array) -> dict:
    """Um array em ``float32`` (base64, little-endian) com a forma, para o navegador."""
    array = np.ascontiguousarray(array, dtype="<f4")
    return {"shape": list(array.shape), "values": base64.b64encode(array.tobytes()).decode("ascii")}


class _Demo(anywidget.AnyWidget):
    """Uma demonstração: os controles e o estado em Python, o desenho e os cálculos no navegador.

    O componente de ``static/cnn_demos.js`` desenha os controles, recalcula o estado em JavaScript a cada
    mudança (com as mesmas regras de :mod:`cnn_lib.ops` e :mod:`cnn_lib.shapes`) e o desenha, no JupyterLab
    (anywidget) e no livro em HTML (pela representação ``text/html``, que traz os dados iniciais). Os valores
    dos controles vão e voltam entre o Python e o navegador pelo traço ``values``.

    As subclasses definem ``NAME``, ``LABEL``, ``_compute()`` (o estado a partir dos controles, levantando
    ``ValueError`` se a combinação for inválida) e, se for o caso, ``_constrain()`` (opções e limites que
    dependem de outros controles).
    """

    _esm = _STATIC / "cnn_demos.js"
    demo = traitlets.Unicode().tag(sync=True)
    label = traitlets.Unicode().tag(sync=True)
    spec = traitlets.List().tag(sync=True)
    values = traitlets.Dict().tag(sync=True)
    data = traitlets.Dict().tag(sync=True)

    def __init__(self, controls: dict, data: dict):
        self.controls = controls
        self.state: dict = {}
        self._busy = False
        self._pushing = False
        spec = [control.spec(name) for name, control in controls.items()]
        super().__init__(demo=self.NAME, label=self.LABEL, spec=spec, values=self._values(), data=data)
        for key, control in controls.items():
            control.name = f"controls[{key!r}].value"
            control._listeners.append(self._on_change)
        self.observe(self._on_front_end, names="values")
        self._constrain()
        self.refresh()

    def _values(self) -> dict:
        return {name: control.value for name, control in self.controls.items()}

    def _constrain(self) -> None:
        """Ajusta opções e limites que dependem de outros controles (nada, na maioria das demonstrações)."""

    @contextlib.contextmanager
    def hold(self):
        """Muda vários controles de uma vez e recalcula uma só vez, na saída do ``with``.

        Examples
        --------
        >>> demo = pooling_explorer()
        >>> with demo.hold():
        ...     demo.controls["pool_size"].value = 3
        ...     demo.controls["strides"].value = 3
        >>> demo.state["output_shape"]
        (2, 2)
        """
        busy, self._busy = self._busy, True
        try:
            yield self
        finally:
            self._busy = busy
            if not busy:
                self.refresh()

    def _on_change(self) -> None:
        self._constrain()
        if not self._busy:
            self.refresh()

    def _on_front_end(self, change) -> None:
        """Valores vindos do navegador (um controle mexido na página): aplicados na ordem dos controles."""
        if self._pushing:
            return
        with self.hold():
            for name, control in self.controls.items():
                if name in change["new"]:
                    control.value = change["new"][name]

    def refresh(self) -> None:
        """Recalcula o estado a partir dos controles e manda os valores ao navegador (se mudaram)."""
        try:
            self.state = self._compute()
        except ValueError as error:
            self.state = {"error": str(error)}
        values = self._values()
        if values != self.values:
            self._pushing = True
            try:
                self.values = values
            finally:
                self._pushing = False

    def state_json(self) -> dict:
        """O estado com tipos do JSON (listas no lugar de arrays e tuplas), como em ``data-state`` na página.

        Examples
        --------
        >>> stride_padding_explorer().state_json()["output_shape"]
        [5, 5]
        """
        return _jsonable(self.state)

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
        return {**data, "text/html": self._static_html()}, metadata

    def _static_html(self) -> str:
        """A demonstração para páginas sem kernel: os dados iniciais, que ``cnn_demos.js`` (servido pelo
        livro) encontra e desenha; sem JavaScript, fica só o aviso."""
        init = {key: getattr(self, key) for key in ("demo", "label", "spec", "values", "data")}
        payload = json.dumps(init, ensure_ascii=False).replace("</", "<\\/")
        return (
            f'<div class="cnn-demo-static"><script type="application/json">{payload}</script>'
            f'<p class="cnn-demo-fallback">{html.escape(self.LABEL)}: esta demonstração precisa de '
            "JavaScript ligado no navegador.</p></div>"
        )


def _static_figure(states: list[dict], scene, panels: int, height: float, caption) -> Figure:
    """Uma linha de painéis por estado, com a cena interativa correspondente e uma legenda por linha."""
    figure = plt.figure(figsize=(2.8 * panels, height * len(states)), layout="constrained")
    for row, state in zip(np.atleast_1d(figure.subfigures(len(states), 1)), states, strict=True):
        scene(row, state)
        row.suptitle(caption(state), fontsize=10)
    return figure


def _set_options(control, options) -> None:
    """Troca as opções de uma escolha mantendo o valor atual, se ainda for uma opção (senão, 3 ou a 1ª)."""
    if tuple(control.options) != tuple(options):
        keep = control.value if control.value in options else (3 if 3 in options else options[0])
        control._options = tuple(options)
        control.value = keep


# --- 1. convolução


def _example_base(seed: int) -> np.ndarray:
    """Grade 9×9 de inteiros 0..9 com uma borda vertical (claro à direita)."""
    base = np.random.default_rng(seed).integers(0, 4, (9, 9))
    base[:, 4:] += 6
    return base


def _example_grid(n: int, seed: int) -> np.ndarray:
    """Entrada n×n recortada da grade 9×9 de :func:`_example_base` (as primeiras linhas, colunas do meio)."""
    start = (9 - n) // 2
    return _example_base(seed)[:n, start : start + n]


def _conv_state(*, n, kernel, kernel_size, strides, padding, dilation_rate, row, col, seed=0) -> dict:
    grid = _example_grid(n, seed)
    weights = classic_kernel(kernel, kernel_size)
    output = ops.conv2d(grid, weights, strides=strides, padding=padding, dilation_rate=dilation_rate)
    pads = shapes.padding_amounts(grid.shape, padding, kernel_size, strides, dilation_rate)
    padded = np.pad(grid, pads)
    rows, cols = _window_cells(row, col, kernel_size, strides, dilation_rate)
    patch = padded[np.ix_(rows, cols)]
    products = " + ".join(
        f"{_term(a)}·{_term(b)}" for a, b in zip(patch.ravel(), weights.ravel(), strict=True)
    )
    return {
        "input": grid,
        "padded": padded,
        "pad_width": pads,
        "kernel": weights,
        "output": output,
        "output_shape": output.shape,
        "formula_text": output_size_formula(n, kernel_size, strides, padding, dilation_rate),
        "position": (row, col),
        "patch_rows": rows,
        "patch_cols": cols,
        "highlight": {"input": _window_rectangles(rows, cols, dilation_rate), "output": (row, col, 1, 1)},
        "products_text": f"{products} = {plots.format_value(output[row, col])}",
        "title": f"kernel {kernel} {kernel_size}×{kernel_size}",
    }


class _ConvScene:
    def __init__(self, figure, state):
        axes = figure.subplots(1, 3, gridspec_kw={"width_ratios": [1.25, 0.75, 1.25]})
        self.input = plots.MatrixPlot(axes[0], state["padded"], cmap="Blues")
        self.kernel = plots.MatrixPlot(axes[1], state["kernel"], cmap="RdBu_r", symmetric=True)
        self.output = plots.MatrixPlot(axes[2], state["output"], cmap="PuOr_r", symmetric=True)
        self.update(state)

    def update(self, state) -> None:
        (top, bottom), (left, right) = state["pad_width"]
        padded = "" if top + bottom + left + right == 0 else " com padding (cinza)"
        self.input.update(
            state["padded"],
            pad_width=state["pad_width"],
            highlight=state["highlight"]["input"],
            title=f"entrada {state['input'].shape[0]}×{state['input'].shape[1]}{padded}",
        )
        self.kernel.update(state["kernel"], title=state["title"])
        height, width = state["output_shape"]
        self.output.update(
            state["output"],
            highlight=state["highlight"]["output"],
            title=f"mapa de características {height}×{width}",
        )


class _ConvExplorer(_Demo):
    NAME = "conv_explorer"
    LABEL = "Explorador da convolução"

    def __init__(self, seed: int):
        self._seed = seed
        controls = {
            "n": _Slider(7, min=3, max=9, description="entrada n×n"),
            "kernel": _Choice(list(KERNEL_SIZES), "bordas verticais", description="kernel"),
            "kernel_size": _Choice(KERNEL_SIZES["bordas verticais"], description="tamanho k"),
            "strides": _Slider(1, min=1, max=3, description="strides s"),
            "padding": _Choice(_PADDINGS, "valid", description="padding p"),
            "dilation_rate": _Slider(1, min=1, max=3, description="dilation_rate d"),
            "row": _Slider(0, min=0, max=4, description="linha da saída"),
            "col": _Slider(0, min=0, max=4, description="coluna da saída"),
        }
        data = {
            "grid": _example_base(seed).tolist(),
            "kernel_sizes": {name: list(sizes) for name, sizes in KERNEL_SIZES.items()},
            "kernels": {
                name: {str(size): classic_kernel(name, size).tolist() for size in sizes}
                for name, sizes in KERNEL_SIZES.items()
            },
        }
        super().__init__(controls, data)

    def _output_size(self) -> int:
        values = self._values()
        return shapes.output_size(
            values["n"], values["kernel_size"], values["strides"], values["padding"], values["dilation_rate"]
        )

    def _constrain(self) -> None:
        _set_options(self.controls["kernel_size"], KERNEL_SIZES[self.controls["kernel"].value])
        with contextlib.suppress(ValueError):  # combinação inválida: os limites ficam como estavam
            self.controls["row"].max = self.controls["col"].max = self._output_size() - 1

    def _compute(self) -> dict:
        self._output_size()  # a mensagem de erro de shapes.output_size, se a combinação for inválida
        return _conv_state(**self._values(), seed=self._seed)


def conv_explorer(*, seed: int = 0) -> anywidget.AnyWidget:
    """Explorador da convolução: entrada, kernel clássico e mapa de características, com a conta de uma saída.

    Controles (``demo.controls``): ``"n"`` (tamanho da entrada), ``"kernel"`` (família, ver
    :func:`classic_kernel`), ``"kernel_size"``, ``"strides"``, ``"padding"`` (``"valid"``, ``"same"``, 1 ou
    2), ``"dilation_rate"``, ``"row"`` e ``"col"`` (a célula da saída explicada). A janela da entrada que
    produz essa célula fica em vermelho, e o texto mostra a soma dos produtos e a fórmula do tamanho da
    saída com os números atuais.

    Parameters
    ----------
    seed : int, padrão 0
        Semente da entrada de exemplo (inteiros de 0 a 9 com uma borda vertical).

    Returns
    -------
    anywidget.AnyWidget
        Com ``controls``, ``state`` (``"input"``, ``"padded"``, ``"pad_width"``, ``"kernel"``, ``"output"``,
        ``"output_shape"``, ``"formula_text"``, ``"position"``, ``"patch_rows"``, ``"patch_cols"``,
        ``"highlight"``, ``"products_text"``; ou ``"error"``).

    Examples
    --------
    >>> demo = conv_explorer()
    >>> demo.controls["strides"].value = 2
    >>> demo.state["output_shape"], demo.state["formula_text"][-1]
    ((3, 3), '3')
    >>> with demo.hold():
    ...     demo.controls["n"].value, demo.controls["dilation_rate"].value = 3, 2
    >>> demo.state["error"][:30]
    'o kernel é maior que a entrada'
    """
    return _ConvExplorer(seed)


def static_conv_explorer(settings=None) -> Figure:
    """A cena de :func:`conv_explorer` em algumas configurações, uma por linha (figura para impressão e PDF).

    Parameters
    ----------
    settings : lista de dict, opcional
        Valores dos controles de :func:`conv_explorer` (todas as chaves); o padrão mostra o kernel de bordas
        verticais 3×3 com ``strides`` 1 e 2, ``padding="same"`` e ``dilation_rate=2``.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = static_conv_explorer()
    >>> len(fig.subfigs), fig.subfigs[1].get_suptitle()[:40]
    (4, 'strides=2, padding=valid, dilation_rate=')
    >>> plt.close(fig)
    """
    base = {"n": 7, "kernel": "bordas verticais", "kernel_size": 3, "padding": "valid", "dilation_rate": 1}
    settings = settings or [
        {**base, "strides": 1, "row": 1, "col": 1},
        {**base, "strides": 2, "row": 1, "col": 1},
        {**base, "strides": 1, "padding": "same", "row": 0, "col": 0},
        {**base, "strides": 1, "dilation_rate": 2, "row": 0, "col": 0},
    ]
    states = [_conv_state(**setting) | {"setting": setting} for setting in settings]

    def caption(state):
        setting = state["setting"]
        return (
            f"strides={setting['strides']}, padding={setting['padding']}, "
            f"dilation_rate={setting['dilation_rate']}: {state['formula_text']}"
        )

    return _static_figure(states, _ConvScene, 3, 3.0, caption)


# --- 2. passo (stride) e preenchimento (padding)


def _size_summary(height, width, kernel_size, strides, padding, dilation_rate, out_shape) -> str:
    loss = dilation_rate * (kernel_size - 1)
    out_h, out_w = out_shape
    if padding == "same":
        return (
            f"padding='same': a saída é ⌈H/s⌉×⌈W/s⌉ = ⌈{height}/{strides}⌉×⌈{width}/{strides}⌉ = "
            f"{out_h}×{out_w}"
            + (
                " (o mesmo tamanho da entrada)."
                if strides == 1
                else f" (cerca de 1/{strides} em cada dimensão)."
            )
        )
    pad = 0 if padding == "valid" else padding
    if strides == 1:
        return (
            f"strides=1: cada dimensão ganha 2p = {2 * pad} e perde d·(k−1) = {loss}: "
            f"({height} + {2 * pad} − {loss})×({width} + {2 * pad} − {loss}) = {out_h}×{out_w}."
        )
    return (
        f"strides={strides}: a janela anda {strides} casas por vez, então a saída fica com cerca de "
        f"1/{strides} das posições da entrada preenchida "
        f"({height + 2 * pad}×{width + 2 * pad} → {out_h}×{out_w})."
    )


def _stride_padding_state(*, height, width, kernel_size, strides, padding, dilation_rate) -> dict:
    out_shape = tuple(
        shapes.output_size(n, kernel_size, strides, padding, dilation_rate) for n in (height, width)
    )
    pads = shapes.padding_amounts((height, width), padding, kernel_size, strides, dilation_rate)
    padded_shape = (height + sum(pads[0]), width + sum(pads[1]))
    formulas = {
        name: output_size_formula(n, kernel_size, strides, padding, dilation_rate)
        for name, n in (("altura", height), ("largura", width))
    }
    first = _window_cells(0, 0, kernel_size, strides, dilation_rate)
    last = _window_cells(out_shape[0] - 1, out_shape[1] - 1, kernel_size, strides, dilation_rate)
    center = dilation_rate * (kernel_size - 1) / 2
    rows, cols = np.meshgrid(
        np.arange(out_shape[0]) * strides, np.arange(out_shape[1]) * strides, indexing="ij"
    )
    return {
        "input_shape": (height, width),
        "pad_width": pads,
        "padded_shape": padded_shape,
        "output_shape": out_shape,
        "formula_text": "\n".join(f"{name}: {text}" for name, text in formulas.items()),
        "summary": _size_summary(height, width, kernel_size, strides, padding, dilation_rate, out_shape),
        "highlight": {
            "first": _window_rectangles(*first, dilation_rate),
            "last": _window_rectangles(*last, dilation_rate),
        },
        "centers": np.column_stack([rows.ravel() + center, cols.ravel() + center]),
        "title": f"k={kernel_size}, s={strides}, padding={padding}, d={dilation_rate}",
    }


class _StridePaddingScene:
    def __init__(self, figure, state):
        axes = figure.subplots(1, 2)
        # células sem valores, todas da mesma cor clara (1 numa escala de 0 a 4), com a grade branca visível
        light = {"annotate": False, "vmin": 0, "vmax": 4}
        self.input = plots.MatrixPlot(axes[0], np.ones(state["padded_shape"]), cmap="Blues", **light)
        self.output = plots.MatrixPlot(axes[1], np.ones(state["output_shape"]), cmap="Greens", **light)
        (self.centers,) = axes[0].plot([], [], "o", color="#d62728", markersize=4, zorder=6)
        self.update(state)

    def update(self, state) -> None:
        (height, width), (padded_h, padded_w) = state["input_shape"], state["padded_shape"]
        self.input.update(
            np.ones(state["padded_shape"]),
            pad_width=state["pad_width"],
            highlight=state["highlight"]["first"] + state["highlight"]["last"],
            title=f"entrada {height}×{width}, preenchida {padded_h}×{padded_w}",
        )
        self.centers.set_data(state["centers"][:, 1], state["centers"][:, 0])
        out_h, out_w = state["output_shape"]
        self.output.update(np.ones(state["output_shape"]), title=f"saída {out_h}×{out_w}")


class _StridePaddingExplorer(_Demo):
    NAME = "stride_padding_explorer"
    LABEL = "Explorador do passo e do preenchimento"

    def __init__(self):
        controls = {
            "height": _Slider(7, min=3, max=16, description="altura H"),
            "width": _Slider(7, min=3, max=16, description="largura W"),
            "kernel_size": _Slider(3, min=1, max=7, description="kernel k"),
            "strides": _Slider(1, min=1, max=4, description="strides s"),
            "padding": _Choice([*_PADDINGS, ("3", 3)], "valid", description="padding p"),
            "dilation_rate": _Slider(1, min=1, max=3, description="dilation_rate d"),
        }
        super().__init__(controls, {})

    def _compute(self) -> dict:
        return _stride_padding_state(**self._values())


def stride_padding_explorer() -> anywidget.AnyWidget:
    """Como a altura e a largura da saída mudam com o kernel, o passo (stride), o preenchimento e a dilatação.

    Controles: ``"height"``, ``"width"``, ``"kernel_size"``, ``"strides"``, ``"padding"`` (``"valid"``,
    ``"same"``, 1, 2 ou 3) e ``"dilation_rate"``. A figura mostra a entrada preenchida (zeros em cinza), a
    primeira e a última janela e o centro de cada janela (uma célula da saída cada); o texto traz a fórmula
    para a altura e para a largura e responde, com os números atuais, "o que ``padding='valid'`` com kernel
    3×3 e ``strides=1`` faz com H×W?" ((H−2)×(W−2)) e "o que ``strides=2`` faz?" (cerca da metade).

    Returns
    -------
    anywidget.AnyWidget
        Com ``controls``, ``state`` (``"input_shape"``, ``"pad_width"``, ``"padded_shape"``,
        ``"output_shape"``, ``"formula_text"``, ``"summary"``, ``"highlight"``, ``"centers"``; ou
        ``"error"``).

    Examples
    --------
    >>> demo = stride_padding_explorer()
    >>> demo.controls["height"].value, demo.controls["width"].value = 16, 10
    >>> demo.state["output_shape"]           # padding="valid", kernel 3×3, strides=1: (H−2)×(W−2)
    (14, 8)
    >>> demo.controls["strides"].value = 2   # cerca da metade
    >>> demo.state["output_shape"]
    (7, 4)
    """
    return _StridePaddingExplorer()


def static_stride_padding(settings=None) -> Figure:
    """A cena de :func:`stride_padding_explorer` em algumas configurações (figura para impressão e PDF).

    Parameters
    ----------
    settings : lista de dict, opcional
        Valores dos controles de :func:`stride_padding_explorer`; o padrão é uma entrada 7×7 com kernel 3×3 e
        ``padding="valid"``/``strides=1``, ``strides=2``, ``padding="same"`` e ``padding="same"`` com
        ``strides=2``.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = static_stride_padding()
    >>> fig.subfigs[0].get_suptitle()
    'padding=valid, strides=1: saída 5×5'
    >>> plt.close(fig)
    """
    base = {"height": 7, "width": 7, "kernel_size": 3, "dilation_rate": 1}
    settings = settings or [
        {**base, "strides": 1, "padding": "valid"},
        {**base, "strides": 2, "padding": "valid"},
        {**base, "strides": 1, "padding": "same"},
        {**base, "strides": 2, "padding": "same"},
    ]
    states = [_stride_padding_state(**setting) | {"setting": setting} for setting in settings]

    def caption(state):
        setting, (out_h, out_w) = state["setting"], state["output_shape"]
        return f"padding={setting['padding']}, strides={setting['strides']}: saída {out_h}×{out_w}"

    return _static_figure(states, _StridePaddingScene, 2, 2.8, caption)


# --- 3. pooling


_POOL_INPUT = 8
_MAX_SHIFT = 2


def _pool_base(seed: int) -> np.ndarray:
    """Grade fixa 8×10 de inteiros 0..9, de onde saem os recortes 8×8."""
    return np.random.default_rng(seed).integers(0, 10, (_POOL_INPUT, _POOL_INPUT + _MAX_SHIFT))


def _pool_input(shift: int, seed: int) -> np.ndarray:
    """Recorte 8×8 da grade fixa; ``shift`` desloca o conteúdo para a direita (entra uma coluna nova)."""
    return _pool_base(seed)[:, _MAX_SHIFT - shift : _MAX_SHIFT - shift + _POOL_INPUT]


def _pooled(x, pool_size, strides) -> dict:
    return {
        "max": ops.max_pool2d(x, pool_size, strides),
        "average": ops.avg_pool2d(x, pool_size, strides),
        "global_average": float(ops.global_avg_pool2d(x)),
    }


def _argmax_cells(x, pool_size, strides) -> list[tuple[int, int]]:
    """A célula (linha, coluna) que o max pooling guarda em cada janela (a primeira, se houver empate)."""
    windows = sliding_window_view(x, (pool_size, pool_size))[::strides, ::strides]
    flat = windows.reshape(*windows.shape[:2], -1).argmax(axis=-1)
    rows, cols = np.indices(flat.shape)
    return [
        (int(i * strides + f // pool_size), int(j * strides + f % pool_size))
        for i, j, f in zip(rows.ravel(), cols.ravel(), flat.ravel(), strict=True)
    ]


def _changed_cells(now, before) -> list[tuple[int, int, int, int]]:
    return [(int(r), int(c), 1, 1) for r, c in zip(*np.nonzero(~np.isclose(now, before)), strict=True)]


def _pooling_state(*, pool_size, strides, shift, seed=0) -> dict:
    x = _pool_input(shift, seed)
    pooled, reference = _pooled(x, pool_size, strides), _pooled(_pool_input(0, seed), pool_size, strides)
    argmax = _argmax_cells(x, pool_size, strides)
    return {
        "input": x,
        "shift": shift,
        **pooled,
        "output_shape": pooled["max"].shape,
        "argmax": argmax,
        "reference": reference,
        "changed": {key: _changed_cells(pooled[key], reference[key]) for key in ("max", "average")},
        "highlight": {"input": sorted({(r, c, 1, 1) for r, c in argmax})},
        "title": f"{pool_size}×{pool_size}, strides={strides}",
    }


class _PoolingScene:
    def __init__(self, figure, state):
        axes = figure.subplots(1, 4, gridspec_kw={"width_ratios": [1.3, 1, 1, 0.45]})
        self.input = plots.MatrixPlot(axes[0], state["input"], cmap="Blues", highlight_color="#ff7f0e")
        self.max = plots.MatrixPlot(axes[1], state["max"], cmap="Oranges")
        self.average = plots.MatrixPlot(axes[2], state["average"], cmap="Greens")
        self.global_average = plots.MatrixPlot(axes[3], [[state["global_average"]]], cmap="Purples")
        self.update(state)

    def update(self, state) -> None:
        shifted = f", deslocada {state['shift']} px" if state["shift"] else ""
        self.input.update(
            state["input"], highlight=state["highlight"]["input"], title=f"entrada 8×8{shifted}"
        )
        height, width = state["output_shape"]
        for name, view in (("max", self.max), ("average", self.average)):
            view.update(
                state[name],
                highlight=state["changed"][name],
                title=f"{name} pooling {state['title']} → {height}×{width}",
            )
        self.global_average.update([[state["global_average"]]], title="global average")


class _PoolingExplorer(_Demo):
    NAME = "pooling_explorer"
    LABEL = "Explorador do pooling"

    def __init__(self, seed: int):
        self._seed = seed
        controls = {
            "pool_size": _Slider(2, min=2, max=4, description="pool_size"),
            "strides": _Slider(2, min=1, max=4, description="strides"),
            "shift": _Slider(0, min=0, max=_MAX_SHIFT, description="deslocar a entrada (pixels →)"),
        }
        data = {"grid": _pool_base(seed).tolist(), "max_shift": _MAX_SHIFT, "size": _POOL_INPUT}
        super().__init__(controls, data)

    def _compute(self) -> dict:
        return _pooling_state(**self._values(), seed=self._seed)


def pooling_explorer(*, seed: int = 0) -> anywidget.AnyWidget:
    """Max pooling, average pooling e global average pooling na mesma entrada, e o efeito de deslocá-la.

    Controles: ``"pool_size"``, ``"strides"`` e ``"shift"`` ("deslocar a entrada": 0, 1 ou 2 pixels para a
    direita). Na entrada, as células que o max pooling guarda (o máximo de cada janela) ficam destacadas; nas
    saídas, as células que mudaram em relação à entrada sem deslocamento.

    Parameters
    ----------
    seed : int, padrão 0
        Semente da entrada 8×8 (inteiros de 0 a 9).

    Returns
    -------
    anywidget.AnyWidget
        Com ``controls``, ``state`` (``"input"``, ``"max"``, ``"average"``, ``"global_average"``,
        ``"output_shape"``, ``"argmax"``, ``"reference"`` (as saídas sem deslocamento), ``"changed"``,
        ``"highlight"``).

    Examples
    --------
    >>> demo = pooling_explorer()
    >>> demo.state["output_shape"]
    (4, 4)
    >>> demo.controls["pool_size"].value, demo.controls["strides"].value = 3, 1
    >>> demo.state["output_shape"]
    (6, 6)
    """
    return _PoolingExplorer(seed)


def static_pooling(settings=None) -> Figure:
    """A cena de :func:`pooling_explorer` em algumas configurações (figura para impressão e PDF).

    Parameters
    ----------
    settings : lista de dict, opcional
        Valores dos controles de :func:`pooling_explorer`; o padrão é pooling 2×2 com ``strides=2``, sem
        deslocamento e com a entrada deslocada 1 pixel.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = static_pooling()
    >>> [sub.get_suptitle() for sub in fig.subfigs]
    ['entrada original', 'entrada deslocada 1 pixel: 8 de 16 saídas do max pooling mudaram']
    >>> plt.close(fig)
    """
    settings = settings or [
        {"pool_size": 2, "strides": 2, "shift": 0},
        {"pool_size": 2, "strides": 2, "shift": 1},
    ]
    states = [_pooling_state(**setting) for setting in settings]

    def caption(state):
        if not state["shift"]:
            return "entrada original"
        changed, total = len(state["changed"]["max"]), math.prod(state["output_shape"])
        return f"entrada deslocada {state['shift']} pixel: {changed} de {total} saídas do max pooling mudaram"

    return _static_figure(states, _PoolingScene, 4, 3.0, caption)


# --- 4. convolução, ativação e pooling numa foto

_ACTIVATIONS = {"ReLU": ops.relu, "tanh": ops.tanh, "sigmoide": ops.sigmoid}
_POOLINGS = {"máximo": ops.max_pool2d, "média": ops.avg_pool2d}
_PHOTO_SIZE = (96, 144)  # as fotos do scikit-learn são 427×640: reduzidas para redesenhar rápido


@functools.cache
def _photo(name: str) -> np.ndarray:
    from cnn_lib import data  # importa o scikit-learn só quando a demonstração é usada

    return data.sample_image(name, size=_PHOTO_SIZE)


def _activation_state(*, image, kernel, activation, pooling, pool_size) -> dict:
    photo = _photo(image)
    convolved = ops.conv2d(photo, classic_kernel(kernel, 3))
    activated = _ACTIVATIONS[activation](convolved)
    pooled = _POOLINGS[pooling](activated, pool_size)
    return {
        "image": photo,
        "convolved": convolved,
        "activated": activated,
        "pooled": pooled,
        "titles": (
            f"foto {photo.shape[0]}×{photo.shape[1]}",
            f"convolução: {kernel}",
            f"ativação: {activation}",
            f"pooling ({pooling}) {pool_size}×{pool_size} → {pooled.shape[0]}×{pooled.shape[1]}",
        ),
    }


_PIPELINE = ("image", "convolved", "activated", "pooled")


class _ActivationScene:
    def __init__(self, figure, state):
        axes = figure.subplots(1, 4)
        cmaps = ("gray", "RdBu_r", "magma", "magma")
        self.axes = [
            plots.plot_image(state[key], ax=ax, cmap=cmap)
            for key, ax, cmap in zip(_PIPELINE, axes, cmaps, strict=True)
        ]
        self.update(state)

    def update(self, state) -> None:
        limit = float(np.abs(state["convolved"]).max()) or 1.0
        for ax, key, title in zip(self.axes, _PIPELINE, state["titles"], strict=True):
            signed = {"vmin": -limit, "vmax": limit} if key == "convolved" else {}
            plots.update_image(ax, state[key], title=title, **signed)


class _ActivationPipeline(_Demo):
    NAME = "activation_pipeline"
    LABEL = "Convolução, ativação e pooling numa foto"

    def __init__(self):
        kernels = [name for name, sizes in KERNEL_SIZES.items() if 3 in sizes]
        controls = {
            "image": _Choice([("templo", "china"), ("flor", "flower")], description="foto"),
            "kernel": _Choice(kernels, "Sobel x", description="kernel 3×3"),
            "activation": _Choice(list(_ACTIVATIONS), description="ativação"),
            "pooling": _Choice(list(_POOLINGS), description="pooling"),
            "pool_size": _Slider(2, min=2, max=4, description="pool_size"),
        }
        data = {
            "photos": {name: _float32_payload(_photo(name)) for name in ("china", "flower")},
            "kernels": {name: classic_kernel(name, 3).tolist() for name in kernels},
        }
        super().__init__(controls, data)

    def _compute(self) -> dict:
        return _activation_state(**self._values())


def activation_pipeline() -> anywidget.AnyWidget:
    """Convolução → ativação → pooling numa foto real, com os mapas intermediários.

    Usa as fotos de exemplo do scikit-learn (:func:`cnn_lib.data.sample_image`), reduzidas para 96×144.
    Controles: ``"image"`` (``"china"`` ou ``"flower"``), ``"kernel"`` (kernels clássicos 3×3),
    ``"activation"`` (``"ReLU"``, ``"tanh"``, ``"sigmoide"``), ``"pooling"`` (``"máximo"`` ou ``"média"``) e
    ``"pool_size"``.

    Returns
    -------
    anywidget.AnyWidget
        Com ``controls``, ``state`` (``"image"``, ``"convolved"``, ``"activated"``, ``"pooled"``,
        ``"titles"``).

    Examples
    --------
    >>> demo = activation_pipeline()
    >>> demo.controls["pool_size"].value = 4
    >>> demo.state["convolved"].shape, demo.state["pooled"].shape   # 96×144 → conv 3×3 'valid' → pooling 4×4
    ((94, 142), (23, 35))
    >>> demo.controls["activation"].value = "ReLU"
    >>> float(demo.state["activated"].min())
    0.0
    """
    return _ActivationPipeline()


def static_activation_pipeline(settings=None) -> Figure:
    """A cena de :func:`activation_pipeline` em algumas configurações (figura para impressão e PDF).

    Parameters
    ----------
    settings : lista de dict, opcional
        Valores dos controles de :func:`activation_pipeline`; o padrão é a foto do templo com Sobel x, pooling
        máximo 2×2 e as três ativações.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = static_activation_pipeline()
    >>> [sub.get_suptitle() for sub in fig.subfigs]
    ['ativação ReLU', 'ativação tanh', 'ativação sigmoide']
    >>> plt.close(fig)
    """
    base = {"image": "china", "kernel": "Sobel x", "pooling": "máximo", "pool_size": 2}
    settings = settings or [{**base, "activation": name} for name in _ACTIVATIONS]
    states = [_activation_state(**setting) | {"setting": setting} for setting in settings]
    return _static_figure(
        states, _ActivationScene, 4, 2.4, lambda state: f"ativação {state['setting']['activation']}"
    )


# --- 5. mapas de características de um modelo Keras


def _conv_layer_names(model) -> list[str]:
    """Nomes das camadas com kernel 4-D (Conv2D e afins), na ordem do modelo."""
    return [
        layer.name for layer in model.layers if len(getattr(getattr(layer, "kernel", None), "shape", ())) == 4
    ]


def _display_image(image: np.ndarray) -> np.ndarray:
    """Uma imagem (H, W, C) do lote pronta para ``imshow``: cinza se C = 1, cores em [0, 1] se C = 3."""
    image = image[..., 0] if image.shape[-1] == 1 else image[..., :3]
    low, high = image.min(), image.max()
    return (image - low) / (high - low) if high > low else np.zeros_like(image)


class _FeatureMapExplorer(_Demo):
    NAME = "feature_map_explorer"
    LABEL = "Mapas de características de uma camada"

    def __init__(self, model, images, max_maps: int):
        from cnn_lib import train  # importa o TensorFlow só aqui

        names = _conv_layer_names(model)
        if not names:
            raise ValueError(
                f"model deve ter ao menos uma camada convolucional; camadas: {received(model.layers)}"
            )
        # todos os estados calculados aqui (no livro, na construção): a página só troca entre eles
        self._images = np.asarray(images)
        self._maps = {layer: train.feature_maps(model, self._images, layer) for layer in names}
        self._shown = {layer: min(maps.shape[-1], max_maps) for layer, maps in self._maps.items()}
        controls = {
            "layer": _Choice(names, description="camada"),
            "index": _Slider(0, min=0, max=len(self._images) - 1, description="imagem"),
        }
        self.filters_png = self._filters_png(train.first_layer_filters(model))
        source = base64.b64encode(self.filters_png).decode("ascii")
        data = {
            "maps": {
                layer: {"channels": int(maps.shape[-1]), **_float32_payload(maps[..., : self._shown[layer]])}
                for layer, maps in self._maps.items()
            },
            "images": _float32_payload(np.stack([_display_image(image) for image in self._images])),
            "extra_html": (
                f'<img src="data:image/png;base64,{source}" alt="Filtros da primeira camada convolucional.">'
            ),
        }
        super().__init__(controls, data)

    @staticmethod
    def _filters_png(kernel) -> bytes:
        count, shown = kernel.shape[-1], min(kernel.shape[-1], 32)
        figure = Figure(figsize=(9, 0.7 + 1.2 * math.ceil(shown / 8)), dpi=_DPI)
        filters = plots.plot_filters(kernel[..., :shown], fig=figure)
        more = f", mostrando {shown}" if shown < count else ""
        filters.suptitle(
            f"filtros da primeira camada convolucional ({count} de {kernel.shape[0]}×{kernel.shape[1]}{more})"
        )
        return plots.to_png(filters)

    def _compute(self) -> dict:
        layer, index = self.controls["layer"].value, self.controls["index"].value
        all_maps, shown = self._maps[layer], self._shown[layer]
        height, width, channels = all_maps.shape[1:]
        return {
            "layer": layer,
            "index": index,
            "image": _display_image(self._images[index]),
            "maps": all_maps[index, ..., :shown],
            "title": f"camada {layer}: {channels} mapas {height}×{width} (mostrando {shown}, em linhas de 8)",
        }


def feature_map_explorer(model, images, *, max_maps: int = 16) -> anywidget.AnyWidget:
    """Os mapas de características de uma camada convolucional de um modelo Keras, imagem por imagem.

    Importa o TensorFlow só ao ser chamada (por :mod:`cnn_lib.train`). Os mapas de todas as camadas
    convolucionais são calculados na construção, para todas as imagens: a página (inclusive o livro em HTML,
    sem kernel) só troca entre esses estados. Use poucas imagens pequenas.

    Parameters
    ----------
    model : keras.Model
        Modelo construído, com ao menos uma camada convolucional.
    images : array (N, H, W, C)
        Imagens no formato da entrada do modelo.
    max_maps : int, padrão 16
        Quantos mapas mostrar, no máximo (os primeiros canais).

    Returns
    -------
    anywidget.AnyWidget
        Controles ``"layer"`` (lista das camadas convolucionais) e ``"index"`` (a imagem); ``state`` com
        ``"layer"``, ``"index"``, ``"image"``, ``"maps"`` (H', W', canais mostrados) e ``"title"``; a figura
        dos filtros da primeira camada em ``filters_png`` (PNG).

    Examples
    --------
    >>> import keras, numpy as np
    >>> model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3, name="c1"),
    ...                           keras.layers.Conv2D(2, 3, name="c2")])
    >>> demo = feature_map_explorer(model, np.random.default_rng(0).random((3, 8, 8, 1)))
    >>> demo.controls["layer"].options
    ('c1', 'c2')
    >>> demo.controls["layer"].value = "c2"
    >>> demo.state["maps"].shape
    (4, 4, 2)
    """
    return _FeatureMapExplorer(model, images, max_maps)
