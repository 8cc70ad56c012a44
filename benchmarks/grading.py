"""Quanto tempo o ``nbgrader autograde`` leva por submissão e para uma turma inteira.

Monta um curso temporário com a configuração do repositório (a mesma dos testes, ``tests/nbgrader_utils.py``),
gera a tarefa, entrega a solução por ``--alunos`` alunos e corrige: primeiro um aluno sozinho (uma chamada do
``nbgrader`` por submissão, o pior caso), depois a turma inteira em paralelo (``python -m cnn_grader autograde
--jobs N``, por padrão um processo por núcleo). Imprime o tempo de relógio e o tempo de CPU de cada etapa e as
metas da issue 10 (uma entrega do ex02 em até 5 s; 50 entregas do ex05 em até 5 min numa máquina de 2
núcleos); o de CPU é o dos processos filhos já terminados (``getrusage``).

Uso::

    .venv/bin/python benchmarks/grading.py                      # ex02_dimensoes, turma de 30
    .venv/bin/python benchmarks/grading.py --tarefa ex05_pratica --alunos 50 --jobs 2
"""

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from nbgrader_utils import (
    ASSIGNMENTS,
    autograde,
    fill,
    generate,
    make_course,
    scores,
    solution_sources,
    source_notebook,
    submit,
)

from cnn_grader.parallel import autograde as autograde_in_parallel


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(step):
    wall, cpu = time.perf_counter(), _children_cpu()
    step()
    return time.perf_counter() - wall, _children_cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tarefa", default="ex02_dimensoes", choices=ASSIGNMENTS)
    parser.add_argument("--alunos", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=None, help="processos em paralelo (padrão: núcleos)")
    args = parser.parse_args()
    assignment, students = args.tarefa, [f"aluno{i:02d}" for i in range(args.alunos)]

    with tempfile.TemporaryDirectory() as tmp:
        course = make_course(Path(tmp), [assignment])
        release = generate(course, assignment)
        notebook = fill(release, solution_sources(source_notebook(assignment)))

        submit(course, assignment, students[0], notebook)
        one = _timed(lambda: autograde(course, assignment, "--student", students[0]))
        for student in students[1:]:
            submit(course, assignment, student, notebook)
        everyone = _timed(
            lambda: autograde_in_parallel(course, assignment, jobs=args.jobs, extra=["--force"])
        )
        grades = {score.total for score in scores(course, assignment).values()}

    count = len(students)
    print(f"nbgrader autograde de {assignment} (solução completa em cada submissão; notas: {sorted(grades)})")
    print(f"{'etapa':<44}{'relógio (s)':>12}{'CPU (s)':>10}")
    print(f"{'1 submissão, uma chamada do nbgrader':<44}{one[0]:>12.1f}{one[1]:>10.1f}")
    print(f"{f'turma de {count}, em paralelo':<44}{everyone[0]:>12.1f}{everyone[1]:>10.1f}")
    print(f"{'  por submissão':<44}{everyone[0] / count:>12.1f}{everyone[1] / count:>10.1f}")
    print(f"meta: 1 entrega do ex02 <= 5 s; turma de 50 do ex05 <= 300 s ({os.cpu_count()} núcleos aqui)")


if __name__ == "__main__":
    main()
