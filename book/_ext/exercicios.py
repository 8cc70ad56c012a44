"""Diretiva ``{exercicio}``: a página de um exercício do nbgrader no livro.

Lê o notebook do aluno em ``exercises/<id>/<id>.ipynb`` (gerado pelo nbgrader, sem soluções) e mostra o
enunciado, as tarefas com seus pontos, um link para baixar o notebook e um link do nbgitpuller que o abre no
JupyterHub da turma (configurado em ``_config.yml``, ``launch_buttons.jupyterhub_url``).
"""

import json
import re
from pathlib import Path
from urllib.parse import quote, urlencode

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective


def _markdown(cell):
    return "".join(cell["source"]) if cell["cell_type"] == "markdown" else ""


def _statement(cells):
    """O enunciado: a primeira célula de texto do notebook, sem o título e com subtítulos em negrito."""
    intro = next((_markdown(cell) for cell in cells if cell["cell_type"] == "markdown"), "")
    intro = re.sub(r"^# .*$", "", intro, flags=re.MULTILINE)
    intro = re.sub(r"^#{2,6}\s+(.+)$", r"**\1**", intro, flags=re.MULTILINE)
    return [*intro.splitlines(), ""]


def _tasks(cells):
    """(título da seção, pontos) de cada célula avaliada, na ordem do notebook."""
    tasks, heading = [], "Início"
    for cell in cells:
        found = re.findall(r"^#{2,3}\s+(.+)$", _markdown(cell), flags=re.MULTILINE)
        heading = found[-1].strip() if found else heading
        nbgrader = cell.get("metadata", {}).get("nbgrader", {})
        if nbgrader.get("points"):
            manual = nbgrader.get("task") or (nbgrader.get("grade") and nbgrader.get("solution"))
            tasks.append((heading, nbgrader["points"], "manual" if manual else "automática"))
    return tasks


def _points(value):
    return f"{value:g}".replace(".", ",")


def nbgitpuller_link(hub_url, repository_url, branch, notebook_path):
    """Endereço que faz o JupyterHub clonar (ou atualizar) o repositório e abrir o notebook no JupyterLab."""
    repository_name = repository_url.rstrip("/").rsplit("/", 1)[-1]
    query = urlencode(
        {"repo": repository_url, "branch": branch, "urlpath": f"lab/tree/{repository_name}/{notebook_path}"},
        quote_via=quote,
    )
    return f"{hub_url.rstrip('/')}/hub/user-redirect/git-pull?{query}"


class Exercicio(SphinxDirective):
    required_arguments = 1

    def run(self):
        assignment = self.arguments[0]
        relative = f"exercises/{assignment}/{assignment}.ipynb"
        notebook = Path(self.env.srcdir) / relative
        if not notebook.exists():
            raise self.error(f"exercicio: o notebook {relative} não existe; rode `make assignments`.")
        self.env.note_dependency(str(notebook))
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        lines = _statement(cells) + self._task_table(cells) + self._links(relative)
        container = nodes.container(classes=["exercicio"])
        self.state.nested_parse(StringList(lines, source=relative), self.content_offset, container)
        return [container]

    def _task_table(self, cells):
        tasks = _tasks(cells)
        total = sum(points for _, points, _ in tasks)
        rows = [f"| {heading} | {_points(points)} | {kind} |" for heading, points, kind in tasks]
        return [
            "",
            "**Tarefas e pontos**",
            "",
            "| tarefa | pontos | correção |",
            "| --- | --- | --- |",
            *rows,
            f"| **total** | **{_points(total)}** | |",
            "",
        ]

    def _links(self, relative):
        options = self.config.html_theme_options
        hub = options.get("launch_buttons", {}).get("jupyterhub_url", "")
        lines = [f"{{download}}`Baixar o notebook do exercício </{relative}>`", ""]
        if hub:
            link = nbgitpuller_link(
                hub, options["repository_url"], options.get("repository_branch", "main"), relative
            )
            lines += [f"[Abrir no JupyterHub da turma]({link})", ""]
        else:
            lines += [
                "Para abrir no JupyterHub da turma, o instrutor configura o endereço do hub em",
                "`_config.yml` (`launch_buttons.jupyterhub_url`); este link passa a aparecer aqui",
                "(veja o guia do instrutor).",
                "",
            ]
        return lines


def setup(app):
    app.add_directive("exercicio", Exercicio)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
