"""Relatório da turma de uma tarefa corrigida: notas, itens e erros mais frequentes, em HTML e CSV.

Uso, na raiz do curso, depois de ``nbgrader autograde <tarefa>``::

    python -m cnn_grader.report ex02_dimensoes        # ou: make relatorio TAREFA=ex02_dimensoes

Lê as notas do gradebook do ``nbgrader`` (``gradebook.db``: a nota de cada aluno, com as células corrigidas
à mão) e os registros do veredito (``relatorios/registros/<tarefa>/<aluno>.json``, gravados por
:mod:`cnn_grader.verdict`: os pontos de cada célula e o erro conhecido que ela cometeu) e escreve:

- ``relatorios/<tarefa>.html``: uma página em português, sem scripts, com a distribuição das notas, a fração
  da turma com nota cheia em cada item e os erros mais frequentes, com gráficos embutidos (PNG);
- ``relatorios/<tarefa>.csv``: uma linha por aluno (nota, pontos de cada célula, erros cometidos).
"""

import argparse
import base64
import csv
import html
import io
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from cnn_grader import records
from cnn_lib.formatting import format_decimal, format_number, format_percent

__all__ = ["Student", "build", "class_summary", "load_class", "main", "render_html", "write_csv"]


@dataclass
class Student:
    """Um aluno na tarefa: nota do gradebook e, por célula, pontos e erro conhecido (dos registros)."""

    name: str
    score: float | None = None
    max_score: float | None = None
    cells: dict = field(default_factory=dict)  # célula -> (pontos, máximo)
    mistakes: list = field(default_factory=list)  # (célula, erro conhecido)


def _gradebook_scores(root: Path, assignment: str) -> dict[str, tuple[float, float]]:
    """``{aluno: (nota, máximo)}`` do gradebook; vazio se não há gradebook ou a tarefa não está nele."""
    database = root / "gradebook.db"
    if not database.exists():
        return {}
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(f"sqlite:///{database}") as gradebook:
        try:
            submissions = gradebook.assignment_submissions(assignment)
        except MissingEntry:
            return {}
        return {sub.student_id: (float(sub.score), float(sub.max_score)) for sub in submissions}


def load_class(root, assignment: str) -> list[Student]:
    """Os alunos da tarefa, juntando o gradebook e os registros do veredito (em ordem alfabética).

    Parameters
    ----------
    root : caminho
        A raiz do curso (onde estão ``gradebook.db`` e ``relatorios/``).
    assignment : str
        A tarefa.

    Returns
    -------
    list de Student
    """
    root = Path(root)
    scores = _gradebook_scores(root, assignment)
    rows = records.read(root, assignment)
    students = []
    for name in sorted(set(scores) | set(rows)):
        student = Student(name, *scores.get(name, (None, None)))
        for row in rows.get(name, []):
            student.cells[row["celula"]] = (float(row["pontos"]), float(row["maximo"]))
            # Uma célula pode cometer mais de um erro conhecido: os nomes vêm separados por "; ".
            for label in (row.get("misconception") or "").split("; "):
                if label:
                    student.mistakes.append((row["celula"], label))
        students.append(student)
    return students


def class_summary(students: list[Student]) -> dict:
    """Os números do relatório: notas, por célula a fração com nota cheia, e os erros por frequência.

    Examples
    --------
    >>> ana = Student("ana", 3.0, 4.0, {"c1": (1.0, 1.0), "c2": (2.0, 3.0)}, [("c2", "viés esquecido")])
    >>> bia = Student("bia", 4.0, 4.0, {"c1": (1.0, 1.0), "c2": (3.0, 3.0)})
    >>> resumo = class_summary([ana, bia])
    >>> resumo["celulas"]["c2"]["cheios"], resumo["erros"]
    (1, [('viés esquecido', 'c2', 1)])
    """
    cells: dict = {}
    for student in students:
        for cell, (points, maximum) in student.cells.items():
            entry = cells.setdefault(cell, {"maximo": maximum, "alunos": 0, "cheios": 0, "soma": 0.0})
            entry["alunos"] += 1
            entry["cheios"] += points >= maximum - 1e-9
            entry["soma"] += points
    mistakes = Counter((label, cell) for student in students for cell, label in set(student.mistakes))
    ordered = sorted(mistakes.items(), key=lambda item: (-item[1], item[0]))
    graded = [s.score for s in students if s.score is not None]
    return {
        "alunos": len(students),
        "notas": graded,
        "maximo": max((s.max_score for s in students if s.max_score is not None), default=None),
        "celulas": cells,
        "erros": [(label, cell, count) for (label, cell), count in ordered],
    }


# --- gráficos (PNG embutido)


def _png(figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _decimal_axis(axis) -> None:
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda value, _: format_decimal(value, 1).removesuffix(",0")))


def _score_chart(summary: dict) -> str | None:
    if not summary["notas"]:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 3))
    top = summary["maximo"] or max(summary["notas"]) or 1
    axes.hist(
        summary["notas"], bins=min(10, max(3, int(top) + 1)), range=(0, top), color="#3465a4", rwidth=0.9
    )
    axes.set_xlabel("nota na tarefa")
    axes.set_ylabel("alunos")
    axes.set_title("Distribuição das notas")
    axes.yaxis.get_major_locator().set_params(integer=True)
    _decimal_axis(axes.xaxis)
    return _png(figure)


def _bar_chart(labels: list[str], values: list[float], title: str, xlabel: str, percent: bool) -> str | None:
    if not labels:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 0.45 * len(labels) + 1.2))
    positions = range(len(labels))
    axes.barh(list(positions), values, color="#4e9a06" if percent else "#cc0000")
    axes.set_yticks(list(positions), labels)
    axes.invert_yaxis()
    axes.set_xlabel(xlabel)
    axes.set_title(title)
    if percent:
        axes.set_xlim(0, 100)
        _decimal_axis(axes.xaxis)
    else:
        axes.xaxis.get_major_locator().set_params(integer=True)
    return _png(figure)


# --- HTML e CSV

_STYLE = """
body { font-family: sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border: 1px solid #bbb; padding: 0.3rem 0.6rem; text-align: left; }
td.n { text-align: right; }
img { max-width: 100%; }
"""


def _image(data: str | None, alt: str) -> str:
    if data is None:
        return "<p>Sem dados para o gráfico.</p>"
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">'


def _table(head: list[str], rows: list[list[str]], numeric: set[int]) -> str:
    cells = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = []
    for row in rows:
        tds = "".join(
            f'<td class="n">{html.escape(v)}</td>' if i in numeric else f"<td>{html.escape(v)}</td>"
            for i, v in enumerate(row)
        )
        body.append(f"<tr>{tds}</tr>")
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def render_html(assignment: str, students: list[Student]) -> str:
    """A página do relatório (HTML completo, sem scripts; os gráficos são PNG embutidos)."""
    summary = class_summary(students)
    notas = sorted(summary["notas"])
    if notas:
        middle = len(notas) // 2
        median = notas[middle] if len(notas) % 2 else (notas[middle - 1] + notas[middle]) / 2
        mean = sum(notas) / len(notas)
        overview = (
            f"<p>{format_number(summary['alunos'])} aluno(s). Nota média: {format_decimal(mean)}; "
            f"mediana: {format_decimal(median)}; nota máxima possível: "
            f"{format_decimal(summary['maximo'] or 0)}.</p>"
        )
    else:
        overview = f"<p>{format_number(summary['alunos'])} aluno(s); nenhuma nota no gradebook.</p>"
    cells = summary["celulas"]
    cell_rows = [
        [
            cell,
            format_decimal(entry["maximo"]),
            f"{format_number(entry['cheios'])} de {format_number(entry['alunos'])}",
            format_percent(entry["cheios"] / entry["alunos"]),
            format_decimal(entry["soma"] / entry["alunos"]),
        ]
        for cell, entry in cells.items()
    ]
    cell_chart = _bar_chart(
        list(cells),
        [100 * entry["cheios"] / entry["alunos"] for entry in cells.values()],
        "Alunos com nota cheia em cada item",
        "alunos com nota cheia (%)",
        percent=True,
    )
    top = summary["erros"][:10]
    mistake_chart = _bar_chart(
        [f"{label} ({cell})" for label, cell, _ in top],
        [count for *_, count in top],
        "Erros mais frequentes",
        "alunos",
        percent=False,
    )
    mistake_rows = [[label, cell, format_number(count)] for label, cell, count in summary["erros"]]
    mistakes = (
        _table(["erro conhecido", "item (célula)", "alunos"], mistake_rows, {2})
        if mistake_rows
        else "<p>Nenhum erro conhecido foi reconhecido nas respostas.</p>"
    )
    title = f"Relatório da turma — {assignment}"
    return (
        '<!DOCTYPE html>\n<html lang="pt-BR">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"<h1>{html.escape(title)}</h1>\n{overview}\n"
        f"<h2>Distribuição das notas</h2>\n{_image(_score_chart(summary), 'Histograma das notas da turma')}\n"
        "<h2>Itens: quem ganhou a nota cheia</h2>\n"
        f"{_image(cell_chart, 'Porcentagem de alunos com nota cheia em cada item')}\n"
        + _table(
            ["item (célula)", "pontos", "nota cheia", "fração", "média de pontos"], cell_rows, {1, 2, 3, 4}
        )
        + "\n<h2>Erros mais frequentes</h2>\n"
        f"{_image(mistake_chart, 'Número de alunos que cometeram cada erro conhecido')}\n{mistakes}\n"
        "</body>\n</html>\n"
    )


def write_csv(path, students: list[Student]) -> None:
    """Uma linha por aluno: nota, máximo, pontos de cada célula e os erros conhecidos (separados por ;)."""
    cells = list(dict.fromkeys(cell for student in students for cell in student.cells))
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["aluno", "nota", "maximo", *cells, "erros"])
        for student in students:
            points = [student.cells.get(cell, ("", ""))[0] for cell in cells]
            mistakes = "; ".join(f"{label} ({cell})" for cell, label in student.mistakes)
            writer.writerow([student.name, student.score, student.max_score, *points, mistakes])


def build(root, assignment: str, output=None) -> tuple[Path, Path]:
    """Escreve o HTML e o CSV da tarefa (padrão: em ``<raiz>/relatorios/``) e devolve os dois caminhos.

    Raises
    ------
    ValueError
        Se a tarefa não tem notas no gradebook nem registros do veredito.
    """
    root = Path(root)
    students = load_class(root, assignment)
    if not students:
        raise ValueError(
            f"a tarefa {assignment!r} não tem notas no gradebook ({root / 'gradebook.db'}) nem registros em "
            f"{records.directory(root, assignment)}: rode antes `nbgrader autograde {assignment}`."
        )
    folder = Path(output) if output else root / "relatorios"
    folder.mkdir(parents=True, exist_ok=True)
    page, table = folder / f"{assignment}.html", folder / f"{assignment}.csv"
    page.write_text(render_html(assignment, students), encoding="utf-8")
    write_csv(table, students)
    return page, table


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cnn_grader.report",
        description="Relatório da turma (HTML e CSV) de uma tarefa corrigida pelo nbgrader autograde.",
    )
    parser.add_argument("tarefa", help="a tarefa, por exemplo ex02_dimensoes")
    parser.add_argument("--raiz", default=".", help="a raiz do curso (padrão: a pasta atual)")
    parser.add_argument("--saida", default=None, help="pasta dos arquivos (padrão: <raiz>/relatorios)")
    args = parser.parse_args(argv)
    try:
        page, table = build(args.raiz, args.tarefa, args.saida)
    except ValueError as error:
        print(f"Erro: {error}", file=sys.stderr)
        return 2
    print(f"Relatório da turma escrito em {page} e {table}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
