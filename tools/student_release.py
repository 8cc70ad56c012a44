"""Escreve a versão do aluno (o repositório público do curso) a partir do repositório do instrutor.

Uso: ``python tools/student_release.py DEST`` (ou ``make student-release DEST=<pasta>``).

A versão do aluno leva só o que o aluno usa: os capítulos (em ``book/``, prontos para abrir como
notebooks), ``exercises/``, ``cnn_lib/``, ``requirements.txt``, ``binder/``, um README para alunos e um
``pyproject.toml`` que instala só o ``cnn_lib``. Nunca leva ``solutions/``, ``cnn_grader/``, ``instrutor/``,
os testes, a configuração do nbgrader nem o gradebook. Depois de escrever, confere o conteúdo de cada arquivo
(marcadores do nbgrader, linhas de solução e de testes ocultos, resumos de respostas) e apaga tudo se achar um
vazamento.

Se ``DEST`` já é um repositório git, só a pasta ``.git`` é mantida: o instrutor confere e faz o commit.
"""

import argparse
import json
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import jupytext

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = Path(__file__).resolve().parent / "student_release"

# Capítulos que são do instrutor ou só fazem sentido no livro construído.
BOOK_ONLY = {
    "index.md",
    "exercicios.md",
    "referencias.md",
    "guia-do-instrutor.md",
    "seguranca-da-correcao.md",
}
MARKER = re.compile(
    r"^\s*#+\s*(BEGIN|END) (SOLUTION|HIDDEN TESTS)|^\s*(from|import) cnn_grader", re.MULTILINE
)
HEX_DIGEST = re.compile(r"\b[0-9a-f]{16,}\b")
MIN_SECRET_LINE = 16  # linhas curtas ("return x", "pass") aparecem em qualquer código

_FLAGS = re.MULTILINE | re.DOTALL
_OPTIONS = r"((?:[ \t]*:\w+:[^\n]*\n)*)"
_CLOSE = r"(.*?)^[ \t]*{fence}[ \t]*$"
ADMONITION = re.compile(
    r"^([ \t]*):::+\{(admonition|note|tip|warning|important)\}[ \t]*([^\n]*)\n"
    + _OPTIONS
    + _CLOSE.format(fence=":::+"),
    _FLAGS,
)
NOTE_FENCE = re.compile(
    r"^([ \t]*)```+\{(note|tip|warning|important)\}[ \t]*([^\n]*)\n" + _OPTIONS + _CLOSE.format(fence="```+"),
    _FLAGS,
)
DROPDOWN = re.compile(
    r"^([ \t]*):::+\{dropdown\}[ \t]*([^\n]*)\n" + _OPTIONS + _CLOSE.format(fence=":::+"), _FLAGS
)
ROLE = re.compile(r"\{(glue:text|glue|cite|cite:p|cite:t|ref|numref|doc|term)\}`([^`]+)`")
# O kernel como o JupyterLab o grava ao abrir o capítulo (mesma ordem): com outro, salvar mudaria o cabeçalho.
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
DEFAULT_TITLES = {"note": "Nota", "tip": "Dica", "warning": "Atenção", "important": "Importante"}


def _quote(match):
    indent, kind, title, _, body = match.groups()
    lines = [
        f"**{title or DEFAULT_TITLES.get(kind, 'Nota')}**",
        "",
        *textwrap.dedent(body).strip("\n").splitlines(),
    ]
    return "\n".join(f"{indent}> {line}".rstrip() for line in lines)


def _details(match):
    indent, title, _, body = match.groups()
    lines = [f"<details><summary>{title}</summary>", "", *textwrap.dedent(body).strip("\n").splitlines(), ""]
    return "\n".join(f"{indent}{line}".rstrip() for line in [*lines, "</details>"])


def _role(match):
    role, text = match.groups()
    if role.startswith("glue"):
        return f"`{text}` (valor calculado no livro)"
    return re.sub(r"\s*<[^>]*>$", "", text)  # {ref}`texto <alvo>` -> texto


def notebook_markdown(text):
    """Troca as diretivas MyST que o JupyterLab não desenha por Markdown comum.

    >>> print(notebook_markdown(":::{admonition} Objetivos\\n:class: tip\\n\\nSaber X.\\n:::"))
    > **Objetivos**
    >
    > Saber X.
    >>> notebook_markdown(":::{dropdown} Pergunta?\\nResposta.\\n:::")
    '<details><summary>Pergunta?</summary>\\n\\nResposta.\\n\\n</details>'
    """
    text = ADMONITION.sub(_quote, text)
    text = NOTE_FENCE.sub(_quote, text)
    text = DROPDOWN.sub(_details, text)
    return ROLE.sub(_role, text)


def chapter_for_notebook(source):
    """Um capítulo em Markdown MyST, já no formato que o jupytext grava: abrir e salvar no Lab não o muda."""
    notebook = jupytext.reads(source, fmt="md:myst")
    notebook.metadata["kernelspec"] = KERNELSPEC
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            cell.source = notebook_markdown(cell.source)
    text = jupytext.writes(notebook, fmt="md:myst")
    text = jupytext.writes(jupytext.reads(text, fmt="md:myst"), fmt="md:myst")
    # Como o jupytext.toml da versão do aluno: sem a versão do jupytext no cabeçalho (muda de hub para hub).
    return re.sub(r"^ +jupytext_version: .*\n", "", text, count=1, flags=re.MULTILINE)


def tracked_files():
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True, text=True)
    return [Path(name) for name in out.stdout.split("\0") if name and (ROOT / name).is_file()]


def _copied(path):
    parts = path.parts
    if parts[0] in {"cnn_lib", "exercises", "binder"}:
        return "__pycache__" not in parts and ".ipynb_checkpoints" not in parts
    return path.as_posix() in {"requirements.txt", "LICENSE"}


def write_release(dest):
    """Escreve a versão do aluno em ``dest`` e devolve a lista de arquivos escritos (relativos)."""
    dest = Path(dest).resolve()
    if dest == ROOT or ROOT in dest.parents:
        raise SystemExit(
            f"student_release: DEST={dest} fica dentro do repositório do instrutor; use outra pasta."
        )
    dest.mkdir(parents=True, exist_ok=True)
    for child in dest.iterdir():
        if child.name != ".git":
            shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
    written = []
    for path in tracked_files():
        if _copied(path):
            (dest / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / path, dest / path)
            written.append(path)
        elif (
            path.parts[0] == "book"
            and len(path.parts) == 2
            and path.suffix == ".md"
            and path.name not in BOOK_ONLY
        ):
            target = path
            (dest / target).parent.mkdir(parents=True, exist_ok=True)
            (dest / target).write_text(
                chapter_for_notebook((ROOT / path).read_text(encoding="utf-8")), "utf-8"
            )
            written.append(target)
    for template in sorted(TEMPLATES.iterdir()):
        name = template.name.removesuffix(".modelo").replace("gitignore", ".gitignore")
        shutil.copy2(template, dest / name)
        written.append(Path(name))
    return written


def _text(path):
    """O texto de um arquivo; de um notebook, o código e o Markdown das células (e as saídas)."""
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix != ".ipynb":
        return text
    cells = json.loads(text)["cells"]
    return "\n".join("".join(cell["source"]) + "\n" + json.dumps(cell.get("outputs", [])) for cell in cells)


def _public_lines():
    """As linhas do material público do instrutor (biblioteca, capítulos, versões do aluno)."""
    paths = [*ROOT.glob("cnn_lib/**/*.py"), *ROOT.glob("book/*.md"), *ROOT.glob("exercises/*/*.ipynb")]
    return {line.strip() for path in paths for line in _text(path).splitlines()}


def secrets():
    """Trechos que só existem nas soluções: linhas de solução e de testes ocultos que não aparecem no material
    público (as genéricas, como ``import numpy as np``, ficam de fora), e resumos de respostas."""
    found = set()
    for notebook in sorted((ROOT / "solutions").glob("*/*.ipynb")):
        for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
            inside = False
            for line in "".join(cell["source"]).splitlines():
                if re.search(r"### BEGIN (SOLUTION|HIDDEN TESTS)", line):
                    inside = True
                elif re.search(r"### END (SOLUTION|HIDDEN TESTS)", line):
                    inside = False
                elif inside and len(line.strip()) >= MIN_SECRET_LINE:
                    found.add(line.strip())
            found.update(HEX_DIGEST.findall("".join(cell["source"])))
    return found - _public_lines()


def leaks(dest, secret_lines):
    """Lista ``(arquivo, motivo)`` para cada arquivo de ``dest`` com algo que não pode estar lá."""
    problems = []
    for path in sorted(Path(dest).rglob("*")):
        if ".git" in path.relative_to(dest).parts or not path.is_file():
            continue
        relative = path.relative_to(dest)
        if relative.parts[0] in {"solutions", "cnn_grader", "instrutor", "tests", "source", "autograded"}:
            problems.append((relative, "pasta do instrutor"))
            continue
        text = _text(path)
        problems += [(relative, f"marcador {m[0].strip()!r}") for m in MARKER.finditer(text)]
        stripped = {line.strip() for line in text.splitlines()}
        problems += [(relative, f"linha secreta {line!r}") for line in secret_lines if line in stripped]
        problems += [
            (relative, f"resumo {digest}") for digest in HEX_DIGEST.findall(text) if digest in secret_lines
        ]
    return problems


def main(argv=None):
    parser = argparse.ArgumentParser(description="Escreve a versão do aluno do curso (sem soluções).")
    parser.add_argument("dest", help="pasta de destino (fora do repositório do instrutor)")
    dest = Path(parser.parse_args(argv).dest)
    written = write_release(dest)
    problems = leaks(dest, secrets())
    if problems:
        for child in dest.iterdir():
            if child.name != ".git":
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        for relative, reason in problems:
            print(f"VAZAMENTO em {relative}: {reason}", file=sys.stderr)
        raise SystemExit("student_release: a versão do aluno foi apagada; corrija os vazamentos acima.")
    print(f"Versão do aluno escrita em {dest.resolve()} ({len(written)} arquivos, sem vazamentos).")


if __name__ == "__main__":
    main()
