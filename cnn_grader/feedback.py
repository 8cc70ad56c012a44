"""O retorno (feedback) do nbgrader em português.

O modelo HTML de ``nbgrader generate_feedback`` só existe em inglês («Score», «Test cell», «Student's
answer»...). :class:`FeedbackExporter` é o exportador HTML do nbgrader com essas frases traduzidas; o
``nbgrader_config.py`` do curso o escolhe com ``c.GenerateFeedback.exporter_class``. Usado só por quem
corrige: importa o nbconvert.
"""

import base64
import copy
import hashlib
import re

from nbconvert.exporters import HTMLExporter
from nbformat.v4 import new_notebook

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


_SCORE = re.compile(r"Nota: (\d+(?:\.\d+)?) / (\d+(?:\.\d+)?)")


def _points(text: str) -> str:
    """Pontos com vírgula decimal e sem zeros à direita: ``"3.50"`` vira ``"3,5"``; ``"9.0"``, ``"9"``."""
    value = round(float(text), 2)
    return f"{value:g}".replace(".", ",") if value != int(value) else str(int(value))


def translate(page: str) -> str:
    """Troca as frases em inglês do modelo de retorno do nbgrader pelas traduções, com notas no formato pt-BR.

    Examples
    --------
    >>> translate('<li><a href="#q1">Test cell</a> (Score: 1.5 / 2.0)</li>')
    '<li><a href="#q1">Célula de teste</a> (Nota: 1,5 / 2)</li>'
    """
    for english, portuguese in TRANSLATIONS:
        page = page.replace(english, portuguese)
    return _SCORE.sub(lambda match: f"Nota: {_points(match[1])} / {_points(match[2])}", page)


_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)
_SCRIPT_SOURCE = re.compile(r"<script[^>]*\bsrc=[\"']?(https?://[^/\"' >]+)", re.I)


def content_security_policy(template_page):
    """A política de segurança (CSP) que só deixa rodar os scripts do modelo ``template_page``.

    ``template_page`` é a página de um notebook vazio: os scripts em linha dela (por hash) e as origens dos
    scripts externos dela (o MathJax) são os únicos permitidos; scripts em linha a mais e atributos como
    ``onerror`` não rodam, e a página não pede nada à rede fora dessas origens.

    Examples
    --------
    >>> policy = content_security_policy('<script src="https://cdn.exemplo/a.js"></script><script>x=1</script>')
    >>> "script-src https://cdn.exemplo 'sha256-" in policy, "'unsafe-inline'" in policy.split(";")[1]
    (True, False)
    """
    hashes = sorted(
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in _INLINE_SCRIPT.findall(template_page)
    )
    origins = sorted(set(_SCRIPT_SOURCE.findall(template_page)))
    sources = " ".join([*origins, *hashes, "'unsafe-eval'"])
    hosts = " ".join(origins)
    return (
        f"default-src 'none'; script-src {sources}; style-src 'unsafe-inline' {hosts}; "
        f"img-src data: {hosts}; font-src data: {hosts}; connect-src {hosts or chr(39) + 'none' + chr(39)}; "
        "base-uri 'none'; form-action 'none'; frame-src 'none'; object-src 'none'"
    )


class FeedbackExporter(HTMLExporter):
    """O ``HTMLExporter`` do retorno do nbgrader: em português, com uma CSP que só deixa o modelo rodar.

    O HTML do aluno já chega inerte (:class:`cnn_grader.html.InertHTML`); a política
    (:func:`content_security_policy`) é a segunda camada: se algo passar, o navegador não o executa.
    """

    def from_notebook_node(self, nb, resources=None, **kwargs):
        try:
            blank, _ = super().from_notebook_node(new_notebook(), copy.deepcopy(resources), **kwargs)
        except Exception:  # sem a página-modelo, nenhum script roda
            blank = ""
        output, resources = super().from_notebook_node(nb, resources, **kwargs)
        meta = f'<meta http-equiv="Content-Security-Policy" content="{content_security_policy(blank)}">'
        output = re.sub(r"(<head[^>]*>)", lambda match: match.group(1) + "\n" + meta, output, count=1)
        return translate(output), resources
