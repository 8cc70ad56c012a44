"""A turma corrigida em paralelo, com o gradebook acessado por um processo de cada vez.

``python -m cnn_grader autograde <tarefa> [--jobs N] [--force]`` reparte os alunos entregues em ``N``
grupos (por padrão, um por núcleo) e roda um ``nbgrader autograde`` por grupo, ao mesmo tempo; cada processo
corrige só os seus alunos (``--CourseDirectory.student_id_exclude`` com os dos outros grupos). Cada entrega
continua na sua própria caixa de areia.

O gradebook é um SQLite: dois processos que escrevem nele ao mesmo tempo podem esbarrar em "database is
locked". :func:`serialize_gradebook` (ligado pelo ``nbgrader_config.py`` em todo processo do nbgrader do
curso) faz cada ``Gradebook`` do nbgrader segurar um ``flock`` exclusivo num arquivo ao lado do banco
(``gradebook.db.lock``) do momento em que é aberto até ser fechado, durante a correção
(:func:`gradebook_lock_scope`, em volta do ``autograde``); no mesmo processo, a trava é reentrante.
Cada uso do gradebook no ``autograde`` é curto (não inclui a execução do notebook), então a espera é pequena.

Examples
--------
>>> split(["ana", "bia", "caio", "davi", "eva"], 2)
[['ana', 'caio', 'eva'], ['bia', 'davi']]
"""

import argparse
import contextlib
import fcntl
import os
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

_LOCK = threading.RLock()
_STATE = {"depth": 0, "file": None}
_SCOPE = threading.local()


@contextlib.contextmanager
def gradebook_lock_scope():
    """Dentro deste bloco (e nesta thread), cada ``Gradebook`` aberto segura a trava do banco.

    Fora dele nada muda: o formgrader, que guarda um ``Gradebook`` aberto o tempo todo, não prende a trava.
    """
    previous = getattr(_SCOPE, "active", False)
    _SCOPE.active = True
    try:
        yield
    finally:
        _SCOPE.active = previous


def _sqlite_path(db_url):
    prefix = "sqlite:///"
    return db_url[len(prefix) :] if db_url.startswith(prefix) and db_url != prefix + ":memory:" else None


def _acquire(db_url):
    path = _sqlite_path(db_url)
    if path is None:
        return False
    _LOCK.acquire()
    if _STATE["depth"] == 0:
        handle = open(f"{path}.lock", "a")
        fcntl.flock(handle, fcntl.LOCK_EX)
        _STATE["file"] = handle
    _STATE["depth"] += 1
    return True


def _release():
    _STATE["depth"] -= 1
    if _STATE["depth"] == 0:
        fcntl.flock(_STATE["file"], fcntl.LOCK_UN)
        _STATE["file"].close()
        _STATE["file"] = None
    _LOCK.release()


def serialize_gradebook():
    """Faz o ``Gradebook`` do nbgrader segurar a trava do banco enquanto aberto (veja o módulo)."""
    from nbgrader import api

    gradebook = api.Gradebook
    if getattr(gradebook, "_cnn_serialized", False):
        return
    original_init, original_close = gradebook.__init__, gradebook.close

    def __init__(self, db_url, *args, **kwargs):
        self._cnn_locked = getattr(_SCOPE, "active", False) and _acquire(db_url)
        try:
            original_init(self, db_url, *args, **kwargs)
        except BaseException:
            if self._cnn_locked:
                self._cnn_locked = False
                _release()
            raise

    def close(self):
        try:
            original_close(self)
        finally:
            if getattr(self, "_cnn_locked", False):
                self._cnn_locked = False
                _release()

    gradebook.__init__, gradebook.close, gradebook._cnn_serialized = __init__, close, True


def split(students, jobs):
    """Reparte ``students`` em até ``jobs`` grupos alternados (entregas de tamanhos parecidos em cada um)."""
    groups = [students[index::jobs] for index in range(jobs)]
    return [group for group in groups if group]


def submitted_students(course, assignment):
    """Alunos com uma pasta (ou o que estiver no lugar dela) em ``submitted/<aluno>/<tarefa>``."""
    folder = Path(course) / "submitted"
    if not folder.is_dir():
        return []
    return sorted(entry.name for entry in folder.iterdir() if os.path.lexists(entry / assignment))


def _nbgrader():
    found = Path(sys.executable).with_name("nbgrader")
    return str(found) if found.exists() else shutil.which("nbgrader") or "nbgrader"


def autograde(course, assignment, jobs=None, extra=()):
    """Corrige a turma em ``jobs`` processos; devolve o código de saída (0 se todos terminaram bem)."""
    students = submitted_students(course, assignment)
    if not students:
        print(f"Nenhuma entrega de {assignment} em {Path(course) / 'submitted'}.", file=sys.stderr)
        return 1
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(students)))
    groups = split(students, jobs)
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")

    def run(group):
        others = sorted(set(students) - set(group))
        command = [_nbgrader(), "autograde", assignment, *extra]
        if others:
            command.append("--CourseDirectory.student_id_exclude=" + ",".join(others))
        return subprocess.run(command, cwd=course, env=env, capture_output=True, text=True, check=False)

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(run, groups))
    elapsed = time.perf_counter() - start
    for group, result in zip(groups, results, strict=True):
        if result.returncode != 0:
            print(f"--- grupo {', '.join(group)}: código {result.returncode}", file=sys.stderr)
            print(result.stderr[-4000:], file=sys.stderr)
    failed = sum(result.returncode != 0 for result in results)
    print(
        f"{len(students)} entregas de {assignment} em {jobs} processos: {elapsed:.1f} s; "
        f"{failed} processo(s) com erro."
    )
    return max(result.returncode for result in results)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m cnn_grader", description="Correção da turma em paralelo, com a caixa de areia."
    )
    commands = parser.add_subparsers(dest="comando", required=True)
    grade = commands.add_parser("autograde", help="corrige todas as entregas de uma tarefa")
    grade.add_argument("tarefa", help="por exemplo, ex02_dimensoes")
    grade.add_argument("--jobs", type=int, default=None, help="processos ao mesmo tempo (padrão: núcleos)")
    grade.add_argument("--force", action="store_true", help="corrige de novo quem já foi corrigido")
    grade.add_argument("--curso", default=".", help="raiz do curso (onde está o nbgrader_config.py)")
    args, extra = parser.parse_known_args(argv)
    extra = ["--force", *extra] if args.force else list(extra)
    return autograde(Path(args.curso).resolve(), args.tarefa, jobs=args.jobs, extra=extra)


__all__ = ["autograde", "gradebook_lock_scope", "main", "serialize_gradebook", "split", "submitted_students"]
