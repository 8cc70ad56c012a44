"""O retorno (feedback) do nbgrader em português.

O modelo HTML de ``nbgrader generate_feedback`` só existe em inglês («Score», «Test cell», «Student's
answer»...). :class:`FeedbackExporter` é o exportador HTML do nbgrader com essas frases traduzidas; o
``nbgrader_config.py`` do curso o escolhe com ``c.GenerateFeedback.exporter_class``. Usado só por quem
corrige: importa o nbconvert.
"""

from nbconvert.exporters import HTMLExporter

# Frases do modelo feedback/index.html.j2 do nbgrader 0.9, com o contexto HTML que as delimita.
TRANSLATIONS = (
    ("(Score: ", "(Nota: "),
    ("Score: ", "Nota: "),
    (">Test cell</a>", ">Célula de teste</a>"),
    (">Coding free-response</a>", ">Resposta livre em código</a>"),
    (">Written response</a>", ">Resposta escrita</a>"),
    (">Task</a>", ">Tarefa</a>"),
    (">Comment</a>", ">Comentário</a>"),
    ("Late submission penalty", "Penalidade por atraso"),
    ('<a href="#top">(Top)</a>', '<a href="#top">(topo)</a>'),
    (">Student's answer</span>", ">Resposta do aluno</span>"),
    (">Student's task</span>", ">Tarefa do aluno</span>"),
    (">Grade cell: <code>", ">Célula avaliada: <code>"),
    (">Task: <code>", ">Tarefa: <code>"),
    ("<b>Comments:</b>", "<b>Comentários:</b>"),
    ("<html>", '<html lang="pt-BR">'),
)


def translate(page: str) -> str:
    """Troca as frases em inglês do modelo de retorno do nbgrader pelas traduções.

    Examples
    --------
    >>> translate('<li><a href="#q1">Test cell</a> (Score: 1.0 / 2.0)</li>')
    '<li><a href="#q1">Célula de teste</a> (Nota: 1.0 / 2.0)</li>'
    """
    for english, portuguese in TRANSLATIONS:
        page = page.replace(english, portuguese)
    return page


class FeedbackExporter(HTMLExporter):
    """O ``HTMLExporter`` que o nbgrader usa no retorno, com a página traduzida para o português."""

    def from_notebook_node(self, nb, resources=None, **kwargs):
        output, resources = super().from_notebook_node(nb, resources, **kwargs)
        return translate(output), resources
