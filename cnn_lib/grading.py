"""Correção automática dos exercícios (nbgrader): comparações que não confiam na resposta do aluno.

As células de teste dos notebooks em ``solutions/`` chamam estas funções. Cada uma confere o formato da
resposta e, se receber o valor esperado, confere também o valor; quando algo não confere, levanta
``AssertionError`` com uma mensagem em português que diz o que se esperava **em termos gerais**, sem mostrar o
valor esperado (a mensagem aparece no feedback do aluno).

O código do aluno roda no mesmo processo que os testes e pode ter trocado qualquer objeto. Por isso:

* os testes ocultos recarregam este módulo do disco (``importlib.reload``) e usam :func:`fresh_library` para
  ter ``cnn_lib.shapes`` e ``cnn_lib.ops`` originais como referência;
* as comparações são feitas em Python puro, sobre ``int``, ``float``, ``str``, ``tuple`` e sobre
  ``ndarray.tolist()``; os tipos são conferidos com ``type`` obtido de literais (``(0).__class__.__class__``),
  que o aluno não consegue trocar; objetos de tipos estranhos (um ``__eq__`` que sempre diz ``True``, uma
  subclasse de ``int`` ou de ``numpy.ndarray``) são recusados;
* toda função pública confere antes que as funções embutidas usadas aqui (``len``, ``zip``, ``isinstance``...)
  ainda são as originais.

Isso não protege contra quem altera o próprio IPython ou o kernel; esse limite é do isolamento do processo
(ver o guia do instrutor). :func:`sanitize_feedback` é um pré-processador do ``nbgrader generate_feedback``
que tira do feedback as linhas dos testes ocultos que apareceriam nos tracebacks.

Examples
--------
>>> import numpy as np
>>> check_array(np.eye(2), np.eye(2), name="identidade")
>>> check_int(7, 6, name="tamanho_saida(8, 2)", hint="confira a fórmula ⌊(n + 2p − k)/s⌋ + 1.")
Traceback (most recent call last):
...
AssertionError: tamanho_saida(8, 2) não confere com o valor esperado. confira a fórmula ⌊(n + 2p − k)/s⌋ + 1.
"""

import hashlib
import importlib
import re

__all__ = [
    "accuracy",
    "answer_digest",
    "array_values",
    "check_array",
    "check_choice",
    "check_class",
    "check_float",
    "check_function",
    "check_int",
    "check_raises",
    "check_tuple",
    "fresh_library",
    "require",
    "sanitize_feedback",
]

# Tipos tirados de literais: continuam os verdadeiros mesmo se o aluno troca ``type`` ou ``int`` nos builtins.
_type = (0).__class__.__class__
_INT, _FLOAT, _BOOL, _STR = (0).__class__, (0.0).__class__, True.__class__, "".__class__
_TUPLE, _LIST = ().__class__, [].__class__
_BUILTIN_FUNCTION = [].append.__class__
_FLAGS = _type.__dict__["__flags__"]
_TYPE_NAME = _type.__dict__["__name__"]
_TYPE_MODULE = _type.__dict__["__module__"]
_HEAPTYPE = 1 << 9  # tipos definidos em Python (classes do aluno); os do CPython e do NumPy não têm a marca

_ENVIRONMENT_HINT = "a correção automática não pode confiar nos resultados; não altere as funções do Python"


def _is_static_type(obj, name: str) -> bool:
    """Verdadeiro se ``obj`` é uma classe escrita em C (não em Python) chamada ``name``."""
    return _type(obj) is _type and not _FLAGS.__get__(obj) & _HEAPTYPE and _TYPE_NAME.__get__(obj) == name


def _check_environment() -> None:
    """Confere que as funções e classes embutidas usadas na correção não foram trocadas pelo aluno."""
    # fmt: off
    functions = (
        (len, "len"), (repr, "repr"), (callable, "callable"), (issubclass, "issubclass"), (sum, "sum"),
        (isinstance, "isinstance"), (abs, "abs"), (min, "min"), (max, "max"), (sorted, "sorted"),
        (round, "round"), (any, "any"), (all, "all"), (getattr, "getattr"),
    )
    classes = (
        (zip, "zip"), (enumerate, "enumerate"), (range, "range"), (reversed, "reversed"), (map, "map"),
        (set, "set"), (Exception, "Exception"), (AssertionError, "AssertionError"),
        (ValueError, "ValueError"), (TypeError, "TypeError"),
    )
    literals = (
        (int, _INT), (float, _FLOAT), (bool, _BOOL), (str, _STR), (tuple, _TUPLE), (list, _LIST),
        (type, _type),
    )
    # fmt: on
    changed = [
        name for obj, name in functions if not (_type(obj) is _BUILTIN_FUNCTION and obj.__name__ == name)
    ]
    changed += [name for obj, name in classes if not _is_static_type(obj, name)]
    changed += [_TYPE_NAME.__get__(cls) for obj, cls in literals if obj is not cls]
    if changed:
        raise AssertionError(
            f"o ambiente do Python foi alterado ({', '.join(changed)} foi substituído); {_ENVIRONMENT_HINT}"
        )


_check_environment()


class _Array:
    """Cópia imutável de um ``numpy.ndarray`` verdadeiro: o shape e os valores em Python puro."""

    __slots__ = ("shape", "values")

    def __init__(self, shape: tuple, values: list):
        self.shape, self.values = shape, values


def _numpy_type_name(value):
    """Nome do tipo NumPy verdadeiro de ``value`` (``"ndarray"``, ``"float64"``...); ``None`` se não for."""
    cls = _type(value)
    if _FLAGS.__get__(cls) & _HEAPTYPE or _TYPE_MODULE.__get__(cls) != "numpy":
        return None
    return _TYPE_NAME.__get__(cls)


def _type_words(value) -> str:
    return f"valor do tipo {_TYPE_NAME.__get__(_type(value))}"


def _flatten(nested, out: list) -> None:
    for item in nested:
        if _type(item) is _LIST:
            _flatten(item, out)
        else:
            out.append(item)


def _canonical(value, name: str):
    """Converte a resposta em ``int``, ``float``, ``str``, ``tuple``, ``list`` ou ``_Array`` do Python puro.

    Aceita os tipos do Python e os escalares e arrays verdadeiros do NumPy; recusa todo o resto.
    """
    cls = _type(value)
    if cls is _INT or cls is _FLOAT or cls is _STR:
        return value
    if cls is _TUPLE or cls is _LIST:
        items = [_canonical(item, name) for item in value]
        return _TUPLE(items) if cls is _TUPLE else items
    numpy_name = _numpy_type_name(value)
    if numpy_name is not None and getattr(getattr(value, "dtype", None), "kind", None) in ("i", "u", "f"):
        if numpy_name != "ndarray":
            return value.item()
        values = []
        _flatten([value.tolist()], values)
        return _Array(value.shape, values)
    raise AssertionError(
        f"{name}: {_type_words(value)} não é aceito; use int, float, str, tuple ou numpy.ndarray de números "
        "(tipos comuns do Python e do NumPy, sem subclasses)"
    )


def _close(actual, expected, rtol: float, atol: float) -> bool:
    difference = actual - expected
    difference = -difference if difference < 0 else difference
    scale = expected if expected >= 0 else -expected
    return difference <= atol + rtol * scale


def _position(flat_index: int, shape: tuple) -> tuple:
    position = []
    for size in reversed(shape):
        position.append(flat_index % size)
        flat_index //= size
    return _TUPLE(reversed(position))


_KIND_WORDS = {
    _INT: "um número inteiro (int)",
    _FLOAT: "um número real (float)",
    _STR: "um texto (str)",
    _TUPLE: "uma tupla",
    _LIST: "uma lista",
    _Array: "um array NumPy (numpy.ndarray) de números",
}


def _mismatch(actual, expected, rtol: float, atol: float):
    """Por que ``actual`` não confere com ``expected`` (ambos canônicos); ``None`` se confere."""
    kind, actual_kind = _type(expected), _type(actual)
    if kind is _FLOAT and actual_kind is _INT:
        actual_kind = _FLOAT
    if actual_kind is not kind:
        return f"deveria ser {_KIND_WORDS[kind]}, mas é {_KIND_WORDS[actual_kind]}"
    if kind is _FLOAT:
        return None if _close(actual, expected, rtol, atol) else "não confere com o valor esperado"
    if kind is _INT or kind is _STR:
        return None if actual == expected else "não confere com o valor esperado"
    if kind is _Array:
        if actual.shape != expected.shape:
            return f"tem shape {actual.shape}, diferente do shape esperado para esta entrada"
        pairs = zip(actual.values, expected.values, strict=True)
        wrong = [i for i, (a, e) in enumerate(pairs) if not _close(a, e, rtol, atol)]
        if not wrong:
            return None
        first = _position(wrong[0], actual.shape)
        total = len(expected.values)
        return f"tem {len(wrong)} de {total} valores diferentes do esperado (o primeiro na posição {first})"
    if len(actual) != len(expected):
        return f"deveria ter {len(expected)} elementos, mas tem {len(actual)}"
    for index, (a, e) in enumerate(zip(actual, expected, strict=True)):
        reason = _mismatch(a, e, rtol, atol)
        if reason is not None:
            return f"tem o elemento {index} que {reason}"
    return None


def _fail(name: str, reason: str, hint: str = ""):
    raise AssertionError(f"{name} {reason}. {hint}".rstrip())


def _compare(actual, expected, name: str, hint: str, rtol: float = 0.0, atol: float = 0.0) -> None:
    reason = _mismatch(actual, _canonical(expected, "a referência"), rtol, atol)
    if reason is not None:
        _fail(name, reason, hint)


def _require_kind(value, kind, name: str):
    got = _canonical(value, name)
    if _type(got) is not kind and not (kind is _FLOAT and _type(got) is _INT):
        _fail(name, f"deve ser {_KIND_WORDS[kind]}; recebido: {_type_words(value)}")
    return got


def check_int(actual, expected=None, *, name: str, hint: str = "") -> None:
    """Confere que ``actual`` é um inteiro (``int`` ou inteiro do NumPy) e, se dado, igual a ``expected``.

    Parameters
    ----------
    actual : object
        A resposta do aluno.
    expected : int, opcional
        O valor certo; sem ele, só o formato é conferido.
    name : str
        Como a resposta aparece na mensagem (por exemplo ``"tamanho_saida(28, 3)"``).
    hint : str, padrão ""
        Dica geral acrescentada à mensagem quando o valor não confere (sem o valor esperado).

    Raises
    ------
    AssertionError
        Se o tipo ou o valor não conferem.

    Examples
    --------
    >>> import numpy as np
    >>> check_int(np.int64(26), 26, name="n")
    >>> check_int(26.0, name="n")
    Traceback (most recent call last):
    ...
    AssertionError: n deve ser um número inteiro (int); recebido: valor do tipo float.
    >>> check_int(True, name="n")
    Traceback (most recent call last):
    ...
    AssertionError: n: valor do tipo bool não é aceito; use int, float, str, tuple ou numpy.ndarray ...
    """
    _check_environment()
    got = _require_kind(actual, _INT, name)
    if expected is not None:
        _compare(got, expected, name, hint)


def check_float(
    actual, expected=None, *, name: str, rtol: float = 1e-6, atol: float = 1e-9, hint: str = ""
) -> None:
    """Confere que ``actual`` é um número real e, se dado, próximo de ``expected``.

    Próximo quer dizer ``|actual − expected| <= atol + rtol·|expected|``.

    Parameters
    ----------
    actual : object
        A resposta do aluno (``float``, ``int`` ou escalar do NumPy).
    expected : float, opcional
        O valor certo; sem ele, só o formato é conferido.
    name : str
        Como a resposta aparece na mensagem.
    rtol, atol : float
        Tolerâncias relativa e absoluta.
    hint : str, padrão ""
        Dica geral para quando o valor não confere.

    Raises
    ------
    AssertionError
        Se o tipo ou o valor não conferem.

    Examples
    --------
    >>> check_float(0.1 + 0.2, 0.3, name="soma")
    >>> check_float(0.5, 0.25, name="razão", hint="compare os parâmetros das duas camadas.")
    Traceback (most recent call last):
    ...
    AssertionError: razão não confere com o valor esperado. compare os parâmetros das duas camadas.
    """
    _check_environment()
    got = _require_kind(actual, _FLOAT, name)
    if expected is not None:
        _compare(got, _FLOAT(expected), name, hint, rtol, atol)


def check_tuple(actual, expected=None, *, name: str, length: int | None = None, hint: str = "") -> None:
    """Confere que ``actual`` é uma tupla de inteiros (altura e largura, por exemplo) igual a ``expected``.

    Parameters
    ----------
    actual : object
        A resposta do aluno.
    expected : tuple de int, opcional
        O valor certo; sem ele, só o formato é conferido.
    name : str
        Como a resposta aparece na mensagem.
    length : int, opcional
        Número de elementos exigido.
    hint : str, padrão ""
        Dica geral para quando o valor não confere.

    Raises
    ------
    AssertionError
        Se o tipo, o tamanho ou os valores não conferem.

    Examples
    --------
    >>> check_tuple((26, 26), (26, 26), name="saida_valid_3x3(28, 28)")
    >>> check_tuple([26, 26], name="saida_valid_3x3(28, 28)", length=2)
    Traceback (most recent call last):
    ...
    AssertionError: saida_valid_3x3(28, 28) deve ser uma tupla; recebido: valor do tipo list.
    >>> check_tuple((26, 26.0), name="saida", length=2)
    Traceback (most recent call last):
    ...
    AssertionError: saida deve conter só números inteiros (int); o elemento 1 é um número real (float).
    """
    _check_environment()
    got = _require_kind(actual, _TUPLE, name)
    if length is not None and len(got) != length:
        _fail(name, f"deve ter {length} elementos; recebido: {len(got)}")
    for index, item in enumerate(got):
        if _type(item) is not _INT:
            _fail(
                name,
                f"deve conter só números inteiros (int); o elemento {index} é {_KIND_WORDS[_type(item)]}",
            )
    if expected is not None:
        _compare(got, _TUPLE(expected), name, hint)


def check_array(
    actual, expected=None, *, name: str, shape=None, rtol: float = 1e-6, atol: float = 1e-9, hint: str = ""
) -> None:
    """Confere que ``actual`` é um ``numpy.ndarray`` de números e, se dados, seu shape e seus valores.

    Parameters
    ----------
    actual : object
        A resposta do aluno; tem de ser um ``numpy.ndarray`` (não uma lista nem uma subclasse).
    expected : numpy.ndarray, opcional
        Os valores certos; sem eles, só o formato é conferido.
    name : str
        Como a resposta aparece na mensagem.
    shape : tuple de int, opcional
        Shape exigido (é formato: pode aparecer nos testes visíveis).
    rtol, atol : float
        Tolerâncias relativa e absoluta, valor a valor.
    hint : str, padrão ""
        Dica geral para quando os valores não conferem.

    Raises
    ------
    AssertionError
        Se o tipo, o shape ou os valores não conferem.

    Examples
    --------
    >>> import numpy as np
    >>> check_array(np.zeros((3, 3)), name="mapa", shape=(3, 3))
    >>> check_array(np.array([[1.0, 2.0], [3.0, 5.0]]), np.array([[1, 2], [3, 4]]), name="saida")
    Traceback (most recent call last):
    ...
    AssertionError: saida tem 1 de 4 valores diferentes do esperado (o primeiro na posição (1, 1)).
    >>> check_array([[1, 2]], name="saida")
    Traceback (most recent call last):
    ...
    AssertionError: saida deve ser um array NumPy (numpy.ndarray) de números; recebido: valor do tipo list.
    """
    _check_environment()
    got = _require_kind(actual, _Array, name)
    if shape is not None and got.shape != _TUPLE(shape):
        _fail(name, f"deve ter shape {_TUPLE(shape)}; recebido: shape {got.shape}")
    if expected is not None:
        _compare(got, expected, name, hint, rtol, atol)


def array_values(actual, *, name: str, shape=None) -> list:
    """Os valores de um ``numpy.ndarray`` verdadeiro como lista de números do Python, em ordem de linhas.

    Serve para testes estatísticos (por exemplo, do dropout) feitos em Python puro.

    Parameters
    ----------
    actual : object
        A resposta do aluno; tem de ser um ``numpy.ndarray`` de números.
    name : str
        Como a resposta aparece na mensagem.
    shape : tuple de int, opcional
        Shape exigido.

    Returns
    -------
    list
        Os valores (``int`` ou ``float``), achatados.

    Examples
    --------
    >>> import numpy as np
    >>> array_values(np.array([[0.0, 2.0], [2.0, 0.0]]), name="y", shape=(2, 2))
    [0.0, 2.0, 2.0, 0.0]
    """
    check_array(actual, name=name, shape=shape)
    return _LIST(_canonical(actual, name).values)


def check_choice(
    answer, expected_digest: str | None = None, *, name: str, options: str, hint: str = ""
) -> None:
    """Confere uma questão de múltipla escolha: uma letra entre ``options``, certa se o resumo confere.

    A alternativa certa não aparece no teste: só o seu resumo, :func:`answer_digest`.

    Parameters
    ----------
    answer : object
        A letra escolhida pelo aluno (maiúscula ou minúscula; espaços nas pontas são ignorados).
    expected_digest : str, opcional
        ``answer_digest(name, letra_certa)``; sem ele, só o formato é conferido.
    name : str
        Nome da variável da resposta (também entra no resumo).
    options : str
        As letras válidas, por exemplo ``"ABCD"``.
    hint : str, padrão ""
        Dica geral para quando a alternativa está errada.

    Raises
    ------
    AssertionError
        Se a resposta não é uma das letras ou não é a certa.

    Examples
    --------
    >>> certa = answer_digest("resposta_stride", "B")
    >>> check_choice(" b ", certa, name="resposta_stride", options="ABCD")
    >>> check_choice("E", name="resposta_stride", options="ABCD")
    Traceback (most recent call last):
    ...
    AssertionError: resposta_stride deve ser uma das letras A, B, C, D; recebido: 'E'.
    >>> check_choice("A", certa, name="resposta_stride", options="ABCD", hint="releia a definição de passo.")
    Traceback (most recent call last):
    ...
    AssertionError: resposta_stride não é a alternativa correta. releia a definição de passo.
    """
    _check_environment()
    letter = _require_kind(answer, _STR, name).strip().upper()
    if len(letter) != 1 or letter not in options:
        _fail(name, f"deve ser uma das letras {', '.join(options)}; recebido: {repr(answer)[:20]}")
    if expected_digest is not None and answer_digest(name, letter) != expected_digest:
        _fail(name, "não é a alternativa correta", hint)


def answer_digest(question: str, answer: str) -> str:
    """Resumo (SHA-256, 16 dígitos hexadecimais) de uma resposta, para guardá-la nos testes sem escrevê-la.

    Parameters
    ----------
    question : str
        Nome da questão; a mesma letra dá resumos diferentes em questões diferentes.
    answer : str
        A resposta; maiúsculas/minúsculas e espaços nas pontas não importam.

    Returns
    -------
    str

    Examples
    --------
    >>> answer_digest("resposta_stride", " b") == answer_digest("resposta_stride", "B")
    True
    >>> answer_digest("q1", "B") == answer_digest("q2", "B")
    False
    """
    text = f"{question}:{answer.strip().upper()}"
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    if _type(digest) is not _STR:
        raise AssertionError(
            f"o ambiente do Python foi alterado: hashlib foi substituído; {_ENVIRONMENT_HINT}"
        )
    return digest


def _describe(value) -> str:
    if _numpy_type_name(value) == "ndarray":
        return f"array com shape {value.shape}"
    return repr(value)


def _copies(args: tuple) -> list:
    """Os argumentos com cada ``numpy.ndarray`` copiado (quem os recebe não altera os originais)."""
    return [arg.copy() if _numpy_type_name(arg) == "ndarray" else arg for arg in args]


def _invoke(student_fn, args: tuple):
    """Chama a função do aluno com cópias dos arrays (ela não pode alterar as entradas da referência).

    Devolve ``(resultado, None)`` ou, se ela levantar uma exceção, ``(None, exceção)``.
    """
    try:
        return student_fn(*_copies(args)), None
    except Exception as error:  # o erro do aluno vira uma mensagem de teste em português
        return None, error


def _call_text(name: str, args: tuple) -> str:
    return f"{name}({', '.join(_describe(arg) for arg in args)})"


def _error_text(error) -> str:
    """``NomeDoErro: mensagem`` de uma exceção do aluno, sem confiar no seu ``__str__``."""
    try:
        text = _STR(error)
    except Exception:
        text = ""
    text = text[:300] if _type(text) is _STR else ""
    return f"{_TYPE_NAME.__get__(_type(error))}: {text}"


def check_function(
    student_fn, reference_fn, cases, *, name: str, hint: str = "", rtol: float = 1e-6, atol: float = 1e-9
) -> None:
    """Confere a função do aluno contra a referência em cada caso (lista de tuplas de argumentos).

    A referência é calculada primeiro em todos os casos, com cópias dos arrays; só depois a função do aluno é
    chamada (também com cópias): assim ela não consegue trocar a referência (ou o módulo de onde ela vem)
    durante a chamada. O tipo do resultado esperado define a comparação: ``int`` exige ``int`` igual,
    ``float`` aceita número próximo, ``tuple`` exige tupla elemento a elemento, ``numpy.ndarray`` exige
    array do mesmo shape com valores próximos.

    Parameters
    ----------
    student_fn : callable
        A função do aluno.
    reference_fn : callable
        A função de referência (confiável), chamada com os mesmos argumentos.
    cases : list de tuple
        Argumentos posicionais de cada chamada.
    name : str
        Nome da função na mensagem.
    hint : str, padrão ""
        Dica geral para quando um resultado não confere.
    rtol, atol : float
        Tolerâncias para números reais e arrays.

    Raises
    ------
    AssertionError
        Se ``student_fn`` não é chamável, levanta um erro ou devolve algo que não confere.

    Examples
    --------
    >>> def aluno(h, w):
    ...     return (h - 2, w - 1)
    >>> def referencia(h, w):
    ...     return (h - 2, w - 2)
    >>> check_function(aluno, referencia, [(5, 5), (9, 4)], name="saida", hint="vale nos dois eixos.")
    Traceback (most recent call last):
    ...
    AssertionError: saida(5, 5) tem o elemento 1 que não confere com o valor esperado. vale nos dois eixos.
    """
    _check_environment()
    if not callable(student_fn):
        _fail(name, f"deve ser uma função; recebido: {_type_words(student_fn)}")
    expected = [_canonical(reference_fn(*_copies(args)), "a referência") for args in cases]
    answers = []
    for args in cases:
        call = _call_text(name, args)
        result, error = _invoke(student_fn, args)
        if error is not None:
            _fail(call, f"levantou {_error_text(error)}", hint)
        answers.append((call, _canonical(result, call)))
    for (call, answer), reference in zip(answers, expected, strict=True):
        reason = _mismatch(answer, reference, rtol, atol)
        if reason is not None:
            _fail(call, reason, hint)


def check_raises(student_fn, args: tuple, error: type, *, name: str, hint: str = "") -> None:
    """Confere que ``student_fn(*args)`` levanta ``error`` (ou uma subclasse dele).

    Parameters
    ----------
    student_fn : callable
        A função do aluno.
    args : tuple
        Argumentos posicionais (inválidos) da chamada.
    error : type
        A classe de exceção esperada, por exemplo ``ValueError``.
    name : str
        Nome da função na mensagem.
    hint : str, padrão ""
        Dica geral.

    Raises
    ------
    AssertionError
        Se nada é levantado ou se a exceção é de outra classe.

    Examples
    --------
    >>> def raiz(x):
    ...     if x < 0:
    ...         raise ValueError("x deve ser >= 0")
    ...     return x**0.5
    >>> check_raises(raiz, (-1,), ValueError, name="raiz")
    >>> check_raises(raiz, (4,), ValueError, name="raiz", hint="só negativos são inválidos.")
    Traceback (most recent call last):
    ...
    AssertionError: raiz(4) deveria levantar ValueError, mas não levantou nenhum erro. só negativos...
    """
    _check_environment()
    call, expected = _call_text(name, args), _TYPE_NAME.__get__(error)
    _, raised = _invoke(student_fn, args)
    if raised is None:
        _fail(call, f"deveria levantar {expected}, mas não levantou nenhum erro", hint)
    if not issubclass(_type(raised), error):
        _fail(call, f"deveria levantar {expected}, mas levantou {_error_text(raised)}", hint)


def check_class(obj, allowed: tuple, *, name: str) -> None:
    """Confere que a classe exata de ``obj`` é uma das classes de ``allowed`` (subclasses são recusadas).

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
    >>> class Inteiro(int):
    ...     pass
    >>> check_class(Inteiro(3), (int,), name="n")
    Traceback (most recent call last):
    ...
    AssertionError: n deve ser do tipo int; recebido: valor do tipo Inteiro.
    """
    _check_environment()
    cls = _type(obj)
    for candidate in allowed:
        if cls is candidate:
            return
    names = " ou ".join(_TYPE_NAME.__get__(candidate) for candidate in allowed)
    _fail(name, f"deve ser do tipo {names}; recebido: {_type_words(obj)}")


def require(condition: bool, message: str) -> None:
    """Levanta ``AssertionError(message)`` se ``condition`` não for exatamente ``True``.

    Parameters
    ----------
    condition : bool
        Um ``bool`` do Python calculado pelo teste (não pelo aluno); ``numpy.bool_`` e outros objetos
        "verdadeiros" não bastam.
    message : str
        A mensagem, em português, do que se esperava.

    Raises
    ------
    AssertionError
        Se ``condition`` não é ``True``.

    Examples
    --------
    >>> require(2 + 2 == 4, "a soma está errada")
    >>> require(0.4 < 0.3, "a fração de zeros deve ficar perto de rate")
    Traceback (most recent call last):
    ...
    AssertionError: a fração de zeros deve ficar perto de rate
    """
    _check_environment()
    if condition is not True:
        raise AssertionError(message)


def accuracy(probabilities, labels) -> float:
    """Acurácia das previsões: fração das linhas cujo maior valor está na coluna do rótulo certo.

    Calculada em Python puro, sobre as cópias dos arrays.

    Parameters
    ----------
    probabilities : numpy.ndarray
        ``(N, classes)``: saída do modelo.
    labels : numpy.ndarray
        ``(N,)``: rótulos inteiros certos.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> accuracy(np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]]), np.array([0, 1, 1]))
    0.6666666666666666
    """
    _check_environment()
    scores = _require_kind(probabilities, _Array, "as probabilidades")
    truth = _require_kind(labels, _Array, "os rótulos")
    if len(scores.shape) != 2 or truth.shape != (scores.shape[0],) or scores.shape[0] == 0:
        _fail(
            "as probabilidades",
            f"devem ter shape (N, classes) com N = {len(truth.values)}; recebido: {scores.shape}",
        )
    classes, hits = scores.shape[1], 0
    for row, label in enumerate(truth.values):
        values = scores.values[row * classes : (row + 1) * classes]
        hits += values.index(max(values)) == label
    return hits / len(truth.values)


def fresh_library():
    """Recarrega do disco ``cnn_lib._validation``, ``shapes`` e ``ops`` e devolve ``(shapes, ops)``.

    Os testes ocultos calculam as referências com estes módulos recém-carregados: se o aluno trocou
    ``cnn_lib.ops.conv2d`` no notebook, a troca se desfaz.

    Returns
    -------
    (module, module)
        ``(shapes, ops)``.

    Examples
    --------
    >>> shapes, ops = fresh_library()
    >>> shapes.output_size(28, 3)
    26
    """
    _check_environment()
    modules = [
        importlib.reload(importlib.import_module(name))
        for name in ("cnn_lib._validation", "cnn_lib.shapes", "cnn_lib.ops")
    ]
    return modules[1], modules[2]


# --- feedback: nada dos testes ocultos chega ao aluno

_HIDDEN_BEGIN, _HIDDEN_END = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
_NOTICE = "[saída omitida: ela reproduzia parte dos testes ocultos]\n"
_ERROR_HINTS = {
    "NotImplementedError": " (resposta não escrita: troque o raise NotImplementedError() pelo seu código)",
    "NameError": " (rode a célula da resposta antes e confira se o nome é o pedido no enunciado)",
}


def _split_lines(source: str) -> tuple[set, list]:
    """As linhas (sem espaços nas pontas) dentro e fora das regiões de testes ocultos de uma célula."""
    hidden, visible, inside = set(), [], False
    for line in source.split("\n"):
        if _HIDDEN_BEGIN in line or _HIDDEN_END in line:
            inside = _HIDDEN_BEGIN in line
        elif inside:
            hidden.add(line.strip())
        else:
            visible.append(line)
    return hidden, visible


def _secret_lines(nb) -> list:
    """As linhas (de 6 caracteres ou mais) dos testes ocultos que não aparecem em outro lugar do notebook."""
    hidden, visible = set(), []
    for cell in nb.cells:
        cell_hidden, cell_visible = _split_lines(cell.source)
        hidden |= cell_hidden
        visible += cell_visible
    visible_text = "\n".join(visible)
    return [line for line in hidden if len(line) >= 6 and line not in visible_text]


def _output_text(output) -> str:
    """Todo o texto de uma saída (fluxo, erro, dados), sem as cores ANSI dos tracebacks."""
    parts = [output.get("text", ""), output.get("evalue", ""), *output.get("traceback", [])]
    parts += output.get("data", {}).values()
    text = "\n".join(part if isinstance(part, str) else str(part) for part in parts)
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def sanitize_feedback(nb, resources):
    """Pré-processador do ``nbgrader generate_feedback``: tira do feedback tudo o que vem dos testes ocultos.

    Nas células com testes ocultos, cada erro vira uma linha ``Falha no teste: mensagem`` (ou ``Erro ao rodar
    o teste: Classe: mensagem``), sem o traceback, que mostraria as linhas do teste; as outras saídas
    somem. Em qualquer célula, uma saída que contenha uma linha exclusiva dos testes ocultos vira um aviso.
    Deve vir antes de ``ClearHiddenTests``, que tira as regiões ocultas do código das células.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        O notebook corrigido (com os testes ocultos no código das células).
    resources : dict
        Recursos do nbconvert (devolvidos sem mudança).

    Returns
    -------
    (nb, resources)

    Examples
    --------
    >>> from nbformat.v4 import new_code_cell, new_notebook, new_output
    >>> teste = "check(x)\\n### BEGIN HIDDEN TESTS\\nassert resposta == 42\\n### END HIDDEN TESTS"
    >>> erro = new_output("error", ename="AssertionError", evalue="x não confere", traceback=["x == 42"])
    >>> vazamento = new_output("stream", name="stdout", text="assert resposta == 42")
    >>> celulas = [new_code_cell(teste, outputs=[erro]), new_code_cell("", outputs=[vazamento])]
    >>> nb = new_notebook(cells=celulas)
    >>> nb, _ = sanitize_feedback(nb, {})
    >>> nb.cells[0].outputs[0].traceback
    ['Falha no teste: x não confere']
    >>> nb.cells[1].outputs[0].text
    '[saída omitida: ela reproduzia parte dos testes ocultos]\\n'
    """
    secret = _secret_lines(nb)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if _HIDDEN_BEGIN in cell.source:
            cell.outputs = [output for output in cell.outputs if output.output_type == "error"]
            for output in cell.outputs:
                if output.ename == "AssertionError":
                    output.traceback = [f"Falha no teste: {output.evalue}"]
                else:
                    message = f"Erro ao rodar o teste: {output.ename}: {output.evalue}".rstrip(": ")
                    output.traceback = [message + _ERROR_HINTS.get(output.ename, "")]
        for output in cell.outputs:
            if any(line in _output_text(output) for line in secret):
                output.clear()
                output.update(output_type="stream", name="stdout", text=_NOTICE)
    return nb, resources
