"""Correção automática dos exercícios (nbgrader), lado do aluno: produzir dados, nunca julgar.

Este módulo roda no kernel do aluno. Ele não decide nota nenhuma: as células de teste ocultas só chamam
:func:`collect`, que avalia a resposta do aluno nos casos públicos de :func:`cases` e registra os resultados
como uma saída JSON do tipo ``application/vnd.cnn-curso.resposta+json``. Na correção, o pacote do professor
(``cnn_grader``, que nunca roda no kernel do aluno) lê esses dados, recalcula as referências com o ``cnn_lib``
confiável, compara e escreve o veredito. Nada do que o kernel imprime ou responde vira acerto sozinho.

Na correção, números reais conferem quando ``|aluno − certo| <= 1e-5·escala + 1e-4·|certo|`` (``escala`` = o
maior valor absoluto da resposta certa, no mínimo 1): ``float32``, ``float64`` e inteiros servem igualmente;
tamanhos e contagens têm de ser inteiros exatos (a regra completa está em ``cnn_grader.checks``).

As funções ``check_*`` servem aos testes **visíveis**: conferem o formato da resposta (tipo, shape, número de
elementos), levantam ``AssertionError`` com uma mensagem em português quando algo não confere e, quando tudo
confere, imprimem uma confirmação curta.

Examples
--------
>>> import numpy as np
>>> check_array(np.eye(3), name="mapa", shape=(3, 3))
✔ mapa: formato conferido (numpy.ndarray 3 × 3); os testes ocultos conferem os valores na correção.
>>> len(cases("ex02_dimensoes/padding_para_manter"))
11
"""

import base64
import json
import math
import sys
from pathlib import Path

import numpy as np

from cnn_lib.formatting import format_decimal, format_number
from cnn_lib.grading_cases import CASES as _MORE_CASES
from cnn_lib.grading_cases import FORBIDDEN_MODULES as _MORE_FORBIDDEN

__all__ = [
    "MIME",
    "answer_payload",
    "cases",
    "check_array",
    "check_choice",
    "check_class",
    "check_float",
    "check_int",
    "check_tuple",
    "collect",
    "decode",
    "encode",
    "require",
]

MIME = "application/vnd.cnn-curso.resposta+json"
MAX_BYTES = 4 * 2**20  # uma resposta registrada maior que isto é recusada pelo coletor e pela correção
ANSWERS_DIR = "respostas"  # onde os modelos Keras são salvos, relativo à pasta do notebook

# Módulos que fazem o que a tarefa pede para implementar: chamá-los na resposta tira os pontos do item.
# A correção também os esconde do kernel (ver cnn_grader.items.BLOCKED); NumPy continua permitido.
FORBIDDEN_MODULES = {
    "ex01_convolucao": ("cnn_lib", "tensorflow", "keras", "scipy", "torch"),
    "ex02_dimensoes": ("cnn_lib", "tensorflow", "keras", "torch"),
    "ex03_pooling_regularizacao": ("cnn_lib", "tensorflow", "keras", "scipy", "torch"),
}
_ALLOWED_INSIDE = ("cnn_lib.grading", "cnn_lib.grading_cases", "cnn_lib.formatting", "cnn_lib._validation")

_CONFIRMATION = "os testes ocultos conferem os valores na correção."


# --- os casos públicos: as entradas em que a correção avalia cada função


def _conv_cases(seed: int, count: int, sizes, square: bool) -> list:
    rng = np.random.default_rng(seed)
    result = []
    for _ in range(count):
        kh, kw = (int(v) for v in rng.choice(sizes, size=2))
        h, w = int(rng.integers(kh + 1, 10)), int(rng.integers(kw + 1, 10))
        if square:
            kw, w = kh, max(h, kh)
            h = w
        result.append((rng.normal(size=(h, w)), rng.normal(size=(kh, kw))))
    return result


def _conv_special() -> list:
    rng = np.random.default_rng(7)
    return [
        (rng.normal(size=(6, 9)), rng.normal(size=(2, 4))),
        (rng.normal(size=(7, 3)), rng.normal(size=(3, 1))),
        (rng.normal(size=(5, 5)), rng.normal(size=(1, 1))),
        (rng.normal(size=(4, 7)), rng.normal(size=(4, 7))),
        (rng.integers(-5, 6, size=(6, 5)), rng.integers(-2, 3, size=(3, 2))),
        (rng.integers(0, 10, size=(5, 6)), rng.normal(size=(2, 3))),
    ]


def _conv_vectorized() -> list:
    rng = np.random.default_rng(5)
    result = _conv_cases(99, 6, [1, 2, 3, 4, 5], square=False)
    result.append((rng.normal(size=(64, 48)), rng.normal(size=(7, 5))))
    result.append((rng.integers(0, 256, size=(9, 9)), rng.integers(-1, 2, size=(3, 3))))
    return result


def _sizes_valid() -> list:
    rng = np.random.default_rng(31)
    result = []
    for _ in range(40):
        k, s, d = int(rng.choice([1, 2, 3, 5, 7])), int(rng.integers(1, 5)), int(rng.choice([1, 1, 2, 3]))
        p = "valid" if rng.random() < 0.4 else int(rng.integers(0, 4))
        smallest = d * (k - 1) + 1 - 2 * (0 if p == "valid" else p)
        result.append((int(rng.integers(max(smallest, 1), 65)), k, s, p, d))
    return result


def _sizes_same() -> list:
    rng = np.random.default_rng(32)
    return [
        (int(rng.integers(1, 101)), int(rng.choice([1, 3, 5])), int(rng.integers(1, 5)), "same", int(d))
        for d in rng.choice([1, 2], size=30)
    ]


def _pairs(seed: int, low: int, high: int) -> list:
    rng = np.random.default_rng(seed)
    return [(int(h), int(w)) for h, w in rng.integers(low, high, size=(30, 2))]


def _pool_cases() -> list:
    rng = np.random.default_rng(42)
    sizes = [1, 2, 3, (2, 3), (3, 1)]
    steps = [None, 1, 2, 3, (1, 2), (2, 1)]
    result = []
    for index in range(16):
        p, s = sizes[index % 5], steps[index % 6]
        ph, pw = (p, p) if isinstance(p, int) else p
        shape = (int(rng.integers(ph + 1, 11)), int(rng.integers(pw + 1, 11)))
        result.append((rng.normal(size=shape), p, s, "max" if index % 2 else "avg"))
    result.append((-np.abs(rng.normal(size=(5, 6))) - 0.5, (2, 2), (1, 2), "max"))
    return result


def _max_pool_cases() -> list:
    rng = np.random.default_rng(41)
    result = [(rng.normal(size=(int(h), int(w))),) for h, w in rng.integers(2, 12, size=(8, 2))]
    result.append((-np.abs(rng.normal(size=(4, 4))) - 0.5,))
    result.append((rng.normal(size=(5, 7)),))
    return result


def _dropout_cases() -> list:
    x = np.random.default_rng(44).uniform(0.5, 2.0, size=(60, 60))
    return [(x, 0.2, 3), (x, 0.5, 3), (x, 0.8, 3), (x, 0.5, 7), (x, 0.5, 7), (x, 0.5, 8), (x, 0.0, 1)]


def _batch_norm_cases() -> list:
    rng = np.random.default_rng(45)
    result = []
    for shape, eps in [((8, 3), 1e-3), ((4, 5, 5, 2), 1e-3), ((2, 3, 4, 6), 1e-5), ((16, 1), 0.1)]:
        channels = shape[-1]
        x = rng.normal(2.0, 3.0, size=shape)
        result.append((x, rng.uniform(0.5, 2.0, size=channels), rng.normal(size=channels), eps))
    return result


_CASES = {
    "ex01_convolucao/correlacao2d_loops": lambda: _conv_cases(2024, 6, [2, 3, 5], square=True),
    "ex01_convolucao/correlacao2d_loops_especiais": _conv_special,
    "ex01_convolucao/correlacao2d_loops_invalidos": lambda: [
        (np.ones((3, 5)), np.ones((4, 2))),
        (np.ones((5, 3)), np.ones((2, 4))),
    ],
    "ex01_convolucao/correlacao2d_vetorizada": _conv_vectorized,
    "ex01_convolucao/correlacao2d_vetorizada_invalidos": lambda: [
        (np.ones((3, 3)), np.ones((2, 4))),
        (np.ones((2, 6)), np.ones((3, 1))),
    ],
    "ex02_dimensoes/tamanho_saida": _sizes_valid,
    "ex02_dimensoes/tamanho_saida_same": _sizes_same,
    "ex02_dimensoes/tamanho_saida_invalidos": lambda: [
        (3, 5),
        (4, 3, 1, "valid", 2),
        (10, 3, 1, "full"),
        (2, 7, 1, 2),
    ],
    "ex02_dimensoes/saida_valid_3x3": lambda: _pairs(33, 3, 301),
    "ex02_dimensoes/saida_same_stride2": lambda: _pairs(34, 1, 302),
    "ex02_dimensoes/padding_para_manter": lambda: [(k,) for k in range(1, 22, 2)],
    "ex03_pooling_regularizacao/max_pool_2x2": _max_pool_cases,
    "ex03_pooling_regularizacao/pool2d": _pool_cases,
    "ex03_pooling_regularizacao/pool2d_invalidos": lambda: [(np.ones((4, 4)), 2, None, "soma")],
    "ex03_pooling_regularizacao/global_avg_pool": lambda: [
        (np.random.default_rng(43 + i).normal(size=shape),)
        for i, shape in enumerate([(1, 4, 4, 1), (3, 5, 7, 2), (2, 1, 6, 4), (4, 3, 3, 8)])
    ],
    "ex03_pooling_regularizacao/dropout_invertido": _dropout_cases,
    "ex03_pooling_regularizacao/dropout_invertido_invalidos": lambda: [
        (np.ones((3, 3)), rate, 0) for rate in (1.0, -0.1, 1.5)
    ],
    "ex03_pooling_regularizacao/batch_norm_treino": _batch_norm_cases,
}
_CASES.update(_MORE_CASES)  # ex06 e ex07: cnn_lib/grading_cases.py
FORBIDDEN_MODULES.update(_MORE_FORBIDDEN)


def cases(item: str) -> list:
    """Os casos públicos (tuplas de argumentos posicionais) em que a correção avalia a função do item.

    São sempre os mesmos (sementes fixas) e não são segredo: a correção os gera de novo do seu lado para
    calcular as respostas certas.

    Parameters
    ----------
    item : str
        ``"<tarefa>/<nome>"``, por exemplo ``"ex02_dimensoes/tamanho_saida"``.

    Returns
    -------
    list de tuple

    Raises
    ------
    KeyError
        Se o item não avalia uma função.

    Examples
    --------
    >>> cases("ex02_dimensoes/tamanho_saida_invalidos")[0]
    (3, 5)
    >>> cases("ex02_dimensoes/tamanho_saida") == cases("ex02_dimensoes/tamanho_saida")
    True
    """
    if item not in _CASES:
        raise KeyError(f"item sem casos de função: {item!r}")
    return _CASES[item]()


def function_items() -> tuple:
    """Os itens avaliados como funções (os que têm casos).

    Examples
    --------
    >>> "ex01_convolucao/correlacao2d_loops" in function_items()
    True
    """
    return tuple(_CASES)


# --- serialização: o que sai do kernel é só dado


def _float_value(value: float):
    return value if math.isfinite(value) else repr(value)


def encode(value, depth: int = 0) -> dict:
    """Descreve ``value`` em JSON: tipo, e os valores (arrays NumPy em base64, com dtype e shape).

    Parameters
    ----------
    value : object
        Um número, texto, ``None``, tupla, lista, dicionário ou ``numpy.ndarray`` de números; outros objetos
        viram só o nome do tipo.
    depth : int, padrão 0
        Profundidade atual (listas aninhadas demais viram ``"outro"``).

    Returns
    -------
    dict

    Examples
    --------
    >>> encode((3, np.int64(4)))
    {'t': 'tuple', 'v': [{'t': 'int', 'v': 3}, {'t': 'int', 'v': 4}]}
    >>> decode(encode(np.arange(4.0).reshape(2, 2))).tolist()
    [[0.0, 1.0], [2.0, 3.0]]
    """
    if value is None:
        return {"t": "none"}
    if isinstance(value, bool | np.bool_):
        return {"t": "bool", "v": bool(value)}
    if isinstance(value, int | np.integer):
        return {"t": "int", "v": int(value)}
    if isinstance(value, float | np.floating):
        return {"t": "float", "v": _float_value(float(value)), "dtype": np.asarray(value).dtype.str}
    if isinstance(value, str):
        return {"t": "str", "v": value[:1000]}
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        data = np.ascontiguousarray(value, dtype=value.dtype.newbyteorder("<"))
        return {
            "t": "ndarray",
            "dtype": data.dtype.str,
            "shape": list(data.shape),
            "b64": base64.b64encode(data.tobytes()).decode("ascii"),
        }
    if isinstance(value, tuple | list) and depth < 4 and len(value) <= 1000:
        return {
            "t": type(value).__name__ if type(value) in (tuple, list) else "tuple",
            "v": [encode(item, depth + 1) for item in value],
        }
    if isinstance(value, dict) and depth < 4 and len(value) <= 1000:
        return {"t": "dict", "v": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]}
    return {"t": "outro", "tipo": type(value).__name__[:100]}


_DTYPES = {f"{order}{kind}{size}" for order in "<|" for kind in "iuf" for size in (1, 2, 4, 8)}
_DTYPES |= {"|b1", "<f2"}


def decode(data, depth: int = 0):
    """O valor descrito por :func:`encode`; arrays recusam dtypes estranhos e tamanhos que não fecham.

    Usada pela correção (lado do professor) sobre dados que vieram do kernel do aluno: só constrói números,
    textos, tuplas, listas, dicionários e arrays NumPy de números.

    Parameters
    ----------
    data : dict
        A descrição JSON.
    depth : int, padrão 0
        Profundidade atual (descrições aninhadas demais são recusadas).

    Returns
    -------
    object
        O valor; ``Foreign(tipo)`` para objetos sem descrição e ``Raised`` para exceções.

    Raises
    ------
    ValueError
        Se a descrição está malformada.

    Examples
    --------
    >>> decode({"t": "float", "v": "nan"})
    nan
    >>> decode({"t": "ndarray", "dtype": "|O", "shape": [1], "b64": ""})
    Traceback (most recent call last):
    ...
    ValueError: descrição de array inválida
    """
    if not isinstance(data, dict) or depth > 8:
        raise ValueError("descrição inválida")
    kind = data.get("t")
    if kind == "none":
        return None
    if kind in ("bool", "int", "str") and type(data.get("v")) is {"bool": bool, "int": int, "str": str}[kind]:
        return data["v"]
    if kind == "float" and type(data.get("v")) in (float, int, str):
        return float(data["v"])
    if kind == "ndarray":
        return _decode_array(data)
    if kind in ("tuple", "list") and isinstance(data.get("v"), list):
        items = [decode(item, depth + 1) for item in data["v"]]
        return tuple(items) if kind == "tuple" else items
    if kind == "dict" and isinstance(data.get("v"), list):
        pairs = [pair for pair in data["v"] if _is_pair(pair)]
        return {_hashable(decode(key, depth + 1)): decode(value, depth + 1) for key, value in pairs}
    if kind == "outro":
        return Foreign(str(data.get("tipo", "?"))[:100])
    if kind == "erro":
        return Raised(
            str(data.get("erro", "?"))[:100],
            tuple(map(str, data.get("classes", ())))[:20],
            str(data.get("mensagem", ""))[:300],
        )
    raise ValueError("descrição inválida")


def _is_pair(pair) -> bool:
    if not (isinstance(pair, list) and len(pair) == 2):
        raise ValueError("descrição de dicionário inválida")
    return True


def _hashable(key):
    try:
        hash(key)
    except TypeError as error:
        raise ValueError("chave de dicionário inválida") from error
    return key


def _decode_array(data: dict) -> np.ndarray:
    dtype, shape, text = data.get("dtype"), data.get("shape"), data.get("b64")
    valid = dtype in _DTYPES and isinstance(shape, list) and isinstance(text, str) and len(shape) <= 8
    valid = valid and all(type(size) is int and 0 <= size <= 10**8 for size in shape)
    if not valid:
        raise ValueError("descrição de array inválida")
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError as error:
        raise ValueError("descrição de array inválida") from error
    count = math.prod(shape)
    if len(raw) != count * np.dtype(dtype).itemsize:
        raise ValueError("descrição de array inválida")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


class Foreign:
    """Um objeto do aluno que não é número, texto, coleção nem array: só o nome do tipo chega à correção."""

    def __init__(self, type_name: str):
        self.type_name = type_name

    def __repr__(self):
        return f"<objeto do tipo {self.type_name}>"


class Raised:
    """Uma exceção levantada pela função do aluno: o nome da classe, as classes-base e a mensagem."""

    def __init__(self, name: str, classes: tuple, message: str):
        self.name, self.classes, self.message = name, classes, message

    def __repr__(self):
        return f"{self.name}: {self.message}"

    def is_a(self, name: str) -> bool:
        """Verdadeiro se a exceção é da classe ``name`` ou de uma subclasse dela."""
        return name == self.name or name in self.classes


def _encode_error(error: BaseException) -> dict:
    try:
        message = str(error)
    except Exception:  # um __str__ quebrado não derruba a coleta
        message = ""
    names = [cls.__name__ for cls in type(error).__mro__[1:] if cls is not object]
    return {"t": "erro", "erro": type(error).__name__, "classes": names, "mensagem": message[:300]}


# --- a coleta


def _copies(args: tuple) -> list:
    return [arg.copy() if isinstance(arg, np.ndarray) else arg for arg in args]


def _same(before, after) -> bool:
    if isinstance(before, np.ndarray):
        return isinstance(after, np.ndarray) and before.shape == after.shape and np.array_equal(before, after)
    return True


class _BorrowWatch:
    """Anota, durante a chamada da função do aluno, as funções de módulos proibidos que foram chamadas.

    É só um aviso honesto para quem usou a biblioteca sem perceber: a correção também esconde esses módulos do
    kernel do aluno.
    """

    def __init__(self, prefixes: tuple):
        self.prefixes, self.names, self.previous = prefixes, [], None

    def _module_of(self, frame) -> str:
        return str(frame.f_globals.get("__name__", ""))

    def _forbidden(self, module: str) -> bool:
        if module.startswith(_ALLOWED_INSIDE):
            return False
        return any(module == prefix or module.startswith(prefix + ".") for prefix in self.prefixes)

    def __call__(self, frame, event, arg):
        if event == "call" and len(self.names) < 5:
            module = self._module_of(frame)
            if self._forbidden(module) and not self._forbidden(self._module_of(frame.f_back or frame)):
                name = f"{module}.{frame.f_code.co_name}"
                if name not in self.names:
                    self.names.append(name)

    def __enter__(self):
        self.previous = sys.getprofile()
        if self.prefixes:
            sys.setprofile(self)
        return self

    def __exit__(self, *exc):
        sys.setprofile(self.previous)


def _call_all(item: str, function) -> dict:
    assignment = item.split("/", 1)[0]
    results, changed = [], []
    with _BorrowWatch(FORBIDDEN_MODULES.get(assignment, ())) as watch:
        for args in cases(item):
            copies = _copies(args)
            try:
                results.append(encode(function(*copies)))
            except Exception as error:  # o erro do aluno é um resultado como outro qualquer
                results.append(_encode_error(error))
            changed.append(not all(_same(a, b) for a, b in zip(args, copies, strict=True)))
    return {"valor": results, "alterou_entrada": changed, "emprestadas": watch.names}


def _save_model(name: str, model) -> str:
    folder = Path(ANSWERS_DIR)
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.keras"
    model.save(path)
    return path.as_posix()


def answer_payload(item: str, answer) -> tuple[dict, str]:
    """O dado que :func:`collect` registra para ``answer`` e o rótulo curto da confirmação."""
    name = item.split("/", 1)[-1]
    if item in _CASES:
        if not callable(answer):
            return {"item": item, "tipo": "funcao", "valor": None, "recebido": encode(answer)}, name
        return {
            "item": item,
            "tipo": "funcao",
            **_call_all(item, answer),
        }, f"{name} ({len(cases(item))} casos)"
    if callable(getattr(answer, "save", None)) and hasattr(answer, "layers"):
        return {"item": item, "tipo": "modelo", "valor": _save_model(name, answer)}, f"{name} (modelo salvo)"
    return {"item": item, "tipo": "valor", "valor": encode(answer)}, name


def collect(item: str, answer) -> None:
    """Registra a resposta do aluno para a correção, como uma saída JSON do notebook.

    - uma função (itens com :func:`cases`) é chamada em cada caso público, com cópias das entradas; cada
      resultado, ou a exceção que ela levantou, é registrado;
    - um modelo Keras é salvo em ``respostas/<nome>.keras`` e o caminho é registrado;
    - qualquer outro valor é registrado como está (veja :func:`encode`).

    Nada é julgado aqui: a correção compara os dados com as respostas certas fora deste kernel.

    Parameters
    ----------
    item : str
        ``"<tarefa>/<nome>"``.
    answer : object
        A resposta (função, valor ou modelo).

    Raises
    ------
    ValueError
        Se o item está malformado ou a resposta registrada seria grande demais.

    Examples
    --------
    >>> collect("ex02_dimensoes/padding_para_manter", lambda k: (k - 1) // 2)
    Resposta registrada para a correção: padding_para_manter (11 casos).
    """
    if not isinstance(item, str) or item.count("/") != 1:
        raise ValueError(f'item deve ser "<tarefa>/<nome>"; recebido: {item!r}')
    payload, label = answer_payload(item, answer)
    text = json.dumps(payload)
    if len(text) > MAX_BYTES:
        raise ValueError(
            f"a resposta de {item.split('/')[1]} ficou grande demais para a correção "
            f"({format_number(len(text) // 1024)} KiB; o limite é {format_number(MAX_BYTES // 1024)} KiB): "
            "devolva só o que o enunciado pede"
        )
    _emit(payload, f"Resposta registrada para a correção: {label}.")


def _emit(payload: dict, text: str) -> None:
    from IPython.core.interactiveshell import InteractiveShell

    if not InteractiveShell.initialized():  # fora do Jupyter (doctests, scripts): só o texto
        print(text)
        return
    from IPython.display import display

    display({MIME: payload, "text/plain": text}, raw=True)


# --- as conferências de formato dos testes visíveis


def _type_words(value) -> str:
    return f"um valor do tipo {type(value).__name__}"


def _shape_words(shape: tuple) -> str:
    return " × ".join(format_number(size) for size in shape) if shape else "escalar"


def _confirm(name: str, what: str) -> None:
    print(f"✔ {name}: formato conferido ({what}); {_CONFIRMATION}")


def _is_int(value) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)


def _is_real(value) -> bool:
    return _is_int(value) or isinstance(value, float | np.floating)


def _number_text(value) -> str:
    return format_number(value) if _is_int(value) else format_decimal(value, 4)


def check_int(actual, expected=None, *, name: str, hint: str = "") -> None:
    """Confere que ``actual`` é um inteiro (``int`` ou inteiro do NumPy) e, se dado, igual a ``expected``.

    ``expected`` só aparece nos testes visíveis com valores que o próprio enunciado mostra.

    Parameters
    ----------
    actual : object
        A resposta do aluno.
    expected : int, opcional
        O valor certo (público); sem ele, só o formato é conferido.
    name : str
        Como a resposta aparece na mensagem, por exemplo ``"tamanho_saida(5, 3)"``.
    hint : str, padrão ""
        Dica acrescentada à mensagem quando o valor não confere.

    Raises
    ------
    AssertionError
        Se o tipo ou o valor não conferem.

    Examples
    --------
    >>> check_int(np.int64(26), name="n")
    ✔ n: formato conferido (número inteiro); os testes ocultos conferem os valores na correção.
    >>> check_int(26.0, name="n")
    Traceback (most recent call last):
    ...
    AssertionError: n deve ser um número inteiro (int); recebido: um valor do tipo float.
    >>> check_int(4, 3, name="tamanho_saida(5, 3)", hint="confira a fórmula.")
    Traceback (most recent call last):
    ...
    AssertionError: tamanho_saida(5, 3) deveria ser 3; recebido: 4. confira a fórmula.
    """
    if not _is_int(actual):
        raise AssertionError(f"{name} deve ser um número inteiro (int); recebido: {_type_words(actual)}.")
    if expected is not None and int(actual) != expected:
        raise AssertionError(
            f"{name} deveria ser {format_number(expected)}; recebido: {format_number(actual)}. {hint}".strip()
        )
    _confirm(name, "número inteiro" if expected is None else f"igual a {format_number(expected)}")


def check_float(actual, expected=None, *, name: str, rtol: float = 1e-4, atol: float = 1e-6, hint: str = ""):
    """Confere que ``actual`` é um número real (``float``, ``int`` ou escalar do NumPy) e, se dado, o valor.

    Parameters
    ----------
    actual : object
        A resposta do aluno.
    expected : float, opcional
        O valor certo (público); sem ele, só o formato é conferido.
    name : str
        Como a resposta aparece na mensagem.
    rtol, atol : float
        Tolerâncias: ``|actual − expected| <= atol + rtol·|expected|``.
    hint : str, padrão ""
        Dica para quando o valor não confere.

    Raises
    ------
    AssertionError
        Se o tipo ou o valor não conferem.

    Examples
    --------
    >>> check_float(np.float32(0.25), name="razão")
    ✔ razão: formato conferido (número real); os testes ocultos conferem os valores na correção.
    >>> check_float("0,25", name="razão")
    Traceback (most recent call last):
    ...
    AssertionError: razão deve ser um número real (float); recebido: um valor do tipo str.
    """
    if not _is_real(actual):
        raise AssertionError(f"{name} deve ser um número real (float); recebido: {_type_words(actual)}.")
    if expected is not None and not abs(float(actual) - expected) <= atol + rtol * abs(expected):
        raise AssertionError(
            f"{name} deveria ser {_number_text(expected)}; recebido: {_number_text(actual)}. {hint}".rstrip()
        )
    _confirm(name, "número real")


def check_tuple(actual, expected=None, *, name: str, length: int | None = None, hint: str = "") -> None:
    """Confere que ``actual`` é uma tupla de inteiros (altura e largura, por exemplo).

    Parameters
    ----------
    actual : object
        A resposta do aluno.
    expected : tuple de int, opcional
        O valor certo (público); sem ele, só o formato é conferido.
    name : str
        Como a resposta aparece na mensagem.
    length : int, opcional
        Número de elementos exigido.
    hint : str, padrão ""
        Dica para quando o valor não confere.

    Raises
    ------
    AssertionError
        Se o tipo, o tamanho ou os valores não conferem.

    Examples
    --------
    >>> check_tuple((26, np.int64(26)), name="saida_valid_3x3(28, 28)", length=2)
    ✔ saida_valid_3x3(28, 28): formato conferido (tupla de 2 inteiros); os testes ocultos conferem...
    >>> check_tuple([26, 26], name="saida", length=2)
    Traceback (most recent call last):
    ...
    AssertionError: saida deve ser uma tupla, por exemplo (26, 26); recebido: um valor do tipo list.
    >>> check_tuple((26, 26.0), name="saida", length=2)
    Traceback (most recent call last):
    ...
    AssertionError: saida deve conter só números inteiros (int); o elemento 1 é um valor do tipo float.
    """
    if not isinstance(actual, tuple):
        raise AssertionError(
            f"{name} deve ser uma tupla, por exemplo (26, 26); recebido: {_type_words(actual)}."
        )
    if length is not None and len(actual) != length:
        raise AssertionError(f"{name} deve ter {length} elementos; recebido: {len(actual)}.")
    for index, item in enumerate(actual):
        if not _is_int(item):
            raise AssertionError(
                f"{name} deve conter só números inteiros (int); o elemento {index} é {_type_words(item)}."
            )
    if expected is not None and tuple(int(v) for v in actual) != tuple(expected):
        raise AssertionError(f"{name} deveria ser {tuple(expected)}; recebido: {actual}. {hint}".rstrip())
    _confirm(name, f"tupla de {len(actual)} inteiros")


def check_array(actual, expected=None, *, name: str, shape=None, rtol=1e-4, atol=1e-6, hint: str = ""):
    """Confere que ``actual`` é um ``numpy.ndarray`` de números e, se dados, o shape e os valores.

    Aceita qualquer dtype numérico (inteiros, ``float32``, ``float64``).

    Parameters
    ----------
    actual : object
        A resposta do aluno.
    expected : numpy.ndarray, opcional
        Valores certos (públicos, de um exemplo do enunciado); sem eles, só o formato é conferido.
    name : str
        Como a resposta aparece na mensagem.
    shape : tuple de int, opcional
        Shape exigido.
    rtol, atol : float
        Tolerâncias, valor a valor.
    hint : str, padrão ""
        Dica para quando os valores não conferem.

    Raises
    ------
    AssertionError
        Se o tipo, o shape ou os valores não conferem.

    Examples
    --------
    >>> check_array(np.zeros((3, 3), dtype=np.float32), name="mapa", shape=(3, 3))
    ✔ mapa: formato conferido (numpy.ndarray 3 × 3); os testes ocultos conferem os valores na correção.
    >>> check_array([[1, 2]], name="saida")
    Traceback (most recent call last):
    ...
    AssertionError: saida deve ser um array NumPy (numpy.ndarray) de números; recebido: um valor do tipo list.
    >>> check_array(np.zeros((2, 3)), name="saida", shape=(3, 2))
    Traceback (most recent call last):
    ...
    AssertionError: saida deve ter shape 3 × 2; recebido: shape 2 × 3.
    """
    if not (isinstance(actual, np.ndarray) and actual.dtype.kind in "iuf"):
        raise AssertionError(
            f"{name} deve ser um array NumPy (numpy.ndarray) de números; recebido: {_type_words(actual)}."
        )
    if shape is not None and actual.shape != tuple(shape):
        raise AssertionError(
            f"{name} deve ter shape {_shape_words(tuple(shape))}; "
            f"recebido: shape {_shape_words(actual.shape)}."
        )
    if expected is not None:
        expected = np.asarray(expected, dtype=float)
        if actual.shape != expected.shape or not np.allclose(actual, expected, rtol=rtol, atol=atol):
            raise AssertionError(f"{name} não confere com o exemplo do enunciado. {hint}".rstrip())
    _confirm(name, f"numpy.ndarray {_shape_words(actual.shape)}")


def check_choice(answer, *, name: str, options: str) -> None:
    """Confere que a resposta de uma questão de múltipla escolha é uma das letras de ``options``.

    Se a letra é a certa, só a correção sabe.

    Parameters
    ----------
    answer : object
        A letra escolhida (maiúscula ou minúscula; espaços nas pontas são ignorados).
    name : str
        Nome da variável da resposta.
    options : str
        As letras válidas, por exemplo ``"ABCD"``.

    Raises
    ------
    AssertionError
        Se a resposta não é uma das letras.

    Examples
    --------
    >>> check_choice(" b ", name="resposta_stride", options="ABCD")
    ✔ resposta_stride: formato conferido (uma das letras A, B, C, D); os testes ocultos...
    >>> check_choice("E", name="resposta_stride", options="ABCD")
    Traceback (most recent call last):
    ...
    AssertionError: resposta_stride deve ser uma das letras A, B, C, D; recebido: 'E'.
    """
    letter = answer.strip().upper() if isinstance(answer, str) else None
    if letter is None or len(letter) != 1 or letter not in options:
        raise AssertionError(
            f"{name} deve ser uma das letras {', '.join(options)}; recebido: {answer!r:.20}."
        )
    _confirm(name, f"uma das letras {', '.join(options)}")


def check_class(obj, allowed: tuple, *, name: str) -> None:
    """Confere que a classe de ``obj`` é uma das classes de ``allowed``.

    Parameters
    ----------
    obj : object
        A resposta do aluno (por exemplo, um modelo Keras).
    allowed : tuple de type
        As classes aceitas.
    name : str
        Como a resposta aparece na mensagem.

    Raises
    ------
    AssertionError
        Se a classe de ``obj`` não está em ``allowed``.

    Examples
    --------
    >>> check_class(3, (int,), name="n")
    ✔ n: formato conferido (int); os testes ocultos conferem os valores na correção.
    >>> check_class("3", (int, float), name="n")
    Traceback (most recent call last):
    ...
    AssertionError: n deve ser do tipo int ou float; recebido: um valor do tipo str.
    """
    if not isinstance(obj, allowed):
        names = " ou ".join(cls.__name__ for cls in allowed)
        raise AssertionError(f"{name} deve ser do tipo {names}; recebido: {_type_words(obj)}.")
    _confirm(name, type(obj).__name__)


def require(condition: bool, message: str) -> None:
    """Levanta ``AssertionError(message)`` se ``condition`` não for verdadeira.

    Parameters
    ----------
    condition : bool
        O que o teste visível exige.
    message : str
        A mensagem, em português, do que se esperava.

    Raises
    ------
    AssertionError
        Se ``condition`` é falsa.

    Examples
    --------
    >>> require(2 + 2 == 4, "a soma está errada")
    >>> require(0.4 < 0.3, "a fração de zeros deve ficar perto de rate")
    Traceback (most recent call last):
    ...
    AssertionError: a fração de zeros deve ficar perto de rate
    """
    if not condition:
        raise AssertionError(message)
