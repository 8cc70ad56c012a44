"""O veredito de cada célula de nota, calculado fora do kernel do aluno (pré-processador do ``nbgrader``).

:class:`Verdicts` entra em ``c.Autograde.autograde_preprocessors`` logo depois da execução na caixa de areia.
O kernel do aluno só produziu dados: as saídas ``application/vnd.cnn-curso.resposta+json`` que
``cnn_lib.grading.collect`` emitiu nas células de teste. Para cada célula de nota automática, este passo,
que roda no processo do ``nbgrader`` e não executa código do aluno:

1. pega só as respostas registradas **naquela célula** (mais de uma para o mesmo item, uma resposta
   malformada ou grande demais: zero, com o motivo);
2. chama a conferência registrada em :mod:`cnn_grader.items` (que recalcula as referências com o ``cnn_lib``
   confiável);
3. **substitui todas as saídas da célula** pelo veredito: acerto → ``✔ ...`` na saída padrão; acerto
   parcial → a mensagem e um ``execute_result`` com os pontos (o ``nbgrader`` dá crédito parcial assim);
   erro → uma saída ``error`` com a mensagem em português, sem traceback de teste;
4. grava um registro por aluno e tarefa em ``<raiz do curso>/relatorios/registros/``
   (:mod:`cnn_grader.records`) para o relatório da turma.

Uma célula de nota sem conferência registrada é um erro do **instrutor**: a correção daquela entrega para com
:class:`InstructorError`, e o ``nbgrader autograde`` para a turma toda com código diferente de zero; uma
conferência que falha por outro motivo também para (é um erro de quem corrige, não do aluno).

Examples
--------
>>> from nbformat.v4 import new_code_cell, new_notebook, new_output
>>> dados = {"item": "ex02_dimensoes/entradas_densa", "tipo": "valor", "valor": {"t": "int", "v": 7}}
>>> saida = new_output("display_data", data={MIME: dados, "text/plain": "Resposta registrada"})
>>> celula = new_code_cell("grading.collect(...)", outputs=[saida])
>>> celula.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "testes_entradas_densa",
...                                "points": 2}
>>> corretor = Verdicts(write_records=False)
>>> nb, _ = corretor.preprocess(new_notebook(cells=[celula]), _resources("ex02_dimensoes"))
>>> nb.cells[0].outputs[0].ename
'Resposta não aceita'
"""

import json
import re
import traceback
from pathlib import Path

from nbformat.v4 import new_output
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, Integer

from cnn_grader import records
from cnn_grader.items import BLOCKED_ERROR, Context, Verdict, load
from cnn_grader.sandbox import InstructorSetupError
from cnn_lib.formatting import format_decimal
from cnn_lib.grading import MAX_BYTES, MIME

__all__ = ["ERROR_NAME", "MIME", "InstructorError", "Verdicts", "payloads_of", "render"]

ERROR_NAME = "Resposta não aceita"
# Erros que dados estranhos vindos do kernel provocam nas conferências (um erro de outro tipo é do instrutor).
_MALFORMED = (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError, OverflowError)
_KINDS = ("funcao", "valor", "modelo")


class InstructorError(InstructorSetupError):
    """Um problema na configuração do curso (não na entrega do aluno): a correção inteira para."""


def _is_test_cell(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.cell_type == "code" and meta.get("grade", False) and not meta.get("solution", False)


def _payload_problem(data, assignment: str, limit: int) -> str | None:
    """Por que uma resposta registrada não pode ser usada (``None`` se pode)."""
    if isinstance(data, str):
        if len(data) > limit:
            return "grande demais"
        try:
            data = json.loads(data)
        except ValueError:
            return "malformada"
    if not isinstance(data, dict):
        return "malformada"
    if len(json.dumps(data)) > limit:
        return "grande demais"
    item = data.get("item")
    if not isinstance(item, str) or not item.startswith(f"{assignment}/") or data.get("tipo") not in _KINDS:
        return "malformada"
    if "valor" not in data:
        return "malformada"
    return None


def payloads_of(cell, assignment: str, limit: int = MAX_BYTES + 2**16) -> tuple[dict, str | None]:
    """As respostas registradas na célula, por item, e o motivo de recusá-las todas (ou ``None``).

    Parameters
    ----------
    cell : nbformat.NotebookNode
        A célula de teste, já executada.
    assignment : str
        A tarefa; respostas de itens de outra tarefa são recusadas.
    limit : int
        Tamanho máximo de uma resposta, em caracteres JSON.

    Returns
    -------
    (dict, str ou None)

    Examples
    --------
    >>> from nbformat.v4 import new_code_cell, new_output
    >>> dados = {"item": "ex02_dimensoes/x", "tipo": "valor", "valor": {"t": "int", "v": 1}}
    >>> saidas = [new_output("display_data", data={MIME: dados}) for _ in range(2)]
    >>> payloads_of(new_code_cell("", outputs=saidas), "ex02_dimensoes")[1]
    'mais de uma resposta registrada para o item x'
    """
    found, problem = {}, None
    for output in cell.get("outputs", []):
        if output.get("output_type") not in ("display_data", "execute_result", "update_display_data"):
            continue
        if MIME not in output.get("data", {}):
            continue
        data = output["data"][MIME]
        reason = _payload_problem(data, assignment, limit)
        if reason is not None:
            problem = problem or f"uma resposta registrada nesta célula está {reason}"
            continue
        data = json.loads(data) if isinstance(data, str) else data
        name = data["item"].split("/", 1)[1]
        if data["item"] in found:
            problem = problem or f"mais de uma resposta registrada para o item {name}"
        found[data["item"]] = data
    return found, problem


def _sentence(message: str) -> str:
    """A mensagem com maiúscula inicial, menos quando começa por um nome do código (``pool2d``)."""
    first = message.split(" ", 1)[0]
    return message[:1].upper() + message[1:] if first.isalpha() else message


def render(verdict: Verdict, points: float) -> list:
    """As saídas que substituem as da célula de teste: o veredito em português e, se parcial, os pontos.

    Examples
    --------
    >>> [o.output_type for o in render(Verdict(0.5, "metade certa"), 2)]
    ['stream', 'execute_result']
    >>> render(Verdict(0.5, "metade certa"), 2)[1].data["text/plain"]
    '1.0'
    """
    text = _sentence(verdict.message.removeprefix("✔ "))
    if verdict.score >= 1.0:
        return [new_output("stream", name="stdout", text=f"✔ {text}\n")]
    if verdict.score <= 0.0:
        return [new_output("error", ename=ERROR_NAME, evalue=text, traceback=[f"✘ {text}"])]
    earned = round(verdict.score * points, 4)
    credit = f"Crédito parcial: {format_decimal(earned, 2)} de {format_decimal(points, 2)} pontos."
    return [
        new_output("stream", name="stdout", text=f"◐ {credit} {text}\n"),
        new_output("execute_result", data={"text/plain": repr(earned)}, execution_count=None),
    ]


def _with_cell_error(verdict: Verdict, cell, blocked: bool) -> Verdict:
    """Sem resposta registrada, diz ao aluno com que erro a célula de teste parou (só o nome da exceção).

    ``blocked``: alguma célula do notebook parou ao importar um módulo que a tarefa esconde na correção.
    """
    if verdict.misconception != "resposta ausente":
        return verdict
    if blocked:
        return Verdict(
            verdict.score,
            f"{verdict.message.rstrip('.')} (o notebook importa um módulo que esta tarefa pede para "
            "não usar, e ele não está disponível na correção: implemente a operação você mesmo).",
            "função emprestada da biblioteca",
        )
    names = [
        output.get("ename", "") for output in cell.get("outputs", []) if output.get("output_type") == "error"
    ]
    name = re.sub(r"[^A-Za-z0-9_.]", "", str(names[0]))[:60] if names else ""
    if not name:
        return verdict
    hint = f"a célula de teste parou com {name}"
    if name == "NameError":
        hint += ": o nome não existe no notebook (a célula da resposta rodou sem erro?)"
    return Verdict(verdict.score, f"{verdict.message.rstrip('.')} ({hint}).", verdict.misconception)


def _resources(assignment: str, student: str = "aluno") -> dict:
    """Recursos mínimos do ``nbgrader`` (para os exemplos e os testes)."""
    return {"nbgrader": {"assignment": assignment, "student": student}}


class Verdicts(NbGraderPreprocessor):
    """Pré-processador do ``nbgrader autograde``: o veredito de cada célula de nota, fora do kernel."""

    max_payload_chars = Integer(MAX_BYTES + 2**16, help="Tamanho máximo de uma resposta registrada").tag(
        config=True
    )
    write_records = Bool(True, help="Gravar os registros da turma em relatorios/registros").tag(config=True)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        assignment, student = info["assignment"], info["student"]
        registry = load()
        cells = [cell for cell in nb.cells if _is_test_cell(cell)]
        missing = [cell.metadata.nbgrader["grade_id"] for cell in cells]
        missing = [grade_id for grade_id in missing if (assignment, grade_id) not in registry]
        if missing:
            raise InstructorError(
                f"erro do instrutor: a tarefa {assignment} tem células de nota sem conferência registrada em "
                f"cnn_grader.items ({', '.join(missing)}); nenhuma entrega pode ser corrigida assim"
            )
        answers_dir = resources.get("cnn_respostas_dir")
        blocked = any(
            output.get("ename") == BLOCKED_ERROR for cell in nb.cells for output in cell.get("outputs", [])
        )
        rows = []
        for cell in cells:
            meta = cell.metadata.nbgrader
            context = Context(
                assignment, student, Path(answers_dir) if answers_dir else None, meta["grade_id"]
            )
            verdict = self._judge(cell, registry[(assignment, meta["grade_id"])], context)
            verdict = _with_cell_error(verdict, cell, blocked)
            points = float(meta.get("points", 0))
            cell.outputs = render(verdict, points)
            rows.append(records.row(meta["grade_id"], verdict, points))
        if self.write_records:
            root = Path(CourseDirectory(config=self.config).root)
            records.write(root, assignment, student, rows)
        return nb, resources

    def _judge(self, cell, check, context: Context) -> Verdict:
        payloads, problem = payloads_of(cell, context.assignment, self.max_payload_chars)
        if problem is not None:
            return Verdict(0.0, f"{problem}: a correção não a aceita.", "resposta registrada inválida")
        try:
            return check(payloads, context)
        except _MALFORMED as error:  # dados malformados vindos do kernel: zero, e a correção segue
            self.log.warning(
                "resposta malformada de %s em %s: %s\n%s",
                context.student,
                context.grade_id,
                error,
                traceback.format_exc(),
            )
            return Verdict(
                0.0,
                "a resposta registrada está malformada: a correção não a aceita.",
                "resposta registrada inválida",
            )
        except Exception as error:
            self.log.error(
                "erro da correção (não do aluno) em %s/%s, aluno %s:\n%s",
                context.assignment,
                context.grade_id,
                context.student,
                traceback.format_exc(),
            )
            raise InstructorError(
                f"a conferência de {context.assignment}/{context.grade_id} falhou ao julgar a entrega de "
                f"{context.student}: {error}"
            ) from error
