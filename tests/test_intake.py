"""A entrada das entregas (``cnn_grader/intake.py``) e as falhas do lado de quem corrige.

As peças puras rodam rápido; os cenários de ponta a ponta passam pelo ``nbgrader autograde`` de verdade:

* sem ``nbgrader_sandbox.py`` ou sem bubblewrap, a correção para com código diferente de zero e diz o que
  instalar, sem dar nota a ninguém;
* um kernel que não acha o ``cnn_lib`` para a correção com uma mensagem que culpa a configuração do instrutor,
  nunca o aluno;
* num clone do curso diferente do instalado (o ``cnn_lib`` instalado de outro lugar), a solução tira a nota
  cheia e o notebook em branco, zero.
"""

import json
import os
import shutil
import socket
import subprocess
import sys

import pytest
from nbgrader_utils import (
    BIN,
    REPO,
    fill,
    generate,
    make_course,
    nbgrader_env,
    read,
    scores,
    solution_sources,
    source_notebook,
    submit,
)
from test_sandbox import require_isolation

from cnn_grader.intake import Intake, problems_of_name

ASSIGNMENT = "ex02_dimensoes"


@pytest.mark.parametrize(
    ("name", "accepted"),
    [
        ("ex02_dimensoes.ipynb", True),
        ("dados-1.csv", True),
        ("ação.txt", True),
        ("..", False),
        ("a\nb", False),
        ("a\x1b[2Jb", False),
        ("\x7f", False),
        ("x" * 300, False),
        ("a\udcffb", False),
    ],
)
def test_names_are_checked(name, accepted):
    problems = problems_of_name(name)
    assert (problems == []) is accepted
    assert all(isinstance(problem, str) and problem for problem in problems)


def test_inspect_refuses_what_cannot_be_trusted_without_following_links(tmp_path):
    folder = tmp_path / "entrega"
    folder.mkdir()
    (folder / "ex.ipynb").write_text("{}")
    (folder / "dados.csv").write_text("1,2")
    (folder / "sobra.py").write_text("x = 1")
    (folder / "timestamp.txt").write_text("2026-11-23 12:00:00")
    (folder / "submission_secret.txt").write_text("segredo")  # o release_feedback precisa dele
    (folder / "atalho").symlink_to("/dev/zero")
    os.link(folder / "dados.csv", tmp_path / "outro_nome")
    os.mkfifo(folder / "cano")
    with socket.socket(socket.AF_UNIX) as unix:
        unix.bind(str(folder / "tomada"))
    (folder / "grande.npy").write_bytes(b"0" * 2048)
    deep = folder / "a" / "b" / "c" / "d"
    deep.mkdir(parents=True)
    intake = Intake(max_file_size=1024, max_depth=3)
    found = intake.inspect(folder, notebooks={"ex.ipynb"}, declared={"dados.csv", "grande.npy"})
    text = " | ".join(found.problems)
    for expected in (
        "atalho: link simbólico",
        "dados.csv: link físico",
        "cano: FIFO",
        "tomada: socket",
        "grande.npy: maior que",
        "pastas fundas demais",
    ):
        assert expected in text, text
    assert found.undeclared == ["sobra.py"]


def test_inspect_counts_files(tmp_path):
    for index in range(10):
        (tmp_path / f"f{index}.txt").write_text("x")
    found = Intake(max_files=5).inspect(tmp_path, notebooks=set(), declared=set())
    assert found.problems == ["mais de 5 arquivos e pastas"]


# --- de ponta a ponta


@pytest.fixture(scope="module")
def course_template(tmp_path_factory):
    """Um curso do ex02 gerado uma vez, com um aluno honesto e um em branco; cada teste copia."""
    require_isolation()
    course = make_course(tmp_path_factory.mktemp("modelo"), [ASSIGNMENT])
    release = generate(course, ASSIGNMENT)
    submit(course, ASSIGNMENT, "honesto", fill(release, solution_sources(source_notebook(ASSIGNMENT))))
    submit(course, ASSIGNMENT, "branco", read(release))
    return course


def copy_course(template, destination):
    shutil.copytree(template, destination, symlinks=True)
    return destination


def autograde(course, env=None):
    return subprocess.run(
        [str(BIN / "nbgrader"), "autograde", ASSIGNMENT, "--force"],
        cwd=course,
        env=env or nbgrader_env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def graded(course):
    return {student: score.total for student, score in scores(course, ASSIGNMENT).items()}


@pytest.mark.slow
def test_without_the_sandbox_file_grading_stops(course_template, tmp_path):
    course = copy_course(course_template, tmp_path / "curso")
    (course / "nbgrader_sandbox.py").unlink()
    result = autograde(course)
    assert result.returncode != 0
    assert "CONFIGURAÇÃO DO INSTRUTOR" in result.stderr and "nbgrader_sandbox.py" in result.stderr
    assert all(score.cells == {} for score in scores(course, ASSIGNMENT).values())  # ninguém tem nota


@pytest.mark.slow
def test_without_bubblewrap_grading_stops_and_says_what_to_install(course_template, tmp_path):
    course = copy_course(course_template, tmp_path / "curso")
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "bwrap").write_text("#!/bin/sh\necho 'bwrap: sem permissão' >&2\nexit 1\n")
    (fake / "bwrap").chmod(0o755)
    env = nbgrader_env()
    env["PATH"] = f"{fake}{os.pathsep}{env['PATH']}"
    result = autograde(course, env)
    assert result.returncode != 0
    assert "apt-get install -y bubblewrap" in result.stderr and "CONFIGURAÇÃO DO INSTRUTOR" in result.stderr
    assert all(score.cells == {} for score in scores(course, ASSIGNMENT).values())  # ninguém sem caixa


@pytest.mark.slow
def test_kernel_without_cnn_lib_blames_the_instructor(course_template, tmp_path):
    """Um kernel cujo Python não acha o cnn_lib: a correção para e não dá zero a ninguém."""
    course = copy_course(course_template, tmp_path / "curso")
    bare = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True)
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = [str(bare / "bin" / "python"), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "P", "language": "python"}))
    env = dict(nbgrader_env(), JUPYTER_PATH=str(tmp_path / "jupyter"))
    result = autograde(course, env)
    assert result.returncode != 0
    assert "CONFIGURAÇÃO DO INSTRUTOR" in result.stderr and "não acha cnn_lib" in result.stderr
    assert "alterou" not in result.stderr  # nada de culpar a entrega


@pytest.mark.slow
def test_grading_works_in_a_clone_other_than_the_installed_one(course_template, tmp_path):
    """O guia do hub: o curso num clone, o cnn_lib instalado (editável) de outro. Antes, todos tiravam 0."""
    course = copy_course(course_template, tmp_path / "clone")
    for package in ("cnn_lib", "cnn_grader"):  # o nbgrader importa o cnn_grader do clone (põe o cwd no path)
        shutil.copytree(REPO / package, course / package, ignore=shutil.ignore_patterns("__pycache__"))
    result = autograde(course)
    assert result.returncode == 0, result.stderr[-3000:]
    totals = graded(course)
    assert totals["branco"] == 0 and totals["honesto"] == 9


@pytest.mark.slow
def test_concurrent_grading_keeps_the_gradebook_whole(course_template, tmp_path):
    """Três processos do nbgrader ao mesmo tempo (python -m cnn_grader): notas certas, banco íntegro."""
    import sqlite3

    course = copy_course(course_template, tmp_path / "curso")
    honest = course / "submitted" / "honesto" / ASSIGNMENT
    blank = course / "submitted" / "branco" / ASSIGNMENT
    for index in range(4):
        shutil.copytree(honest, course / "submitted" / f"honesto{index}" / ASSIGNMENT)
        shutil.copytree(blank, course / "submitted" / f"branco{index}" / ASSIGNMENT)
    result = subprocess.run(
        [sys.executable, "-m", "cnn_grader", "autograde", ASSIGNMENT, "--jobs", "3", "--force"],
        cwd=course,
        env=nbgrader_env(),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "10 entregas de ex02_dimensoes em 3 processos" in result.stdout
    totals = graded(course)
    assert {student: total for student, total in totals.items() if student.startswith("honesto")} == {
        student: 9 for student in ["honesto", *(f"honesto{index}" for index in range(4))]
    }
    assert all(total == 0 for student, total in totals.items() if student.startswith("branco"))
    with sqlite3.connect(course / "gradebook.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_gradebook_lock_is_held_only_while_grading(tmp_path, monkeypatch):
    """Durante a correção, um Gradebook aberto prende a trava; fora dela (o formgrader), não."""
    import fcntl

    monkeypatch.setenv("PATH", nbgrader_env()["PATH"])  # o gradebook novo roda o alembic

    from nbgrader.api import Gradebook

    from cnn_grader.parallel import gradebook_lock_scope, serialize_gradebook

    serialize_gradebook()
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"

    def locked_elsewhere():
        with open(tmp_path / "gradebook.db.lock", "a") as other:
            try:
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(other, fcntl.LOCK_UN)
            return False

    with Gradebook(url):
        assert not locked_elsewhere()
    with gradebook_lock_scope(), Gradebook(url), Gradebook(url):
        assert locked_elsewhere()
    assert not locked_elsewhere()
