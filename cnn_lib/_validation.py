"""Validação das entradas públicas de :mod:`cnn_lib.shapes` e :mod:`cnn_lib.ops` (módulo privado).

Cada função confere um argumento e devolve o valor normalizado; se o argumento for inválido, levanta
``TypeError`` (tipo errado) ou ``ValueError`` (valor fora do aceito) com uma mensagem em português que
nomeia o parâmetro, mostra o valor recebido e diz o que é aceito.
"""

import numbers

import numpy as np

PADDING_2D = (
    '"valid", "same", um inteiro >= 0, um par (altura, largura) ou pares ((cima, baixo), (esquerda, direita))'
)
PADDING_1D = '"valid", "same", "causal", um inteiro >= 0 ou um par (antes, depois)'


def received(value) -> str:
    """Representação curta de ``value`` para as mensagens de erro."""
    if isinstance(value, np.ndarray):
        return f"array com shape {value.shape}"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def is_int(value) -> bool:
    """Verdadeiro para ``int`` e inteiros NumPy; falso para ``bool``."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_)


_INT_WORDS = {
    0: ("um inteiro não negativo", "inteiros não negativos"),
    1: ("um inteiro positivo", "inteiros positivos"),
}


def _int_words(minimum: int) -> tuple[str, str]:
    """Singular e plural de "inteiro >= minimum" para as mensagens."""
    return _INT_WORDS.get(minimum, (f"um inteiro >= {minimum}", f"inteiros >= {minimum}"))


def check_int(value, name: str, minimum: int = 1) -> int:
    """Confere que ``value`` é um inteiro (não ``bool``) >= ``minimum`` e o devolve como ``int``."""
    words = _int_words(minimum)[0]
    if not is_int(value):
        raise TypeError(f"{name} deve ser {words}; recebido: {received(value)} (tipo {type(value).__name__})")
    if value < minimum:
        raise ValueError(f"{name} deve ser {words}; recebido: {value}")
    return int(value)


def check_bool(value, name: str) -> bool:
    """Confere que ``value`` é ``True`` ou ``False``."""
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} deve ser True ou False; recebido: {received(value)}")
    return bool(value)


def check_number(value, name: str, low: float, high: float, *, include_high: bool = True) -> float:
    """Confere que ``value`` é um número real em ``[low, high]`` (ou ``[low, high)``)."""
    interval = f"[{low}, {high}]" if include_high else f"[{low}, {high})"
    if not isinstance(value, numbers.Real) or isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} deve ser um número real em {interval}; recebido: {received(value)}")
    inside = low <= value <= high if include_high else low <= value < high
    if not inside:
        raise ValueError(f"{name} deve ser um número real em {interval}; recebido: {value}")
    return float(value)


def _is_pair(value) -> bool:
    return isinstance(value, tuple | list | np.ndarray) and len(value) == 2


def as_pair(value, name: str, minimum: int = 1) -> tuple[int, int]:
    """Normaliza um inteiro ou um par de inteiros para ``(altura, largura)``.

    ``as_pair(3, "kernel_size")`` devolve ``(3, 3)``; ``as_pair((3, 5), "kernel_size")`` devolve ``(3, 5)``.
    """
    singular, plural = _int_words(minimum)
    message = f"{name} deve ser {singular} ou um par de {plural}"
    if is_int(value):
        pair = (value, value)
    elif _is_pair(value) and all(is_int(v) for v in value):
        pair = tuple(value)
    else:
        raise TypeError(f"{message}; recebido: {received(value)}")
    if min(pair) < minimum:
        raise ValueError(f"{message}; recebido: {received(value)}")
    return int(pair[0]), int(pair[1])


def _padding_word(padding, name: str, allow_causal: bool, accepted: str):
    word = padding.lower()
    words = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    if word not in words:
        hint = ' ("causal" só existe em 1-D: use conv1d)' if word == "causal" else ""
        raise ValueError(f"{name} deve ser {accepted}; recebido: {padding!r}{hint}")
    return word


def _padding_amount(value, name: str, accepted: str, original) -> int:
    if not is_int(value):
        raise TypeError(f"{name} deve ser {accepted}; recebido: {received(original)}")
    if value < 0:
        raise ValueError(f"{name} não pode ser negativo; deve ser {accepted}; recebido: {received(original)}")
    return int(value)


def check_padding(padding, name: str = "padding", *, ndim: int = 2, allow_causal: bool = False):
    """Normaliza ``padding`` para uma palavra ou para ``ndim`` pares ``(antes, depois)``.

    Devolve ``"valid"``, ``"same"`` ou ``"causal"`` (minúsculas; ``"causal"`` só se ``allow_causal``) ou uma
    tupla com ``ndim`` pares de inteiros não negativos. Em 2-D: ``1`` vira ``((1, 1), (1, 1))``, ``(1, 2)``
    vira ``((1, 1), (2, 2))`` (altura, largura, como ``ZeroPadding2D``) e ``((0, 1), (2, 3))`` fica como está.
    Em 1-D: ``1`` vira ``((1, 1),)`` e ``(0, 2)`` vira ``((0, 2),)`` (antes, depois).
    """
    accepted = PADDING_1D if ndim == 1 else PADDING_2D
    if not allow_causal:
        accepted = accepted.replace(' "causal",', "")
    if isinstance(padding, str):
        return _padding_word(padding, name, allow_causal, accepted)
    if is_int(padding):
        amount = _padding_amount(padding, name, accepted, padding)
        return ((amount, amount),) * ndim
    if ndim == 1 and _is_pair(padding):
        return (tuple(_padding_amount(v, name, accepted, padding) for v in padding),)
    if ndim == 2 and _is_pair(padding):
        if all(is_int(v) for v in padding):
            return tuple((p, p) for p in (_padding_amount(v, name, accepted, padding) for v in padding))
        if all(_is_pair(v) for v in padding):
            return tuple(tuple(_padding_amount(v, name, accepted, padding) for v in pair) for pair in padding)
    raise TypeError(f"{name} deve ser {accepted}; recebido: {received(padding)}")


def as_array(x, name: str, ndims: tuple[int, ...] | None = None) -> np.ndarray:
    """Converte ``x`` num array numérico de valores finitos com número de dimensões em ``ndims``.

    ``ndims=None`` aceita qualquer número de dimensões.
    """
    try:
        array = np.asarray(x)
    except ValueError as error:  # listas irregulares, por exemplo [[1, 2], [3]]
        raise ValueError(
            f"{name} deve ser um array retangular de números; recebido: {received(x)}"
        ) from error
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} deve conter números (int ou float); recebido: dtype {array.dtype}")
    if ndims is not None and array.ndim not in ndims:
        options = " ou ".join(", ".join(str(n) for n in ndims).rsplit(", ", 1))
        raise ValueError(
            f"{name} deve ter {options} dimensões; recebido: array com {array.ndim} "
            f"{'dimensão' if array.ndim == 1 else 'dimensões'}, shape {array.shape}"
        )
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
        raise ValueError(f"{name} deve conter só valores finitos; recebido: {bad} valor(es) NaN ou infinito")
    return array


def float_dtype(*arrays: np.ndarray) -> type:
    """``np.float64`` se alguma entrada for float64; senão ``np.float32`` (como o TensorFlow)."""
    return np.float64 if any(a.dtype == np.float64 for a in arrays) else np.float32


def check_length(array: np.ndarray, name: str, length: int, meaning: str) -> np.ndarray:
    """Confere que ``array`` é um vetor (ou escalar, se ``length == 1``) com ``length`` elementos."""
    if array.ndim > 1 or array.size != length:
        raise ValueError(
            f"{name} deve ter {length} elemento(s), um por {meaning}; recebido: shape {array.shape}"
        )
    return array.reshape(length)
