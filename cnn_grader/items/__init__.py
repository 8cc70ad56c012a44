"""O registro das conferências: para cada célula de nota automática, quem julga os dados que o aluno produziu.

``REGISTRY[(tarefa, grade_id)]`` é uma conferência (:data:`Check`): um chamável
``check(payloads, context) -> Verdict`` que recebe as respostas registradas por ``cnn_lib.grading.collect``
**naquela célula** (``payloads``: ``{item: payload}``, já validados pelo :mod:`cnn_grader.verdict`) e o
:class:`Context` da correção, recalcula as referências com o ``cnn_lib`` confiável e devolve o
:class:`Verdict`. Gabaritos, referências e erros conhecidos ficam só aqui, do lado do professor.

Cada tarefa tem o seu módulo (``cnn_grader/items/ex01.py``...), que registra as suas células com
:func:`register`; :func:`load` importa todos os módulos do pacote.

Examples
--------
>>> @register("tarefa_de_exemplo", "testes_resposta")
... def _conferir(payloads, context):
...     return Verdict(1.0, "✔ resposta registrada.")
>>> REGISTRY[("tarefa_de_exemplo", "testes_resposta")]({}, Context("tarefa_de_exemplo", "ana"))
Verdict(score=1.0, message='✔ resposta registrada.', misconception=None)
>>> del REGISTRY[("tarefa_de_exemplo", "testes_resposta")]
"""

import importlib
import importlib.util
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "BLOCKED",
    "BLOCKED_ERROR",
    "REGISTRY",
    "Check",
    "Context",
    "Verdict",
    "check_for",
    "load",
    "register",
    "stub_source",
]


@dataclass(frozen=True)
class Verdict:
    """O veredito de uma célula de nota.

    Attributes
    ----------
    score : float
        A fração dos pontos da célula, em [0, 1].
    message : str
        O que o aluno lê no retorno, em português (sem o valor esperado de uma resposta que ele poderia
        copiar).
    misconception : str ou None
        O nome, em português, do erro conhecido que a resposta cometeu (para o relatório da turma).
    """

    score: float
    message: str
    misconception: str | None = None

    def __post_init__(self):
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"score deve estar em [0, 1]; recebido: {self.score}")


@dataclass(frozen=True)
class Context:
    """O que a correção sabe da entrega, além das respostas registradas.

    Attributes
    ----------
    assignment : str
        A tarefa (``"ex02_dimensoes"``).
    student : str
        O aluno.
    respostas_dir : pathlib.Path ou None
        Pasta com as cópias dos arquivos que o kernel salvou em ``respostas/`` (modelos ``.keras``); ``None``
        se não houver.
    grade_id : str
        A célula de nota sendo julgada.
    """

    assignment: str
    student: str
    respostas_dir: Path | None = None
    grade_id: str = ""


Check = Callable[[dict, Context], Verdict]

REGISTRY: dict[tuple[str, str], Check] = {}


def _library_modules() -> tuple[str, ...]:
    """Os módulos do ``cnn_lib`` que fazem contas (todos menos os que o notebook do aluno precisa)."""
    import cnn_lib

    kept = {"grading", "grading_cases", "formatting", "_validation"}
    return tuple(f"cnn_lib.{m.name}" for m in pkgutil.iter_modules(cnn_lib.__path__) if m.name not in kept)


# Módulos escondidos do kernel do aluno na correção de cada tarefa (a caixa de areia monta por cima deles um
# substituto que falha ao ser usado, veja :func:`blocked_files`): a tarefa pede para implementar o que eles
# fazem. NumPy continua livre. São os mesmos que ``cnn_lib.grading.FORBIDDEN_MODULES`` anota na coleta.
BLOCKED: dict[str, tuple[str, ...]] = {
    "ex01_convolucao": (*_library_modules(), "tensorflow", "keras", "scipy"),
    "ex02_dimensoes": (*_library_modules(), "tensorflow", "keras"),
    "ex03_pooling_regularizacao": (*_library_modules(), "tensorflow", "keras", "scipy"),
    "ex06_retropropagacao": (*_library_modules(), "tensorflow", "keras", "scipy"),
    "ex07_alem_do_basico": (*_library_modules(), "tensorflow", "keras"),
}
_NAMED_STUBS = ("cnn_lib.ops", "cnn_lib.shapes")  # o cnn_lib/__init__.py importa nomes deles


BLOCKED_ERROR = "ModuloBloqueado"

_STUB_HEAD = f'''"""Substituto montado pela correção: nesta tarefa, {{module}} não está disponível."""


class {BLOCKED_ERROR}(ImportError):
    """Um módulo que a tarefa pede para não usar (a resposta tem de implementar a operação)."""


_MENSAGEM = (
    "{{module}} não está disponível na correção desta tarefa: o exercício pede que você implemente a "
    "operação (com NumPy, se quiser)"
)
'''


def stub_source(module: str) -> str:
    """O código do substituto que a caixa de areia monta por cima de ``module`` na correção.

    Para ``cnn_lib.ops`` e ``cnn_lib.shapes``: um módulo com os mesmos nomes públicos (o ``cnn_lib`` os
    importa ao carregar), cada um uma função que levanta ``ModuloBloqueado``. Para os outros
    (``tensorflow``, ``keras``, ``scipy``): um ``__init__.py`` que levanta ``ModuloBloqueado`` ao ser
    importado.
    ``ModuloBloqueado`` é subclasse de ``ImportError``; a correção reconhece o nome e tira os pontos do item.

    Examples
    --------
    >>> namespace = {}
    >>> exec(stub_source("cnn_lib.ops"), namespace)
    >>> namespace["conv2d"](1, 2)
    Traceback (most recent call last):
    ...
    ModuloBloqueado: cnn_lib.ops não está disponível na correção desta tarefa: o exercício pede ...
    >>> exec(stub_source("tensorflow"), {})
    Traceback (most recent call last):
    ...
    ModuloBloqueado: tensorflow não está disponível na correção desta tarefa: o exercício pede ...
    """
    head = _STUB_HEAD.format(module=module)
    if module not in _NAMED_STUBS:
        return head + f"\nraise {BLOCKED_ERROR}(_MENSAGEM)\n"
    trusted = importlib.import_module(module)
    names = sorted(
        name
        for name, value in vars(trusted).items()
        if not name.startswith("_") and getattr(value, "__module__", None) == module
    )
    # Uma função com o nome verdadeiro para cada nome público: a coleta anota a chamada pelo nome do código.
    body = [f"\n\ndef {name}(*args, **kwargs):\n    raise {BLOCKED_ERROR}(_MENSAGEM)\n" for name in names]
    return head + "".join(body)


def blocked_files(assignment: str, folder) -> dict[str, str]:
    """Escreve em ``folder`` os substitutos dos módulos bloqueados da tarefa; devolve o que montar por cima.

    O resultado vai para ``SandboxKernelManager.replace_files`` (caminho instalado → substituto). Além do
    arquivo do módulo (o ``__init__.py``, se for um pacote), os ``.pyc`` dele em ``__pycache__`` também são
    cobertos (um ``.pyc`` pode ser carregado direto). Módulos que não estão instalados são ignorados.

    Parameters
    ----------
    assignment : str
        A tarefa; tarefas sem módulos bloqueados dão ``{}``.
    folder : str ou pathlib.Path
        Pasta (do corretor, fora da caixa de areia) onde os substitutos são escritos.

    Returns
    -------
    dict de str para str

    Examples
    --------
    >>> import tempfile
    >>> montagens = blocked_files("ex02_dimensoes", tempfile.mkdtemp())
    >>> any(caminho.endswith("cnn_lib/ops.py") for caminho in montagens)
    True
    >>> blocked_files("ex05_pratica", tempfile.mkdtemp())
    {}
    """
    folder, mapping = Path(folder), {}
    for module in BLOCKED.get(assignment, ()):
        spec = importlib.util.find_spec(module)
        if spec is None or not spec.origin or not spec.origin.endswith(".py"):
            continue
        stub = folder / f"{module.replace('.', '_')}.py"
        stub.write_text(stub_source(module), encoding="utf-8")
        origin = Path(spec.origin)
        mapping[str(origin)] = str(stub)
        for cached in sorted(origin.parent.glob(f"__pycache__/{origin.stem}.*.pyc")):
            mapping[str(cached)] = str(stub)
    return mapping


def register(assignment: str, *grade_ids: str):
    """Decorador: registra a conferência para as células ``grade_ids`` da tarefa ``assignment``.

    Parameters
    ----------
    assignment : str
        A tarefa.
    *grade_ids : str
        As células de nota julgadas por esta conferência.

    Raises
    ------
    ValueError
        Se uma célula já tem conferência registrada.
    """

    def decorator(check: Check) -> Check:
        for grade_id in grade_ids:
            key = (assignment, grade_id)
            if key in REGISTRY and REGISTRY[key] is not check:
                raise ValueError(f"a célula {grade_id} de {assignment} já tem uma conferência registrada")
            REGISTRY[key] = check
        return check

    return decorator


def load() -> dict[tuple[str, str], Check]:
    """Importa os módulos de conferências do pacote (``ex01``, ``ex02``...) e devolve o registro.

    Examples
    --------
    >>> ("ex02_dimensoes", "testes_tamanho_saida") in load()
    True
    """
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    return REGISTRY


def check_for(assignment: str, grade_id: str) -> Check | None:
    """A conferência registrada para a célula, ou ``None`` (um erro do instrutor).

    Examples
    --------
    >>> check_for("ex02_dimensoes", "celula_que_nao_existe") is None
    True
    """
    return load().get((assignment, grade_id))
