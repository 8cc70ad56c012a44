"""A caixa de areia da correção (``cnn_grader/sandbox.py``), peça por peça e com kernels de verdade.

Os testes com kernel precisam do bubblewrap: fora do CI, sem ``bwrap`` utilizável, eles são pulados com um
aviso; no CI (``CI=true``) falham, porque corrigir sem isolamento não é aceitável.
"""

import json
import os
import random
import socket
import string
import sys
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_notebook
from traitlets.config import Config

from cnn_grader.sandbox import (
    GIB,
    MIB,
    Limits,
    SandboxExecute,
    SandboxKernelManager,
    isolation_available,
    kernel_environment,
    sandbox_command,
)

REPO = Path(__file__).resolve().parents[1]
LIMITS = {"memory_limit": 3 * GIB, "cpu_time_limit": 120, "process_limit": 48, "file_size_limit": 4 * MIB}


def require_isolation():
    """Exige o bubblewrap: pula o teste fora do CI, falha no CI."""
    if not isolation_available():
        message = "bubblewrap (bwrap) ausente ou sem permissão: a correção rodaria sem caixa de areia"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (instale com apt-get install -y bubblewrap)")
        pytest.skip(message)


@pytest.fixture(scope="module")
def isolation():
    require_isolation()


def run_cells(workdir, sources, *, limits=LIMITS, timeout=20, **traits):
    """Executa as células com :class:`SandboxExecute` em ``workdir`` e devolve o notebook executado."""
    nb = new_notebook(cells=[new_code_cell(source) for source in sources])
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    executor = SandboxExecute(config=Config({"SandboxKernelManager": limits}), timeout=timeout, **traits)
    executor.preprocess(nb, {"metadata": {"path": str(workdir)}})
    return nb


def text_of(cell):
    return "".join(out.get("text", "") for out in cell.outputs if out.output_type == "stream")


def errors_of(cell):
    return [(out.ename, out.evalue) for out in cell.outputs if out.output_type == "error"]


# --- peças puras


@pytest.mark.parametrize("field", ["memory_bytes", "cpu_seconds", "processes", "file_bytes", "scratch_bytes"])
def test_limits_reject_non_positive_values(field):
    rng = random.Random(field)
    for value in [0, -rng.randint(1, 10**9), 1.5, "10", True, None]:
        with pytest.raises(ValueError, match=f"{field} deve ser um inteiro positivo; recebido: "):
            Limits(**{field: value})


def test_prlimit_command_sets_every_limit():
    rng = random.Random(7)
    for _ in range(20):
        values = {field: rng.randint(1, 2**40) for field in ("memory_bytes", "cpu_seconds", "file_bytes")}
        processes, running = rng.randint(1, 4096), rng.randint(0, 500)
        cmd = Limits(processes=processes, **values).prlimit_command(running)
        assert cmd[0] == "prlimit" and cmd[-1] == "--"
        assert f"--as={values['memory_bytes']}" in cmd
        assert f"--cpu={values['cpu_seconds']}:{values['cpu_seconds'] + 5}" in cmd
        assert f"--nproc={processes + running}" in cmd
        assert f"--fsize={values['file_bytes']}" in cmd


def test_sandbox_command_shows_only_the_submission(tmp_path):
    rng = random.Random(3)
    workdir = tmp_path / "autograded" / "aluno" / "ex02"
    workdir.mkdir(parents=True)
    names = {"".join(rng.choices(string.ascii_lowercase, k=8)) + ext for ext in (".txt", ".npy", ".ipynb")}
    for name in names:
        (workdir / name).write_text("x")
    (workdir / ".ipynb_checkpoints").mkdir()
    (workdir / "atalho").symlink_to(REPO / "solutions")
    cmd = sandbox_command(
        ["python"], workdir=workdir, shared_dir=tmp_path / "conexao", limits=Limits(), uid=4321
    )
    bound = {cmd[i + 1] for i, arg in enumerate(cmd) if arg in ("--bind", "--ro-bind")}
    for name in names:
        assert (str(workdir / name) in bound) is (not name.endswith(".ipynb"))
    assert str(workdir / ".ipynb_checkpoints") not in bound and str(workdir / "atalho") not in bound
    assert not any(path in {str(REPO), str(REPO / "solutions"), str(tmp_path)} for path in bound)
    assert str(Path(sys.prefix).resolve()) in bound
    writable = {cmd[i + 1] for i, arg in enumerate(cmd) if arg == "--bind"}
    assert writable == {str(tmp_path / "conexao")}
    for flag in ("--unshare-net", "--unshare-pid", "--die-with-parent", "--unsetenv"):
        assert flag in cmd
    assert cmd[cmd.index("setpriv") + 1] == "--reuid=4321"
    assert cmd[-1] == "python" and "prlimit" in cmd


def test_kernel_environment_keeps_only_harmless_variables():
    rng = random.Random(11)
    for _ in range(30):
        secrets = {
            "".join(rng.choices(string.ascii_uppercase, k=rng.randint(3, 12))): "segredo" for _ in range(5)
        }
        secrets = {name: value for name, value in secrets.items() if not name.startswith(("LC_", "TF_"))}
        env = {**secrets, "PATH": "/usr/bin", "LC_ALL": "C.UTF-8", "TF_CPP_MIN_LOG_LEVEL": "3"}
        result = kernel_environment(env, home="/tmp")
        assert result["HOME"] == "/tmp" and result["PATH"] == "/usr/bin" and result["LC_ALL"] == "C.UTF-8"
        assert not set(secrets) - {"PATH", "LANG", "LANGUAGE", "TZ"} & set(result)


def test_config_file_swaps_execute_for_the_sandbox():
    from nbgrader.converters import Autograde
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()
    default = Autograde.class_traits()["autograde_preprocessors"].default()
    chosen = config.Autograde.autograde_preprocessors
    assert chosen[0] == "cnn_grader.sandbox.SandboxExecute" and chosen[1:] == default[1:]
    assert config.SandboxKernelManager.memory_limit >= 3 * GIB


# --- kernels de verdade


PROBE = """
import json, os, resource, socket
obs = {"uid": os.getuid(), "cwd": os.getcwd(), "files": sorted(os.listdir("."))}
obs["limits"] = {name: resource.getrlimit(getattr(resource, "RLIMIT_" + name))[0]
                 for name in ("AS", "CPU", "NPROC", "FSIZE")}
obs["visible"] = {path: os.path.exists(path) for path in PATHS}
obs["root"] = sorted(os.listdir(ROOT))
obs["env"] = sorted(os.environ)
def attempt(action):
    try:
        action()
        return "ok"
    except OSError:
        return "OSError"
    except Exception as error:
        return type(error).__name__
obs["write_data"] = attempt(lambda: open("dados.txt", "a").write("x"))
obs["write_new"] = attempt(lambda: open("novo.txt", "w").write("x"))
obs["write_tmp"] = attempt(lambda: open("/tmp/x", "w").write("x"))
obs["write_venv"] = attempt(lambda: open(VENV + "/x", "w").write("x"))
obs["big_file"] = attempt(lambda: open("/tmp/grande", "wb").write(b"0" * (8 * 2**20)))
obs["host"] = attempt(lambda: socket.create_connection(("127.0.0.1", PORT), timeout=3))
obs["internet"] = attempt(lambda: socket.create_connection(("1.1.1.1", 53), timeout=3))
print(json.dumps(obs))
"""


@pytest.fixture(scope="module")
def probe(isolation, tmp_path_factory):
    """Roda PROBE num kernel da caixa de areia, com vizinhos que ele não deve enxergar."""
    root = tmp_path_factory.mktemp("curso")
    workdir = root / "autograded" / "aluno" / "ex"
    workdir.mkdir(parents=True)
    (workdir / "dados.txt").write_text("dados")
    (workdir / "ex.ipynb").write_text("{}")
    neighbours = [root / "submitted" / "outro" / "ex" / "ex.ipynb", root / "gradebook.db", REPO / "solutions"]
    for path in neighbours[:2]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("segredo")
    listener = socket.create_server(("127.0.0.1", 0))
    listener.setblocking(False)
    paths = [str(path) for path in neighbours] + [str(REPO / "nbgrader_config.py")]
    port = listener.getsockname()[1]
    source = f"PATHS = {paths!r}\nROOT = {str(root)!r}\nVENV = {sys.prefix!r}\nPORT = {port}\n" + PROBE
    os.environ["SEGREDO_DO_CORRETOR"] = "nao-vaze"
    try:
        nb = run_cells(workdir, [source])
    finally:
        del os.environ["SEGREDO_DO_CORRETOR"]
    with pytest.raises(BlockingIOError):
        listener.accept()
    listener.close()
    return json.loads(text_of(nb.cells[0])), workdir


def test_kernel_sees_only_its_own_files(probe):
    obs, workdir = probe
    assert obs["cwd"] == str(workdir)
    assert obs["files"] == ["dados.txt"]
    assert not any(obs["visible"].values()), obs["visible"]
    assert obs["root"] == ["autograded"]  # só o caminho até a própria pasta
    assert obs["write_data"] == "OSError" and obs["write_venv"] == "OSError"
    assert obs["write_new"] == "ok" and obs["write_tmp"] == "ok"
    assert not (workdir / "novo.txt").exists() and (workdir / "dados.txt").read_text() == "dados"


def test_kernel_has_the_configured_limits(probe):
    obs, _ = probe
    assert obs["limits"] == {
        "AS": LIMITS["memory_limit"],
        "CPU": LIMITS["cpu_time_limit"],
        "NPROC": LIMITS["process_limit"],
        "FSIZE": LIMITS["file_size_limit"],
    }
    assert obs["big_file"] == "OSError"  # maior que file_size_limit
    if os.geteuid() == 0:
        assert obs["uid"] != 0


def test_kernel_has_no_network_and_no_secrets(probe):
    obs, _ = probe
    assert obs["host"] == "OSError"
    assert obs["internet"] == "OSError"
    assert "SEGREDO_DO_CORRETOR" not in obs["env"] and "HOME" in obs["env"]


def test_memory_and_fork_bombs_are_bounded(isolation, tmp_path):
    memory = "try:\n    x = bytearray(4 * 2**30)\nexcept MemoryError:\n    print('MemoryError')"
    forks = (
        "import os, signal, time\npids = []\ntry:\n    while True:\n        pid = os.fork()\n"
        "        if pid == 0:\n            time.sleep(60)\n            os._exit(0)\n"
        "        pids.append(pid)\nexcept OSError:\n    pass\n"
        "for pid in pids:\n    os.kill(pid, signal.SIGKILL)\nprint(len(pids))"
    )
    nb = run_cells(tmp_path, [memory, forks])
    assert text_of(nb.cells[0]).strip() == "MemoryError"
    assert 0 < int(text_of(nb.cells[1])) < LIMITS["process_limit"]


def test_interrupt_reaches_only_the_kernel(isolation, tmp_path):
    nb = run_cells(tmp_path, ["while True:\n    pass", "print('vivo')"], timeout=3)
    assert errors_of(nb.cells[0])  # interrompida (KeyboardInterrupt ou CellTimeoutError)
    assert text_of(nb.cells[1]) == "vivo\n"


@pytest.mark.parametrize(
    ("killer", "reason"),
    [
        ("import os\nos._exit(3)", "código 3"),
        ("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)", "SIGKILL"),
        ("while True:\n    pass", "CPU"),
        ("print('x' * 2**20, flush=True)\nprint('y' * 2**20, flush=True)", "saída do notebook"),
    ],
)
def test_dead_kernel_zeroes_the_remaining_cells(isolation, tmp_path, killer, reason):
    limits = {**LIMITS, "cpu_time_limit": 3}
    nb = run_cells(
        tmp_path, ["print('antes')", killer, "print('depois')"], limits=limits, max_output_bytes=MIB
    )
    assert text_of(nb.cells[0]) == "antes\n"
    for cell in nb.cells[1:]:
        (ename, evalue), *_ = errors_of(cell)[-1:]
        assert ename == "ExecucaoInterrompida" and reason in evalue
    assert "depois" not in text_of(nb.cells[2])


def test_notebook_timeout_stops_a_loop_that_ignores_interrupts(isolation, tmp_path):
    loop = (
        "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    time.sleep(0.1)"
    )
    nb = run_cells(tmp_path, [loop, "print(1)", "print(2)"], timeout=2, notebook_timeout=6)
    assert all(errors_of(cell) for cell in nb.cells)
    assert "não atendeu à interrupção" in errors_of(nb.cells[-1])[-1][1]


def graded(source, points=1):
    cell = new_code_cell(source)
    cell.metadata.nbgrader = {
        "grade": True,
        "solution": False,
        "grade_id": "t",
        "points": points,
        "locked": True,
    }
    return cell


def run_graded(tmp_path, cells, timeout=20):
    nb = new_notebook(cells=cells)
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    SandboxExecute(timeout=timeout).preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    return nb


def test_failing_test_cells_cannot_show_a_result_or_be_skipped(isolation, tmp_path):
    """O nbgrader puro daria nota a um resultado impresso antes do erro e não rodaria uma célula marcada."""
    student = new_code_cell("import sys\ndef f():\n    sys.displayhook('nota cheia')\n    return 0")
    skipped = graded("assert f() == 2")
    skipped.metadata.tags = ["skip-execution"]
    nb = run_graded(tmp_path, [student, graded("assert f() == 1"), skipped, graded("print(f())")])
    for cell in nb.cells[1:3]:
        assert [out.output_type for out in cell.outputs] == ["error"]
    assert [out.output_type for out in nb.cells[3].outputs] == ["execute_result", "stream"]


@pytest.mark.parametrize(
    "tampering",
    [
        "get_ipython().input_transformers_cleanup.append(lambda lines: ['pass\\n'])",
        "import ast\nclass T(ast.NodeTransformer):\n    pass\nget_ipython().ast_transformers.append(T())",
        "ip = get_ipython()\nrun = ip.run_cell\nip.run_cell = lambda *a, **k: run('pass')",
        "import importlib\nimportlib.reload = lambda module: module",
        "import cnn_lib.shapes\ncnn_lib.shapes.output_size = lambda *a, **k: 0",
        "import cnn_lib.grading\ncnn_lib.grading.check_int = print",
    ],
)
def test_tampering_zeroes_the_test_cell_and_the_rest(isolation, tmp_path, tampering):
    nb = run_graded(
        tmp_path, [graded("print('antes')"), new_code_cell(tampering), graded("x = 1"), graded("y = 2")]
    )
    assert not errors_of(nb.cells[0]) and not errors_of(nb.cells[1])
    for cell in nb.cells[2:]:
        ename, evalue = errors_of(cell)[-1]
        assert ename == "ExecucaoInterrompida" and "alterou o IPython" in evalue


@pytest.mark.slow
@pytest.mark.parametrize(
    "tampering",
    [
        "keras.models.clone_model = lambda modelo: modelo",
        "keras.Model.__call__ = lambda self, *a, **k: 0",
        "keras.Sequential = type('Sequential', (), {'compiled': True})",
        "keras.layers.Extra = type('Extra', (keras.layers.Lambda,), {})",
        "keras.activations.relu = lambda x: x",
    ],
)
def test_keras_tampering_is_caught_once_keras_is_imported(isolation, tmp_path, tampering):
    """Importar o Keras entre duas auditorias não acusa nada; trocar o que os testes do ex05 usam, sim."""
    cells = [graded("print('antes')"), new_code_cell("import keras"), graded("x = 1")]
    nb = run_graded(tmp_path, [*cells, new_code_cell(tampering), graded("y = 2")], timeout=120)
    assert not any(errors_of(cell) for cell in nb.cells[:4]), [errors_of(cell) for cell in nb.cells]
    ename, evalue = errors_of(nb.cells[4])[-1]
    assert ename == "ExecucaoInterrompida" and "objetos do Keras" in evalue


def test_honest_notebook_passes_the_audit(isolation, tmp_path):
    nb = new_notebook(
        cells=[
            new_code_cell("%matplotlib inline\nimport numpy as np, matplotlib.pyplot as plt"),
            new_code_cell("from cnn_lib import grading"),
            new_code_cell("id = type = set = 3\nplt.plot(np.arange(3)); plt.show()"),
            graded("import importlib, cnn_lib.grading\n_g = importlib.reload(cnn_lib.grading)"),
            graded("_g.fresh_library()"),
            graded("%reset -f\nprint('ok')"),
            graded("print('fim')"),
        ]
    )
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    SandboxExecute(timeout=60).preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    assert not any(errors_of(cell) for cell in nb.cells), [errors_of(cell) for cell in nb.cells]
    assert text_of(nb.cells[-1]) == "fim\n"


def test_without_bwrap_the_kernel_still_runs_with_limits(tmp_path, monkeypatch):
    import cnn_grader.sandbox as sandbox

    monkeypatch.setattr(sandbox, "isolation_available", lambda: False)
    with pytest.warns(RuntimeWarning, match="caixa de areia INATIVA"):
        nb = run_cells(tmp_path, ["import resource\nprint(resource.getrlimit(resource.RLIMIT_AS)[0])"])
    assert int(text_of(nb.cells[0])) == LIMITS["memory_limit"]


def test_stop_kills_every_process_of_the_sandbox(isolation, tmp_path):
    """Nem um processo filho que abandona o grupo (setsid) sobrevive ao fim da caixa de areia."""
    import asyncio

    from cnn_grader.sandbox import SANDBOX_UID_BASE, _tasks_of_user

    async def scenario():
        km = SandboxKernelManager(kernel_name="python3")
        await km.start_kernel(cwd=str(tmp_path))
        kc = km.client()
        kc.start_channels()
        await kc.wait_for_ready(timeout=60)
        await kc.execute_interactive(
            "import os, time\nif os.fork() == 0:\n    os.setsid()\n    time.sleep(600)"
        )
        km.stop("teste")
        await asyncio.sleep(1)
        alive = await km.is_alive()
        kc.stop_channels()
        await km.shutdown_kernel(now=True)
        return alive, km.death_description()

    alive, description = asyncio.run(scenario())
    assert not alive and description == "teste"
    if os.geteuid() == 0:
        assert _tasks_of_user(SANDBOX_UID_BASE + os.getpid()) == 0
