"""A entrada das entregas: examina ``submitted/<aluno>/<tarefa>/`` antes que o nbgrader copie qualquer coisa.

O ``nbgrader autograde`` copia a pasta da entrega seguindo links, como o usuário que corrige (muitas vezes
root), antes de qualquer caixa de areia: um notebook que é um link para a solução seria corrigido como a
solução, um link para o ``gradebook.db`` traria as notas da turma para o retorno, um link para ``/dev/zero``
encheria o disco. :class:`IntakeAutograde` (o ``Autograde`` do nbgrader, trocado pelo
``nbgrader_config.py``) examina cada entrega antes de tudo:

- **recusa** a entrega inteira se a pasta (ou uma pasta acima dela, dentro de ``submitted/``) é um link, ou se
  há dentro dela link simbólico, link físico, dispositivo, FIFO, socket, nome com ``..``, com caracteres de
  controle ou que não é texto, arquivo grande demais, pastas fundas demais ou arquivos demais, ou se um
  notebook da tarefa não é um arquivo regular. A pasta original vai inteira para ``quarentena/`` (nada é
  apagado) e, no lugar dela, fica uma cópia da versão do aluno com o motivo: a entrega vale zero, o motivo
  aparece em português no retorno, e a turma continua a ser corrigida;
- **deixa de fora** (também para a quarentena) os arquivos regulares que a tarefa não declara: só os notebooks
  da tarefa, os arquivos da pasta da tarefa em ``solutions/`` e os padrões de ``Intake.extra_files`` seguem.

Examples
--------
>>> problems_of_name("dados.csv"), problems_of_name("..")
([], ["'..': nome proibido (com .. ou /)"])
"""

import fnmatch
import os
import re
import stat
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import nbformat
from nbformat.v4 import new_markdown_cell
from nbgrader.converters import Autograde, NbGraderException
from traitlets import Dict, Integer, List, Unicode
from traitlets.config import Configurable

from cnn_grader.parallel import gradebook_lock_scope, serialize_gradebook
from cnn_grader.sandbox import MIB, InstructorSetupError

QUARANTINE = "quarentena"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def problems_of_name(name):
    """Motivos, em português, para recusar um nome de arquivo ou pasta da entrega (vazia se é aceito).

    Examples
    --------
    >>> problems_of_name("a\\nb")
    ["'a\\\\nb': nome com caracteres de controle"]
    """
    if name in (".", "..") or ".." in name or "/" in name:
        return [f"{name!r}: nome proibido (com .. ou /)"]
    if _CONTROL.search(name):
        return [f"{name!r}: nome com caracteres de controle"]
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return [f"{name!r}: nome que não é texto UTF-8"]
    if len(name.encode("utf-8")) > 200:
        return [f"{name[:40]!r}...: nome comprido demais"]
    return []


# Arquivos que o próprio nbgrader põe em cada entrega: a hora da entrega e o segredo que nomeia o retorno
# (``release_feedback``/``fetch_feedback`` precisam dele). São pequenos e passam pelas mesmas conferências.
NBGRADER_FILES = frozenset({"timestamp.txt", "submission_secret.txt"})


@dataclass
class Inspection:
    """O que :func:`inspect` achou numa entrega: motivos de recusa e arquivos não declarados."""

    problems: list = field(default_factory=list)
    undeclared: list = field(default_factory=list)


class Intake(Configurable):
    """Regras da entrada, configuráveis em ``nbgrader_config.py`` (``c.Intake.max_file_size = ...``)."""

    max_notebook_size = Integer(32 * MIB, help="Maior notebook aceito, em bytes.").tag(config=True)
    max_file_size = Integer(16 * MIB, help="Maior arquivo de dados aceito, em bytes.").tag(config=True)
    max_files = Integer(64, help="Número máximo de arquivos e pastas numa entrega.").tag(config=True)
    max_depth = Integer(4, help="Profundidade máxima de pastas numa entrega.").tag(config=True)
    extra_files = Dict(
        value_trait=List(Unicode()),
        help="Tarefa -> padrões (fnmatch, caminhos relativos) dos arquivos de dados que o aluno entrega.",
    ).tag(config=True)

    def inspect(self, folder, notebooks, declared):
        """Examina ``folder`` sem seguir links; ``notebooks`` e ``declared``: caminhos relativos aceitos."""
        result = Inspection()
        count = 0
        pending = [(Path(folder), 0)]
        while pending:
            directory, depth = pending.pop()
            for entry in sorted(os.scandir(directory), key=lambda item: item.name):
                relative = Path(entry.path).relative_to(folder).as_posix()
                count += 1
                if count > self.max_files:
                    result.problems.append(f"mais de {self.max_files} arquivos e pastas")
                    return result
                naming = problems_of_name(entry.name)
                if naming:
                    result.problems += naming
                    continue
                info = entry.stat(follow_symlinks=False)
                kind = _kind(info)
                if kind == "pasta":
                    if depth + 1 >= self.max_depth:
                        result.problems.append(f"{relative}: pastas fundas demais")
                    else:
                        pending.append((Path(entry.path), depth + 1))
                    continue
                if kind != "arquivo":
                    result.problems.append(f"{relative}: {kind} não é aceito")
                    continue
                limit = self.max_notebook_size if relative in notebooks else self.max_file_size
                if info.st_size > limit:
                    result.problems.append(f"{relative}: maior que {limit // MIB} MiB")
                elif relative not in {*notebooks, *NBGRADER_FILES, *declared}:
                    result.undeclared.append(relative)
        return result


def _kind(info):
    mode = info.st_mode
    if stat.S_ISLNK(mode):
        return "link simbólico"
    if stat.S_ISDIR(mode):
        return "pasta"
    if stat.S_ISREG(mode):
        return "arquivo" if info.st_nlink == 1 else "link físico (arquivo com mais de um nome)"
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "arquivo de dispositivo"


def _linked_ancestor(folder, root):
    """O primeiro caminho entre ``root`` (exclusive) e ``folder`` que não é uma pasta, ou ``None``."""
    current = Path(root)
    for part in Path(folder).relative_to(root).parts:
        current = current / part
        if not stat.S_ISDIR(os.lstat(current).st_mode):
            return current
    return None


def _stamp():
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def refusal_notebook(release_notebook, reason):
    """A versão do aluno (sem solução) com uma primeira célula que explica a recusa, em português."""
    nb = nbformat.read(release_notebook, as_version=4)
    text = (
        "**Entrega recusada na entrada da correção.** Motivo: "
        + reason.replace("<", "&lt;")
        + ". Nada do que foi entregue foi executado e a nota automática é zero. Entregue de novo só o "
        "notebook da tarefa (e os arquivos de dados que ela pede), sem links nem outros arquivos."
    )
    nb.cells.insert(0, new_markdown_cell(text))
    return nb


class IntakeAutograde(Autograde):
    """O ``Autograde`` do nbgrader com a entrada (:class:`Intake`) antes de cada entrega.

    O ``nbgrader_config.py`` do curso o põe no lugar do ``Autograde`` usado por ``nbgrader autograde`` (o
    aplicativo não tem opção para isso). Cada notebook corrigido leva ``resources["cnn_intake"]`` com o
    resultado da entrada, que :class:`cnn_grader.sandbox.SandboxExecute` exige.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.intake = Intake(parent=self)
        self._admissions = {}

    def _course_path(self, *parts):
        return Path(self.coursedir.root, *parts)

    def admit(self, assignment_id, student_id):
        """Examina a entrega; recusada, vai para a quarentena e dá lugar à versão do aluno com o motivo."""
        root = self._course_path(self.coursedir.submitted_directory)
        submitted = self.coursedir.submitted_directory
        folder = Path(self.coursedir.format_path(submitted, student_id, assignment_id))
        source = Path(self.coursedir.format_path(self.coursedir.source_directory, ".", assignment_id))
        release = Path(self.coursedir.format_path(self.coursedir.release_directory, ".", assignment_id))
        notebooks = sorted(path.name for path in source.glob("*.ipynb"))
        if not notebooks:
            raise InstructorSetupError(f"a tarefa {assignment_id} não tem notebooks em {source}.")
        declared = {path.relative_to(source).as_posix() for path in source.rglob("*") if path.is_file()}
        patterns = self.intake.extra_files.get(assignment_id, [])
        linked = _linked_ancestor(folder, root)
        problems, undeclared = [], []
        if linked is not None:
            problems = [f"{linked.relative_to(root)} não é uma pasta (é um link ou um arquivo especial)"]
        else:
            found = self.intake.inspect(folder, set(notebooks), declared)
            problems = found.problems
            undeclared = [name for name in found.undeclared if not _matches(name, patterns)]
            problems += [
                f"{name}: não é um arquivo regular" for name in notebooks if _not_regular(folder / name)
            ]
        quarantine = self._course_path(QUARANTINE, student_id, f"{assignment_id}-{_stamp()}")
        if problems:
            reason = "; ".join(problems[:5]) + ("; ..." if len(problems) > 5 else "")
            self.log.error(
                "Entrada: entrega de %s recusada (%s); original em %s", student_id, reason, quarantine
            )
            quarantine.parent.mkdir(parents=True, exist_ok=True)
            moved = linked or folder
            os.rename(moved, quarantine)
            folder.mkdir(parents=True, exist_ok=True)
            for name in notebooks:
                if not (release / name).is_file():
                    raise InstructorSetupError(f"falta a versão do aluno {release / name}.")
                nbformat.write(refusal_notebook(release / name, reason), folder / name)
            self._admissions[(assignment_id, student_id)] = {"recusada": reason}
        else:
            for name in undeclared:
                target = quarantine / name
                target.parent.mkdir(parents=True, exist_ok=True)
                os.rename(folder / name, target)
                self.log.warning("Entrada: %s não é pedido pela tarefa; movido para %s", name, target)
            self._admissions[(assignment_id, student_id)] = {"recusada": None, "fora": undeclared}
        self.notebooks = [str(folder / name) for name in notebooks if (folder / name).is_file()]

    def start(self):
        try:
            with gradebook_lock_scope():
                super().start()
        except InstructorSetupError as error:
            self.log.critical("%s", error)
            raise NbGraderException(str(error)) from None

    def convert_single_notebook(self, notebook_filename):
        try:
            super().convert_single_notebook(notebook_filename)
        finally:
            self._sanitizing = True  # o nbgrader não o restaura se um pré-processador falha ao carregar

    def init_destination(self, assignment_id, student_id):
        self.admit(assignment_id, student_id)
        return super().init_destination(assignment_id, student_id)

    def init_single_notebook_resources(self, notebook_filename):
        resources = super().init_single_notebook_resources(notebook_filename)
        info = resources["nbgrader"]
        resources["cnn_intake"] = self._admissions.get((info["assignment"], info["student"]))
        return resources


def _matches(name, patterns):
    return any(fnmatch.fnmatch(name, pattern) for pattern in patterns)


def _not_regular(path):
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return False
    return not stat.S_ISREG(info.st_mode)


def install():
    """Troca o ``Autograde`` do ``nbgrader autograde`` (e do formgrader) por :class:`IntakeAutograde`.

    Também serializa o acesso ao gradebook entre processos durante a correção
    (:func:`cnn_grader.parallel.serialize_gradebook`).
    """
    from nbgrader.apps import autogradeapp

    autogradeapp.Autograde = IntakeAutograde
    serialize_gradebook()


__all__ = ["QUARANTINE", "Intake", "IntakeAutograde", "install", "problems_of_name", "refusal_notebook"]
