"""O HTML dos alunos tornado inerte: nada que um aluno escreveu roda nas páginas de quem corrige.

O formgrader mostra o notebook corrigido (``autograded/``) renderizado, na sessão logada do instrutor; o
retorno (``feedback/``) é uma página HTML. Um aluno pode pôr nelas Markdown com ``<img onerror=...>``, links
``javascript:``, saídas ``text/html`` com ``<script>``, ``application/javascript``, ``text/markdown``, SVG com
script, LaTeX com macros do MathJax, células *raw* e metadados que os modelos do nbconvert copiam sem escapar.
:class:`InertHTML` (um pré-processador do nbconvert, usado no ``autograde`` depois do veredito e no
``generate_feedback``):

- células Markdown: o Markdown é renderizado pelo mesmo renderizador do nbconvert e a saída é conferida por
  :func:`markdown_is_inert` (só marcas simples de uma lista fechada, atributos de uma lista fechada e links só
  ``http``, ``https``, ``mailto``, âncoras e caminhos relativos); uma célula que não passa vira um bloco de
  código com o texto original, visível mas inerte; anexos só PNG/JPEG em base64 válido;
- células *raw*: todo ``<`` vira ``&lt;``;
- saídas: só ``text/plain``, ``image/png`` e ``image/jpeg`` (base64 válido) ficam; os metadados das saídas
  saem; uma saída sem nada que se possa mostrar vira um aviso em texto;
- metadados da célula e do notebook: só o que o nbgrader usa, com valores limpos.

Examples
--------
>>> markdown_is_inert("**Resposta:** B, porque $n_s = 3$ e [a doc](https://keras.io).")
True
>>> markdown_is_inert('<img src=x onerror="alert(1)">'), markdown_is_inert("[x](javascript:alert(1))")
(False, False)
"""

import base64
import binascii
import html
import re
import uuid

from nbconvert.filters.markdown_mistune import markdown2html_mistune
from nbconvert.preprocessors import Preprocessor
from nbformat.v4 import new_output
from traitlets import Bool

SAFE_MIME = ("text/plain", "image/png", "image/jpeg")
_IMAGE_MIME = ("image/png", "image/jpeg")

# Marcas que o renderizador de Markdown do nbconvert produz a partir de texto comum, com os atributos aceitos.
_TAGS = {
    **{tag: set() for tag in "p em strong code pre ul ol li blockquote hr br table thead tbody".split()},
    **{tag: set() for tag in ("tr", "del", "sup", "sub")},
    **{tag: {"id"} for tag in ("h1", "h2", "h3", "h4", "h5", "h6")},
    "th": {"style"},
    "td": {"style"},
    "a": {"href", "title", "class"},
    "img": {"src", "alt", "title"},
    "span": {"class"},
    "div": {"class"},
    "input": {"class", "type", "disabled", "checked"},
}
_TAG = re.compile(r"<(/?)([a-z0-9]+)((?:\s+[a-z-]+(?:=\"[^\"<>]*\")?)*)\s*/?>")
_ATTRIBUTE = re.compile(r"\s+([a-z-]+)(?:=\"([^\"<>]*)\")?")
_SAFE_STYLE = re.compile(r"text-align:(left|right|center)")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):")
_SAFE_SCHEMES = {"http", "https", "mailto", "attachment"}
_BASE64 = re.compile(r"[A-Za-z0-9+/=\s]*")
_SAFE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _url_is_safe(value):
    cleaned = re.sub(r"[\x00-\x20]", "", html.unescape(value)).lower()
    match = _SCHEME.match(cleaned)
    return match is None or match.group(1) in _SAFE_SCHEMES


def _attribute_is_safe(tag, name, value):
    if name not in _TAGS[tag]:
        return False
    if name in ("href", "src"):
        return _url_is_safe(value or "")
    if name == "style":
        return bool(_SAFE_STYLE.fullmatch(value or ""))
    if name == "type":
        return value == "checkbox"
    return True  # texto entre aspas (sem aspas nem < > dentro, pela expressão da marca): não roda


def html_is_inert(rendered):
    """Diz se todo ``<`` de ``rendered`` abre uma marca simples da lista fechada, com atributos seguros.

    Examples
    --------
    >>> html_is_inert('<p>a &lt; b <a href="https://x.org">x</a></p>')
    True
    >>> html_is_inert('<p><svg onload="alert(1)"></svg></p>'), html_is_inert('<a href="jav&#x61;script:x">')
    (False, False)
    """
    position = 0
    while True:
        start = rendered.find("<", position)
        if start < 0:
            return True
        match = _TAG.match(rendered, start)
        if match is None or match.group(2) not in _TAGS:
            return False
        tag = match.group(2)
        for name, value in _ATTRIBUTE.findall(match.group(3)):
            if not _attribute_is_safe(tag, name, value):
                return False
        position = match.end()


def markdown_is_inert(source):
    """Diz se o Markdown ``source``, renderizado como o nbconvert renderiza, não traz nada ativo."""
    return html_is_inert(markdown2html_mistune(source))


def as_code_block(source, note):
    """``source`` como bloco de código cercado (tudo literal), depois de uma nota em itálico."""
    longest = max((len(run) for run in re.findall(r"`+|~+", source)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"*{note}*\n\n{fence}text\n{source}\n{fence}"


def _valid_base64(data):
    text = "".join(data) if isinstance(data, list) else data
    if not isinstance(text, str) or not _BASE64.fullmatch(text):
        return False
    try:
        base64.b64decode(re.sub(r"\s", "", text), validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def inert_output(output):
    """A saída com só o que não roda no navegador (veja o módulo)."""
    kind = output.get("output_type")
    if kind == "stream":
        text = output.get("text", "")
        name = output.get("name") if output.get("name") in ("stdout", "stderr") else "stdout"
        return new_output("stream", name=name, text=text if isinstance(text, str) else "".join(text))
    if kind == "error":
        traceback = [str(line) for line in output.get("traceback", [])]
        return new_output(
            "error",
            ename=str(output.get("ename", "")),
            evalue=str(output.get("evalue", "")),
            traceback=traceback,
        )
    data = output.get("data", {})
    kept = {mime: data[mime] for mime in SAFE_MIME if mime in data}
    kept = {mime: value for mime, value in kept.items() if mime not in _IMAGE_MIME or _valid_base64(value)}
    if "text/plain" in kept and not isinstance(kept["text/plain"], str):
        kept["text/plain"] = "".join(kept["text/plain"])
    removed = sorted(set(data) - set(kept))
    if not kept:
        kept["text/plain"] = f"[saída removida pela correção: {', '.join(removed) or 'vazia'}]"
    if kind == "execute_result":
        return new_output("execute_result", data=kept, execution_count=output.get("execution_count"))
    return new_output("display_data", data=kept)


def _clean_cell_metadata(cell):
    metadata = {
        key: cell.metadata[key] for key in ("nbgrader", "deletable", "editable") if key in cell.metadata
    }
    tags = cell.metadata.get("tags")
    if isinstance(tags, list):
        metadata["tags"] = [tag for tag in tags if isinstance(tag, str) and _SAFE_ID.fullmatch(tag)]
    cell.metadata = type(cell.metadata)(metadata)
    if "id" in cell and not (isinstance(cell.id, str) and _SAFE_ID.fullmatch(cell.id)):
        cell.id = uuid.uuid4().hex[:12]


def _inert_markdown_cell(cell):
    attachments = cell.get("attachments") or {}
    clean = {}
    for name, bundle in attachments.items():
        images = {mime: data for mime, data in bundle.items() if mime in _IMAGE_MIME and _valid_base64(data)}
        if images and _SAFE_ID.fullmatch(name.replace(".", "_")):
            clean[name] = images
    if "attachments" in cell:
        cell.attachments = clean
    if not markdown_is_inert(cell.source):
        cell.source = as_code_block(
            cell.source, "Texto com HTML ou links ativos, mostrado como texto pela correção:"
        )


class InertHTML(Preprocessor):
    """Pré-processador que deixa o notebook inteiro inerte para as páginas HTML (veja o módulo).

    Ligado por padrão (o ``Preprocessor`` do nbconvert nasce desligado quando registrado pelo nome).
    """

    enabled = Bool(True).tag(config=True)

    def preprocess(self, nb, resources):
        metadata = {key: nb.metadata[key] for key in ("nbgrader",) if key in nb.metadata}
        metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        metadata["language_info"] = {"name": "python"}
        nb.metadata = type(nb.metadata)(metadata)
        for cell in nb.cells:
            _clean_cell_metadata(cell)
            if cell.cell_type == "markdown":
                _inert_markdown_cell(cell)
            elif cell.cell_type == "raw":
                cell.source = cell.source.replace("<", "&lt;")
            elif cell.cell_type == "code":
                cell.outputs = [inert_output(output) for output in cell.get("outputs", [])]
        return nb, resources


__all__ = ["SAFE_MIME", "InertHTML", "as_code_block", "html_is_inert", "inert_output", "markdown_is_inert"]
