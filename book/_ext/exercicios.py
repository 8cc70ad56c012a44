"""Diretiva ``{exercicio}``: a página de um exercício do nbgrader no livro.

Lê o notebook do aluno em ``exercises/<id>/<id>.ipynb`` (gerado pelo nbgrader, sem soluções) e mostra
o enunciado (com as tarefas e seus pontos), o total de pontos, um link para baixar o notebook e um link
do nbgitpuller que o abre no JupyterHub da turma (``launch_buttons.jupyterhub_url`` em ``_config.yml``).
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


def _total_points(cells):
    return sum(cell.get("metadata", {}).get("nbgrader", {}).get("points", 0) for cell in cells)


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
        total = f"{_total_points(cells):g}".replace(".", ",")
        lines = [*_statement(cells), f"**Total: {total} pontos.**", "", *self._links(relative)]
        container = nodes.container(classes=["exercicio"])
        self.state.nested_parse(StringList(lines, source=relative), self.content_offset, container)
        return [container]

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
