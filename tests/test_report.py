"""Relatório da turma (cnn_grader.report): uma turma simulada com erros conhecidos dá as contagens certas.

A turma tem um gradebook verdadeiro do nbgrader (criado pela API dele) e os registros do veredito gravados por
``cnn_grader.records``, como depois de um ``nbgrader autograde``.
"""

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from cnn_grader import records, report
from cnn_grader.items import Verdict

REPO = Path(__file__).resolve().parents[1]
TAREFA = "ex04_parametros_arquiteturas"
CELULAS = {"testes_params_conv": 2.0, "testes_construir_lenet5": 3.0, "testes_resumo": 1.0}

# aluno -> {célula: (fração dos pontos, erro conhecido)}; o que falta vale a nota cheia sem erro.
TURMA = {
    "ana": {},
    "bruno": {"testes_params_conv": (0.5, "viés esquecido")},
    "carla": {"testes_params_conv": (0.5, "viés esquecido"), "testes_construir_lenet5": (0.0, None)},
    "davi": {
        "testes_params_conv": (0.25, "viés contado por canal de entrada"),
        "testes_construir_lenet5": (0.0, "ativação errada nas camadas ocultas; falta a softmax na saída"),
    },
    "eva": {"testes_construir_lenet5": (2 / 3, "falta a softmax na saída"), "testes_resumo": (0.0, None)},
    "<i>fabio": {"testes_params_conv": (0.5, "viés esquecido")},
}


def _simulated_class(root: Path) -> dict[str, float]:
    """Grava o gradebook e os registros da turma; devolve a nota esperada de cada aluno."""
    totals = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        gradebook.add_assignment(TAREFA)
        gradebook.add_notebook(TAREFA, TAREFA)
        for cell, points in CELULAS.items():
            gradebook.add_grade_cell(cell, TAREFA, TAREFA, max_score=points, cell_type="code")
        for student, mistakes in TURMA.items():
            gradebook.add_student(student)
            gradebook.add_submission(TAREFA, student)
            rows = []
            for cell, points in CELULAS.items():
                fraction, label = mistakes.get(cell, (1.0, None))
                grade = gradebook.find_grade(cell, TAREFA, TAREFA, student)
                grade.auto_score = fraction * points
                rows.append(records.row(cell, Verdict(fraction, "mensagem", label), points))
            gradebook.db.commit()
            records.write(root, TAREFA, student, rows)
            totals[student] = sum(mistakes.get(cell, (1.0,))[0] * p for cell, p in CELULAS.items())
    return totals


@pytest.fixture
def turma(tmp_path):
    return tmp_path, _simulated_class(tmp_path)


def test_contagens_da_turma_simulada(turma):
    root, totals = turma
    students = report.load_class(root, TAREFA)
    assert {s.name: s.score for s in students} == pytest.approx(totals)
    summary = report.class_summary(students)
    assert summary["alunos"] == 6
    assert summary["maximo"] == 6.0
    cheios = {cell: entry["cheios"] for cell, entry in summary["celulas"].items()}
    assert cheios == {"testes_params_conv": 2, "testes_construir_lenet5": 3, "testes_resumo": 5}
    assert summary["erros"] == [
        ("viés esquecido", "testes_params_conv", 3),
        ("falta a softmax na saída", "testes_construir_lenet5", 2),
        ("ativação errada nas camadas ocultas", "testes_construir_lenet5", 1),
        ("viés contado por canal de entrada", "testes_params_conv", 1),
    ]


def test_html_em_portugues_sem_scripts_e_csv(turma):
    root, totals = turma
    page, table = report.build(root, TAREFA)
    assert page == root / "relatorios" / f"{TAREFA}.html"
    text = page.read_text(encoding="utf-8")
    assert '<html lang="pt-BR">' in text
    for heading in ("Distribuição das notas", "Itens: quem ganhou a nota cheia", "Erros mais frequentes"):
        assert heading in text
    assert text.count('src="data:image/png;base64,') == 3  # os três gráficos, embutidos
    assert "<script" not in text.lower() and "javascript:" not in text.lower()
    assert "<i>fabio" not in text  # nomes e mensagens escapados (só o CSV tem os nomes)
    assert '<td>viés esquecido</td><td>testes_params_conv</td><td class="n">3</td>' in text
    assert "2 de 6" in text and "33,3\u00a0%" in text  # nota cheia em testes_params_conv
    rows = list(csv.DictReader(table.open(encoding="utf-8")))
    assert [row["aluno"] for row in rows] == sorted(TURMA)
    davi = next(row for row in rows if row["aluno"] == "davi")
    assert float(davi["nota"]) == pytest.approx(totals["davi"])
    assert float(davi["testes_params_conv"]) == pytest.approx(0.5)
    assert "falta a softmax na saída (testes_construir_lenet5)" in davi["erros"]


def _env():
    return dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")


def test_linha_de_comando_e_make(turma):
    root, _ = turma
    result = subprocess.run(
        [sys.executable, "-m", "cnn_grader.report", TAREFA],
        cwd=root,
        env=_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Relatório da turma escrito em" in result.stdout
    (root / "relatorios" / f"{TAREFA}.html").unlink()
    make = subprocess.run(
        [
            "make",
            "-s",
            "-f",
            str(REPO / "Makefile"),
            "relatorio",
            f"TAREFA={TAREFA}",
            f"BIN={Path(sys.executable).parent}",
            "STAMP=",
        ],
        cwd=root,
        env=_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert make.returncode == 0, make.stdout + make.stderr
    assert (root / "relatorios" / f"{TAREFA}.html").exists()


def test_tarefa_sem_correcao_da_mensagem_clara(tmp_path, capsys):
    assert report.main(["ex02_dimensoes", "--raiz", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "não tem notas no gradebook" in err and "nbgrader autograde ex02_dimensoes" in err
    missing = subprocess.run(
        ["make", "-s", "-f", str(REPO / "Makefile"), "relatorio", "STAMP="],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing.returncode != 0 and "make relatorio TAREFA=" in missing.stdout
