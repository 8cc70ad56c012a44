"""Comparações tolerantes e mensagens em português para as conferências (lado do professor).

Regra das tolerâncias (a mesma em todo o curso): um número real do aluno ``a`` confere com a referência ``e``
quando ``|a − e| <= ATOL·escala + RTOL·|e|``, com ``RTOL = 1e-4``, ``ATOL = 1e-5`` e ``escala`` = o maior
``|e|`` da resposta (no mínimo 1). Isso aceita qualquer dtype numérico correto (inteiros, ``float16`` só se o
arredondamento couber, ``float32``, ``float64``): o ``float32`` tem uns 7 algarismos significativos, e as
somas dos exercícios (até algumas centenas de parcelas) erram bem menos que 1e-5 da escala; os erros
conhecidos que as conferências procuram mudam o resultado em 1 % ou mais. Inteiros (tamanhos, contagens)
são comparados exatamente e têm de ser inteiros (``int`` ou inteiro do NumPy); tuplas, elemento a elemento.

Uma conferência de função recebe os resultados do aluno nos casos públicos de ``cnn_lib.grading.cases``,
recalcula cada referência aqui, e, quando algo não confere, procura um **erro conhecido**
(:class:`Misconception`) que explique todos os casos errados; se acha, a mensagem o nomeia; se não, diz o
que se esperava e mostra o primeiro caso que difere (a entrada e o que o aluno devolveu, nunca o valor
esperado).

Examples
--------
>>> import numpy as np
>>> close(np.float32(1 / 3), 1 / 3)
True
>>> compare(np.array([[1.0, 2.5]]), np.array([[1.0, 2.0]]), "array")
'1 de 2 valores diferentes do esperado; o primeiro na posição (0, 1), onde você devolveu 2,5'
>>> show(np.array([[0, 30], [0, 30]]))
'array 2 × 2 [[0; 30]; [0; 30]]'
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from cnn_grader.items import BLOCKED_ERROR, Verdict
from cnn_lib.formatting import format_number
from cnn_lib.grading import Foreign, Raised, cases, decode

__all__ = [
    "ATOL",
    "RTOL",
    "Misconception",
    "close",
    "combine",
    "compare",
    "describe_args",
    "function_results",
    "judge_choice",
    "judge_function",
    "judge_raises",
    "judge_value",
    "show",
]

RTOL, ATOL = 1e-4, 1e-5
BORROWED = "função emprestada da biblioteca"


@dataclass(frozen=True)
class Misconception:
    """Um erro conhecido de um item.

    Attributes
    ----------
    name : str
        Nome curto, em português, para o relatório da turma (``"kernel girado 180°"``).
    explanation : str
        A frase que o aluno lê ("seu resultado é o da convolução com o kernel girado 180°").
    wrong : callable, opcional
        Calcula, a partir dos mesmos argumentos, o resultado de quem comete o erro.
    test : callable, opcional
        ``test(args, resultado_do_aluno, esperado) -> bool``, para erros que não se calculam com uma fórmula.
    """

    name: str
    explanation: str
    wrong: Callable | None = None
    test: Callable | None = None

    def explains(self, args: tuple, actual, expected, kind: str) -> bool:
        """Verdadeiro se este erro explica a resposta ``actual`` do aluno neste caso.

        Se a conta errada levanta uma exceção e o aluno levantou a mesma, o erro também explica o caso.
        """
        if self.test is not None:
            try:
                return bool(self.test(args, actual, expected))
            except (ValueError, TypeError, IndexError, ZeroDivisionError):
                return False
        try:
            wrong = self.wrong(*_copies(args))
        except Exception as error:
            return isinstance(actual, Raised) and actual.is_a(type(error).__name__)
        return compare(actual, wrong, kind) is None


def _copies(args: tuple) -> list:
    return [arg.copy() if isinstance(arg, np.ndarray) else arg for arg in args]


# --- números e comparação


def close(actual, expected) -> bool:
    """Compara números reais (ou arrays) pela regra das tolerâncias deste módulo.

    Examples
    --------
    >>> close(1.00001, 1.0), close(1.001, 1.0)
    (True, False)
    """
    actual, expected = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    scale = max(1.0, float(np.max(np.abs(expected)))) if expected.size else 1.0
    return bool(np.all(np.abs(actual - expected) <= ATOL * scale + RTOL * np.abs(expected)))


def _is_int(value) -> bool:
    return type(value) is int


def _number(value: float) -> str:
    if _is_int(value):
        return format_number(value)
    text = f"{value:.6g}"
    if "e" not in text and "." not in text and "n" not in text:
        text += ".0"
    return text.replace("e+", "·10^").replace("e-", "·10^-").replace(".", ",")


def _kind_words(value) -> str:
    if isinstance(value, bool):
        return "um booleano (bool)"
    if _is_int(value):
        return "um número inteiro (int)"
    if isinstance(value, float):
        return "um número real (float)"
    if isinstance(value, np.ndarray):
        return "um array NumPy"
    words = {tuple: "uma tupla", list: "uma lista", str: "um texto (str)", dict: "um dicionário"}
    if type(value) in words:
        return words[type(value)]
    if value is None:
        return "None (a função não devolveu nada: falta o return?)"
    if isinstance(value, Foreign):
        return f"um objeto do tipo {value.type_name}"
    return f"um valor do tipo {type(value).__name__}"


def _shape(shape: tuple) -> str:
    return " × ".join(format_number(size) for size in shape) if shape else "escalar"


def show(value, limit: int = 12) -> str:
    """O valor do aluno escrito em português (vírgula decimal; ``;`` separa números).

    Examples
    --------
    >>> show(np.array([0.5, 2]))
    'array 2 [0,5; 2,0]'
    >>> show((13, 13)), show(2.5), show(None)
    ('(13, 13)', '2,5', 'None (a função não devolveu nada: falta o return?)')
    """
    if isinstance(value, Raised):
        return f"levantou {value.name}: {value.message}".rstrip(": ")
    if isinstance(value, bool) or value is None or isinstance(value, Foreign | str | dict):
        return repr(value) if isinstance(value, str | bool) else _kind_words(value)
    if _is_int(value) or isinstance(value, float):
        return _number(value)
    if isinstance(value, tuple | list):
        parts = [show(item, limit) for item in value]
        separator = "; " if any("," in part for part in parts) else ", "
        text = separator.join(parts)
        return f"({text})" if isinstance(value, tuple) else f"[{text}]"
    if isinstance(value, np.ndarray):
        head = f"array {_shape(value.shape)}"
        if value.size > limit or value.ndim > 2 or value.ndim == 0:
            return f"{head} (dtype {value.dtype})"
        if value.ndim == 1:
            return f"{head} [{'; '.join(_number(v) for v in value.tolist())}]"
        body = "; ".join("[" + "; ".join(_number(v) for v in row) + "]" for row in value.tolist())
        return f"{head} [{body}]"
    return _kind_words(value)


def compare(actual, expected, kind: str) -> str | None:
    """Por que ``actual`` (do aluno) não confere com ``expected`` (referência); ``None`` se confere.

    ``kind``: ``"array"`` (array NumPy de números, mesmo shape, valores próximos), ``"int"`` (inteiro igual),
    ``"float"`` (número real próximo), ``"tuple_int"`` (tupla de inteiros iguais).

    Examples
    --------
    >>> compare(3.0, 3, "int")
    'deveria ser um número inteiro (int), mas é um número real (float)'
    >>> compare([13, 13], (13, 13), "tuple_int")
    'deveria ser uma tupla, mas é uma lista'
    """
    if isinstance(actual, Raised):
        return show(actual)
    if isinstance(actual, np.generic):
        actual = actual.item()
    if kind == "array":
        return _compare_array(actual, expected)
    if kind == "int":
        if not _is_int(actual):
            return f"deveria ser um número inteiro (int), mas é {_kind_words(actual)}"
        return None if actual == expected else "não confere com o valor esperado"
    if kind == "float":
        if not (_is_int(actual) or isinstance(actual, float)) or isinstance(actual, bool):
            return f"deveria ser um número real, mas é {_kind_words(actual)}"
        return None if close(actual, expected) else "não confere com o valor esperado"
    if kind == "tuple_int":
        if not isinstance(actual, tuple):
            return f"deveria ser uma tupla, mas é {_kind_words(actual)}"
        if len(actual) != len(expected):
            return f"deveria ter {len(expected)} elementos, mas tem {len(actual)}"
        for index, item in enumerate(actual):
            if not _is_int(item):
                return f"o elemento {index} deveria ser um número inteiro (int), mas é {_kind_words(item)}"
        return None if tuple(actual) == tuple(expected) else "não confere com o valor esperado"
    raise ValueError(f"tipo de comparação desconhecido: {kind}")


def _compare_array(actual, expected) -> str | None:
    expected = np.asarray(expected, dtype=float)
    if not isinstance(actual, np.ndarray):
        return f"deveria ser um array NumPy de números, mas é {_kind_words(actual)}"
    if actual.dtype.kind not in "iuf":
        return f"deveria ser um array de números, mas tem dtype {actual.dtype}"
    if actual.shape != expected.shape:
        return f"tem shape {_shape(actual.shape)}, e o esperado para esta entrada é {_shape(expected.shape)}"
    values = actual.astype(float)
    scale = max(1.0, float(np.max(np.abs(expected)))) if expected.size else 1.0
    wrong = ~(np.abs(values - expected) <= ATOL * scale + RTOL * np.abs(expected))
    if not wrong.any():
        return None
    first = tuple(int(i) for i in np.argwhere(wrong)[0])
    return (
        f"{format_number(int(wrong.sum()))} de {format_number(expected.size)} valores diferentes do "
        "esperado; "
        f"o primeiro na posição {first}, onde você devolveu {_number(values[first].item())}"
    )


# --- descrição das entradas


def _arg_words(arg) -> str:
    if isinstance(arg, np.ndarray):
        inteiros = " de inteiros" if arg.dtype.kind in "iu" else ""
        return f"array {_shape(arg.shape)}{inteiros}"
    return repr(arg)  # é código: números com ponto decimal, como o aluno os escreveria


def describe_args(name: str, args: tuple) -> str:
    """A chamada como o aluno a escreveria, com arrays resumidos pelo shape.

    Examples
    --------
    >>> describe_args("tamanho_saida", (10, 3, 1, "full"))
    "tamanho_saida(10, 3, 1, 'full')"
    >>> describe_args("pool2d", (np.ones((4, 6)), 2, None, "max"))
    "pool2d(array 4 × 6, 2, None, 'max')"
    """
    return f"{name}({', '.join(_arg_words(arg) for arg in args)})"


def _case_ref(item: str, index: int) -> str:
    return f'caso {index} de grading.cases("{item}")'


# --- veredictos


def _missing(name: str) -> Verdict:
    return Verdict(
        0.0,
        f"a correção não recebeu a resposta de {name}: confira se ela existe com este nome e se a célula "
        "dela roda sem erro depois de reiniciar o kernel.",
        "resposta ausente",
    )


def _not_written(name: str) -> Verdict:
    return Verdict(
        0.0,
        f"{name} ainda não foi escrita (levanta NotImplementedError): apague a linha do raise e escreva sua "
        "resposta.",
        "resposta em branco",
    )


def _borrowed(name: str, names) -> Verdict:
    used = ", ".join(names) if names else "um módulo que a tarefa pede para não usar"
    return Verdict(
        0.0,
        f"{name} usa {used}: esta tarefa pede que você implemente a operação (com NumPy, se quiser); uma "
        "resposta emprestada da biblioteca não ganha os pontos do item.",
        BORROWED,
    )


def function_results(payload: dict | None, item: str, name: str):
    """Os resultados decodificados, ou o veredito que encerra a conferência (sem resposta, emprestada...)."""
    if payload is None:
        return None, _missing(name)
    if payload.get("tipo") != "funcao":
        raise ValueError("tipo de resposta inesperado")
    if payload.get("valor") is None:
        received = decode(payload["recebido"]) if isinstance(payload.get("recebido"), dict) else None
        return None, Verdict(0.0, f"{name} deveria ser uma função; recebido: {_kind_words(received)}.")
    borrowed = payload.get("emprestadas") or []
    if not isinstance(borrowed, list):
        raise ValueError("lista de funções emprestadas malformada")
    if borrowed:
        return None, _borrowed(name, [str(b)[:80] for b in borrowed[:5]])
    values = payload["valor"]
    arguments = cases(item)
    if not isinstance(values, list) or len(values) != len(arguments):
        raise ValueError("número de resultados diferente do número de casos")
    results = [decode(value) for value in values]
    if any(isinstance(r, Raised) and r.is_a(BLOCKED_ERROR) for r in results):
        return None, _borrowed(name, [])
    if all(isinstance(r, Raised) and r.is_a("NotImplementedError") for r in results):
        return None, _not_written(name)
    return (arguments, results), None


def judge_function(
    payload: dict | None,
    item: str,
    *,
    reference: Callable,
    kind: str,
    expected: str,
    misconceptions: tuple = (),
    name: str | None = None,
) -> Verdict:
    """Confere os resultados da função do aluno nos casos públicos do item contra a referência.

    Parameters
    ----------
    payload : dict ou None
        A resposta registrada pelo coletor (``None``: nada foi registrado).
    item : str
        ``"<tarefa>/<nome>"``; os casos vêm de ``cnn_lib.grading.cases(item)``.
    reference : callable
        A referência confiável, chamada com os mesmos argumentos.
    kind : str
        Como comparar (veja :func:`compare`).
    expected : str
        O que se esperava, em termos gerais, para a mensagem de erro.
    misconceptions : tuple de Misconception
        Os erros conhecidos do item, na ordem em que são procurados.
    name : str, opcional
        O nome da função nas mensagens (padrão: o nome do item).

    Returns
    -------
    Verdict

    Examples
    --------
    >>> resultados = [{"t": "int", "v": n + 2 - 3} for n, *_ in cases("ex02_dimensoes/padding_para_manter")]
    >>> dados = {"tipo": "funcao", "valor": resultados, "emprestadas": []}
    >>> judge_function(dados, "ex02_dimensoes/padding_para_manter", reference=lambda k: (k - 1) // 2,
    ...                kind="int", expected="p = (k − 1)/2").score
    0.0
    """
    name = name or item.split("/", 1)[1]
    decoded, verdict = function_results(payload, item, name)
    if verdict is not None:
        return verdict
    arguments, results = decoded
    references = [reference(*_copies(args)) for args in arguments]
    failures = [
        (index, reason)
        for index, (result, ref) in enumerate(zip(results, references, strict=True))
        if (reason := compare(result, ref, kind)) is not None
    ]
    if not failures:
        return Verdict(1.0, f"{name} confere com a referência nos {len(arguments)} casos da correção.")
    first, reason = failures[0]
    call = f"{describe_args(name, arguments[first])} ({_case_ref(item, first)})"
    raised = isinstance(results[first], Raised)
    case = (
        f"{call} sua função {show(results[first])}"
        if raised
        else f"{call} você devolveu {show(results[first])}"
    )
    for wrong in misconceptions:
        if all(wrong.explains(arguments[i], results[i], references[i], kind) for i, _ in failures):
            return Verdict(0.0, f"{wrong.explanation}. Por exemplo, em {case}.", wrong.name)
    detail = "" if raised else f"; {reason}"
    return Verdict(
        0.0,
        f"{name} não confere em {len(failures)} de {len(arguments)} casos. Esperava-se: {expected}. "
        f"O primeiro caso que difere: em {case}{detail}.",
    )


def judge_raises(payload: dict | None, item: str, *, error: str = "ValueError", why: str) -> Verdict:
    """Confere que a função do aluno levanta ``error`` (ou uma subclasse) em cada caso inválido do item.

    Examples
    --------
    >>> dados = {"tipo": "funcao", "valor": [{"t": "int", "v": 0}] * 4, "emprestadas": []}
    >>> judge_raises(dados, "ex02_dimensoes/tamanho_saida_invalidos", why="entrada inválida").message
    'tamanho_saida deveria levantar ValueError em tamanho_saida(3, 5) (entrada inválida), mas devolveu 0.'
    """
    name = item.split("/", 1)[1].removesuffix("_invalidos")
    decoded, verdict = function_results(payload, item, name)
    if verdict is not None:
        return verdict
    arguments, results = decoded
    for args, result in zip(arguments, results, strict=True):
        call = describe_args(name, args)
        if not isinstance(result, Raised):
            return Verdict(
                0.0,
                f"{name} deveria levantar {error} em {call} ({why}), mas devolveu {show(result)}.",
                f"não levanta {error}",
            )
        if not result.is_a(error):
            return Verdict(
                0.0,
                f"{name} deveria levantar {error} em {call} ({why}), mas levantou {result.name}.",
                f"levanta outro erro em vez de {error}",
            )
    where = "na entrada inválida" if len(arguments) == 1 else f"nas {len(arguments)} entradas inválidas"
    return Verdict(1.0, f"{name} levanta {error} {where} da correção.")


def judge_value(
    payload: dict | None, name: str, *, reference, kind: str, expected: str, misconceptions: tuple = ()
) -> Verdict:
    """Confere um valor (não uma função) registrado pelo aluno.

    ``misconceptions`` são :class:`Misconception` cujo ``wrong`` não recebe argumentos. Para respostas
    escalares, a mensagem nunca mostra o valor esperado.

    Examples
    --------
    >>> dados = {"tipo": "valor", "valor": {"t": "int", "v": 4608}}
    >>> erro = Misconception("pooling ignorado", "é o valor de quem ignora o pooling", wrong=lambda: 4608)
    >>> veredito = judge_value(dados, "n", reference=128, kind="int", expected="...", misconceptions=(erro,))
    >>> veredito.misconception
    'pooling ignorado'
    """
    if payload is None:
        return _missing(name)
    if payload.get("tipo") != "valor":
        raise ValueError("tipo de resposta inesperado")
    actual = decode(payload["valor"])
    reason = compare(actual, reference, kind)
    if reason is None:
        return Verdict(1.0, f"{name} confere com a referência.")
    for wrong in misconceptions:
        if wrong.explains((), actual, reference, kind):
            return Verdict(0.0, f"{name} = {show(actual)}: {wrong.explanation}.", wrong.name)
    return Verdict(0.0, f"{name} = {show(actual)} {reason}. Esperava-se: {expected}.")


def judge_choice(payload: dict | None, name: str, *, correct: str, options: str, wrong: dict) -> Verdict:
    """Confere a letra de uma questão; ``wrong[letra] = (nome do erro, explicação)`` para as erradas.

    Examples
    --------
    >>> dados = {"tipo": "valor", "valor": {"t": "str", "v": " a "}}
    >>> judge_choice(dados, "q", correct="C", options="ABCD", wrong={"A": ("x", "y")}).misconception
    'x'
    """
    if payload is None:
        return _missing(name)
    answer = decode(payload.get("valor")) if payload.get("tipo") == "valor" else None
    letter = answer.strip().upper() if isinstance(answer, str) else None
    if letter is None or len(letter) != 1 or letter not in options:
        return Verdict(
            0.0, f"{name} deveria ser uma das letras {', '.join(options)}; recebido: {show(answer)}."
        )
    if letter == correct:
        return Verdict(1.0, f"{name}: alternativa correta.")
    misconception, explanation = wrong.get(letter, (None, "releia o enunciado"))
    return Verdict(0.0, f"{name} = {letter} não é a alternativa correta: {explanation}.", misconception)


def combine(*parts: tuple) -> Verdict:
    """Junta os veredictos das partes de uma célula, cada um com o seu peso: ``combine((2, v1), (1, v2))``.

    Examples
    --------
    >>> combine((3, Verdict(1.0, "✔ a")), (1, Verdict(0.0, "b falhou", "erro b"))).score
    0.75
    """
    total = sum(weight for weight, _ in parts)
    score = sum(weight * verdict.score for weight, verdict in parts) / total
    failed = [verdict for _, verdict in parts if verdict.score < 1.0]
    shown = failed or [verdict for _, verdict in parts]
    message = " ".join(dict.fromkeys(verdict.message for verdict in shown))
    misconception = next((verdict.misconception for verdict in failed if verdict.misconception), None)
    if misconception == BORROWED:  # a função emprestada perde o item inteiro, não só a parte dos valores
        score = 0.0
    return Verdict(round(score, 6), message, misconception)
