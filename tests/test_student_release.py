"""A versão do aluno (``make student-release``): só o material do aluno, nada das soluções, capítulos que
abrem como notebooks sem mudar ao salvar."""

import asyncio
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import student_release  # noqa: E402


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    dest = tmp_path_factory.mktemp("aluno") / "curso-cnn-aluno"
    subprocess.run([sys.executable, str(ROOT / "tools" / "student_release.py"), str(dest)], check=True)
    return dest


def _files(folder):
    return sorted(p for p in folder.rglob("*") if p.is_file() and ".git" not in p.relative_to(folder).parts)


def _solution_regions():
    """Os trechos entre os marcadores de solução e de testes ocultos, por notebook do instrutor."""
    regions = []
    for notebook in sorted((ROOT / "solutions").glob("*/*.ipynb")):
        for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
            source = "".join(cell["source"])
            pattern = r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)### END \1"
            regions += [m[2] for m in re.finditer(pattern, source, re.DOTALL) if m[2].strip()]
    return regions


def test_only_student_material(release):
    top = {p.name for p in release.iterdir()}
    assert top == {
        ".gitignore",
        "README.md",
        "binder",
        "book",
        "cnn_lib",
        "exercises",
        "jupytext.toml",
        "pyproject.toml",
        "requirements.txt",
    }
    names = {p.relative_to(release).as_posix() for p in _files(release)}
    for forbidden in ("solutions/", "cnn_grader/", "instrutor/", "tests/", "nbgrader_config", "gradebook"):
        assert not [n for n in names if forbidden in n], forbidden
    assert "book/guia-do-instrutor.md" not in names
    assert {f"exercises/{p.parent.name}/{p.name}" for p in (ROOT / "exercises").glob("*/*.ipynb")} <= names


def test_no_solution_hidden_test_or_digest_anywhere(release):
    """Varre o texto de cada arquivo: nenhum marcador do nbgrader, nenhum trecho de solução ou de teste
    oculto, nenhum resumo de resposta (os hexadecimais dos testes ocultos)."""
    regions = _solution_regions()
    assert len(regions) >= 10
    digests = {d for region in regions for d in re.findall(r"\b[0-9a-f]{16,}\b", region)}
    texts = {p: p.read_text(encoding="utf-8", errors="replace") for p in _files(release)}
    for path, text in texts.items():
        assert not re.search(r"(BEGIN|END) (SOLUTION|HIDDEN TESTS)", text), path
        assert not [d for d in digests if d in text], path
        for region in regions:
            assert region.strip() not in text, (path, region[:80])


def test_scanner_catches_a_planted_leak(release, tmp_path):
    """O verificador da ferramenta acusa uma solução copiada com outro nome (ele pode falhar)."""
    planted = tmp_path / "vaza"
    shutil.copytree(release, planted)
    solution = next((ROOT / "solutions").glob("ex02*/*.ipynb"))
    shutil.copy(solution, planted / "exercises" / "revisao.ipynb")
    problems = student_release.leaks(planted, student_release.secrets())
    assert any(path.name == "revisao.ipynb" for path, _ in problems)
    assert not student_release.leaks(release, student_release.secrets())


def test_pyproject_installs_only_cnn_lib(release, tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            str(release),
        ],
        check=True,
    )
    (wheel,) = tmp_path.glob("cnn_lib-*.whl")
    packages = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist()}
    assert packages == {"cnn_lib", wheel.name.split("-")[0] + "-" + wheel.name.split("-")[1] + ".dist-info"}


def test_chapters_render_and_survive_save_in_jupyterlab(release):
    """Sem diretivas MyST que o JupyterLab mostraria como texto cru; abrir, rodar (saídas) e salvar pelo
    gerenciador de arquivos do jupytext (o do JupyterLab) não muda o arquivo: o nbgitpuller não vê mudança
    local."""
    from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager
    from jupytext.async_contentsmanager import build_async_jupytext_contents_manager_class

    chapters = sorted((release / "book").glob("*.md"))
    assert len(chapters) >= 10
    for chapter in chapters:
        text = chapter.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(:::+|```+)\{(admonition|dropdown|note|tip|warning)\}", text, re.MULTILINE)
        assert not re.search(r"\{(glue:text|ref|cite|numref)\}`", text), chapter.name
    assert "<details><summary>" in (release / "book" / "05-pooling.md").read_text(encoding="utf-8")
    manager = build_async_jupytext_contents_manager_class(AsyncLargeFileManager)(root_dir=str(release))

    async def open_run_save(relative):
        model = await manager.get(relative, type="notebook", content=True)
        # Ao abrir, o JupyterLab regrava o kernel nos metadados (visto no hub: nome, nome exibido, linguagem).
        model["content"]["metadata"].pop("kernelspec", None)
        model["content"]["metadata"]["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3 (ipykernel)",
            "language": "python",
        }
        for cell in model["content"]["cells"]:
            if cell["cell_type"] == "code":
                cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "saída\n"}]
                cell["execution_count"] = 1
        await manager.save(model, relative)

    for chapter in chapters:
        before = chapter.read_bytes()
        asyncio.run(open_run_save(f"book/{chapter.name}"))
        assert chapter.read_bytes() == before, chapter.name


def test_refuses_destination_inside_instructor_repo():
    with pytest.raises(SystemExit, match="dentro do repositório do instrutor"):
        student_release.write_release(ROOT / "aluno")


def test_book_points_to_student_repository():
    """O botão de repositório, o Binder e o link do nbgitpuller usam ``repository.url`` do ``_config.yml``."""
    config = (ROOT / "_config.yml").read_text(encoding="utf-8")
    url = re.search(r"^repository:\n\s+url: (\S+)", config, re.MULTILINE)[1]
    assert url.rstrip("/").endswith("-aluno")
