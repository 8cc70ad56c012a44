"""Um curso nbgrader temporário para os testes: gera as tarefas, simula uma turma, corrige e lê as notas.

Tudo passa pela linha de comando verdadeira (``.venv/bin/nbgrader``, com o ``bin`` do ambiente no ``PATH``,
porque o nbgrader roda o ``alembic`` como subprocesso), com a configuração do repositório
(``nbgrader_config.py`` e, se existir, ``nbgrader_sandbox.py``).

Fluxo típico::

    course = make_course(tmp_path, ["ex02_dimensoes"])
    release = generate(course, "ex02_dimensoes")
    answers = solution_sources(source_notebook("ex02_dimensoes"))
    submit(course, "ex02_dimensoes", "gabarito", fill(release, answers))
    autograde(course, "ex02_dimensoes")
    scores(course, "ex02_dimensoes")["gabarito"].total
"""

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ASSIGNMENTS = (
    "ex01_convolucao",
    "ex02_dimensoes",
    "ex03_pooling_regularizacao",
    "ex04_parametros_arquiteturas",
    "ex05_pratica",
)
CONFIG_FILES = ("nbgrader_config.py", "nbgrader_sandbox.py")


def nbgrader_env() -> dict:
    """Ambiente dos subprocessos: o ``bin`` da venv primeiro no ``PATH`` e o TensorFlow em silêncio."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", TF_ENABLE_ONEDNN_OPTS="0", PYTHONHASHSEED="0")
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def run_nbgrader(course: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    """Roda ``nbgrader <args>`` na raiz do curso; falha com a saída completa se o comando falhar."""
    result = subprocess.run(
        [str(BIN / "nbgrader"), *args],
        cwd=course,
        env=nbgrader_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(f"nbgrader {' '.join(args)} falhou ({result.returncode}):\n{result.stderr}")
    return result


def source_notebook(assignment: str) -> Path:
    """O notebook do instrutor no repositório: ``solutions/<tarefa>/<tarefa>.ipynb``."""
    return REPO / "solutions" / assignment / f"{assignment}.ipynb"


def make_course(root: Path, assignments=ASSIGNMENTS) -> Path:
    """Cria um curso em ``root/curso`` com a configuração do repositório e as tarefas pedidas."""
    course = root / "curso"
    (course / "solutions").mkdir(parents=True)
    for name in CONFIG_FILES:
        if (REPO / name).exists():
            shutil.copy(REPO / name, course / name)
    for assignment in assignments:
        shutil.copytree(REPO / "solutions" / assignment, course / "solutions" / assignment)
    return course


def generate(course: Path, assignment: str) -> Path:
    """``nbgrader generate_assignment``; devolve o notebook do aluno gerado em ``exercises/``."""
    run_nbgrader(course, "generate_assignment", assignment, "--force")
    return course / "exercises" / assignment / f"{assignment}.ipynb"


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def is_test_cell(cell) -> bool:
    """Célula de nota automática (código com ``grade`` e sem ``solution``)."""
    meta = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and meta.get("grade") and not meta.get("solution")


def solution_sources(path: Path) -> dict[str, str]:
    """O conteúdo das células de solução (código e texto), sem as linhas ``### BEGIN/END SOLUTION``.

    Por ``grade_id``: é o que um aluno que acertou tudo teria escrito.
    """
    sources = {}
    for cell in read(path).cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            lines = [line for line in cell.source.split("\n") if "BEGIN SOLUTION" not in line]
            sources[grade_id(cell)] = "\n".join(line for line in lines if "END SOLUTION" not in line)
    return sources


def fill(release: Path, answers: dict[str, str]) -> nbformat.NotebookNode:
    """O notebook do aluno com as células de solução de ``answers`` (por ``grade_id``) preenchidas."""
    nb = read(release)
    unknown = set(answers) - {grade_id(cell) for cell in nb.cells}
    if unknown:
        raise KeyError(f"células inexistentes: {sorted(unknown)}")
    for cell in nb.cells:
        if grade_id(cell) in answers:
            cell.source = answers[grade_id(cell)]
    return nb


def submit(course: Path, assignment: str, student: str, nb: nbformat.NotebookNode) -> Path:
    """Põe a entrega em ``submitted/<aluno>/<tarefa>/<tarefa>.ipynb``, com o ``timestamp.txt`` do nbgrader."""
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / f"{assignment}.ipynb")
    (folder / "timestamp.txt").write_text("2026-11-23 12:00:00.000000 UTC")
    return folder / f"{assignment}.ipynb"


def autograde(course: Path, assignment: str, *args: str) -> float:
    """``nbgrader autograde`` de todos os alunos entregues da tarefa numa só chamada; devolve os segundos."""
    start = time.perf_counter()
    run_nbgrader(course, "autograde", assignment, "--force", *args)
    return time.perf_counter() - start


def generate_feedback(course: Path, assignment: str) -> None:
    run_nbgrader(course, "generate_feedback", assignment, "--force")


def feedback_html(course: Path, assignment: str, student: str) -> str:
    return (course / "feedback" / student / assignment / f"{assignment}.html").read_text(encoding="utf-8")


@dataclass
class Score:
    """Nota automática de um aluno: o total das células corrigidas pelo código e cada uma por ``grade_id``."""

    total: float
    cells: dict[str, float]


def scores(course: Path, assignment: str) -> dict[str, Score]:
    """As notas automáticas lidas do gradebook (``gradebook.db`` na raiz do curso), por aluno."""
    from nbgrader.api import Gradebook

    result = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for submission in gradebook.assignment_submissions(assignment):
            cells = {
                grade.name: grade.auto_score
                for notebook in submission.notebooks
                for grade in notebook.grades
                if grade.auto_score is not None
            }
            result[submission.student_id] = Score(total=sum(cells.values()), cells=cells)
    return result


def validate(course: Path, notebooks: list[Path]) -> dict[Path, str]:
    """``nbgrader validate`` de vários notebooks numa só chamada; devolve o relatório de cada um.

    Roda na raiz do curso (com a sua configuração); a saída e o log vão juntos, sem buffer, para que cada
    relatório fique depois da linha ``Validating '<notebook>'`` do seu notebook.
    """
    result = subprocess.run(
        [str(BIN / "nbgrader"), "validate", *map(str, notebooks)],
        cwd=course,
        env=dict(nbgrader_env(), PYTHONUNBUFFERED="1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=900,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(f"nbgrader validate falhou ({result.returncode}):\n{result.stdout}")
    reports = {}
    for section in result.stdout.split("Validating '")[1:]:
        path, _, report = section.partition("'")
        reports[Path(path).resolve()] = report
    return reports


class Graded:
    """Uma tarefa corrigida: o curso, as respostas de cada aluno e o tempo do autograde."""

    def __init__(self, course, assignment, students, seconds):
        self.course, self.assignment, self.students, self.seconds = course, assignment, students, seconds

    def notebook(self, student):
        return read(self.course / "autograded" / student / self.assignment / f"{self.assignment}.ipynb")

    def verdict_texts(self, student) -> dict[str, str]:
        """O texto que o veredito deixou em cada célula de nota automática do notebook corrigido."""
        texts = {}
        for cell in self.notebook(student).cells:
            if is_test_cell(cell):
                parts = [o.get("text", "") + o.get("evalue", "") for o in cell.outputs]
                texts[grade_id(cell)] = "\n".join(parts)
        return texts


def grade_class(root: Path, assignment: str, students: dict) -> Graded:
    """Gera a tarefa num curso novo em ``root``, entrega a turma, corrige (uma chamada) e gera o retorno.

    ``students``: as respostas de cada aluno por grade_id (``None``: o notebook recebido, sem mudanças).
    """
    course = make_course(root, [assignment])
    release = generate(course, assignment)
    for student, answers in students.items():
        nb = read(release) if answers is None else fill(release, answers)
        submit(course, assignment, student, nb)
    seconds = autograde(course, assignment)
    start = time.perf_counter()
    generate_feedback(course, assignment)
    print(
        f"\n{assignment}: autograde de {len(students)} entregas em {seconds:.0f} s; "
        f"generate_feedback em {time.perf_counter() - start:.0f} s"
    )
    return Graded(course, assignment, students, seconds)


def assert_release_matches_committed(course: Path, assignment: str) -> None:
    """A versão do aluno gerada agora pelo nbgrader é a mesma que está em ``exercises/``."""
    generated = read(course / "exercises" / assignment / f"{assignment}.ipynb")
    committed = read(REPO / "exercises" / assignment / f"{assignment}.ipynb")
    assert generated.metadata == committed.metadata
    assert [(c.cell_type, c.get("id"), c.source, c.metadata) for c in generated.cells] == [
        (c.cell_type, c.get("id"), c.source, c.metadata) for c in committed.cells
    ]


def misconception_students(misconceptions) -> list[dict]:
    """Os erros conhecidos ``(célula, nome, respostas)`` agrupados em alunos simulados.

    No máximo um erro por célula de teste e nenhuma célula de solução repetida num mesmo aluno; cada aluno é
    ``{"cells": {célula: nome do erro}, "answers": {grade_id: código}}``.
    """
    students = []
    for cell, name, answers in misconceptions:
        for student in students:
            if cell not in student["cells"] and not set(answers) & set(student["answers"]):
                break
        else:
            student = {"cells": {}, "answers": {}}
            students.append(student)
        student["cells"][cell] = name
        student["answers"].update(answers)
    return students
