"""Os registros da turma: o veredito de cada célula de cada aluno, para o relatório do professor.

Um arquivo JSON por aluno e tarefa em ``<raiz do curso>/relatorios/registros/<tarefa>/<aluno>.json``,
reescrito a cada correção (a escrita é atômica: quem lê nunca vê um arquivo pela metade).

Examples
--------
>>> import tempfile
>>> from cnn_grader.items import Verdict
>>> raiz = Path(tempfile.mkdtemp())
>>> linha = row("testes_pool2d", Verdict(0.0, "o máximo começa em 0", "max pooling que começa em 0"), 3)
>>> caminho = write(raiz, "ex03_pooling_regularizacao", "ana", [linha])
>>> read(raiz, "ex03_pooling_regularizacao")["ana"][0]["misconception"]
'max pooling que começa em 0'
"""

import json
import os
import tempfile
from pathlib import Path

__all__ = ["directory", "read", "row", "write"]


def directory(root: Path, assignment: str) -> Path:
    """A pasta dos registros da tarefa."""
    return Path(root) / "relatorios" / "registros" / assignment


def row(grade_id: str, verdict, points: float) -> dict:
    """O registro de uma célula: pontos ganhos, máximo, erro conhecido e a mensagem do aluno."""
    return {
        "celula": grade_id,
        "pontos": round(verdict.score * points, 4),
        "maximo": points,
        "misconception": verdict.misconception,
        "mensagem": verdict.message,
    }


def _safe_name(student: str) -> str:
    if not student or student.startswith(".") or "/" in student or "\\" in student or "\0" in student:
        raise ValueError(f"identificador de aluno impróprio para nome de arquivo: {student!r}")
    return student


def write(root: Path, assignment: str, student: str, rows: list) -> Path:
    """Grava (atomicamente) o registro do aluno na tarefa e devolve o caminho."""
    folder = directory(root, assignment)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{_safe_name(student)}.json"
    data = {"tarefa": assignment, "aluno": student, "celulas": rows}
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".json")
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        json.dump(data, file, ensure_ascii=False, indent=1)
    os.replace(temporary, path)
    return path


def read(root: Path, assignment: str) -> dict[str, list]:
    """Os registros da tarefa: ``{aluno: [linha por célula]}`` (vazio se a tarefa não foi corrigida)."""
    result = {}
    folder = directory(root, assignment)
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        data = json.loads(path.read_text(encoding="utf-8"))
        result[data["aluno"]] = data["celulas"]
    return result
