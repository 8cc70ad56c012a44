"""A caixa de areia da correção (``cnn_grader/sandbox.py``), peça por peça e com kernels de verdade.

Os testes com kernel precisam do bubblewrap: fora do CI, sem ``bwrap`` utilizável, eles são pulados com um
aviso; no CI (``CI=true``) falham, porque corrigir sem isolamento não é aceitável.
"""

import json
import os
import random
import socket
import string
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_notebook
from traitlets.config import Config

from cnn_grader.sandbox import (
    GIB,
    MIB,
    SANDBOX_UID_BASE,
    InstructorSetupError,
    KernelLayout,
    Limits,
    SandboxExecute,
    SandboxKernelManager,
    copy_answers,
    grader_paths,
    isolation_available,
    kernel_environment,
    kernel_layout,
    sandbox_command,
    seccomp_filter,
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


def execute(nb, workdir, *, limits=LIMITS, timeout=20, intake=None, manager=None, **traits):
    """Executa ``nb`` com :class:`SandboxExecute` em ``workdir``; devolve o notebook e os recursos."""
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    config = Config({"SandboxKernelManager": {**limits, **(manager or {})}})
    config.SandboxExecute.config_file = traits.pop("config_file", "nbgrader_sandbox.py")
    executor = SandboxExecute(config=config, timeout=timeout, **traits)
    resources = {"metadata": {"path": str(workdir)}, "cnn_intake": intake if intake is not None else {}}
    executor.preprocess(nb, resources)
    return nb, resources


def run_cells(workdir, sources, **options):
    """Executa as células em ``workdir`` na caixa de areia e devolve o notebook executado."""
    return execute(new_notebook(cells=[new_code_cell(source) for source in sources]), workdir, **options)[0]


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


def test_sandbox_command_shows_only_the_inputs_and_hides_the_grader(tmp_path):
    rng = random.Random(3)
    workdir = tmp_path / "autograded" / "aluno" / "ex02"
    workdir.mkdir(parents=True)
    names = {"".join(rng.choices(string.ascii_lowercase, k=8)) + ext for ext in (".txt", ".npy", ".ipynb")}
    for name in names | {"modulo.py", "x.pth", "y.so"}:
        (workdir / name).write_text("x")
    (workdir / "pacote").mkdir()
    (workdir / "pacote" / "__init__.py").write_text("")
    (workdir / ".ipynb_checkpoints").mkdir()
    (workdir / "atalho").symlink_to(REPO / "solutions")
    layout = kernel_layout(sys.executable)
    substitute = tmp_path / "vazio.npz"
    cmd = sandbox_command(
        ["python"],
        workdir=workdir,
        scratch=tmp_path / "area",
        limits=Limits(),
        layout=layout,
        uid=4321,
        replace_files={"/instalado/dados.npz": str(substitute)},
    )
    bound = {cmd[i + 1]: cmd[i + 2] for i, arg in enumerate(cmd) if arg in ("--bind", "--ro-bind")}
    for name in names:
        assert (str(workdir / name) in bound) is (not name.endswith(".ipynb"))
    hidden = ("modulo.py", "x.pth", "y.so", "pacote", ".ipynb_checkpoints", "atalho")
    assert not any(str(workdir / name) in bound for name in hidden)
    assert not any(path in {str(REPO), str(REPO / "solutions"), str(tmp_path)} for path in bound)
    assert str(Path(sys.prefix).resolve()) in bound and layout.package_dir("cnn_lib") in bound
    assert bound[str(substitute)] == "/instalado/dados.npz"
    writable = {cmd[i + 1]: cmd[i + 2] for i, arg in enumerate(cmd) if arg == "--bind"}
    assert writable == {
        str(tmp_path / "area" / "tmp"): "/tmp",
        str(tmp_path / "area" / "conexao"): str(tmp_path / "area" / "conexao"),
        str(tmp_path / "area" / "trabalho"): str(workdir),
    }
    for flag in ("--unshare-net", "--unshare-pid", "--die-with-parent", "--unsetenv"):
        assert flag in cmd
    assert cmd[cmd.index("--setenv") + 1 : cmd.index("--setenv") + 3] == ["PYTHONSAFEPATH", "1"]
    assert cmd[cmd.index("setpriv") + 1] == "--reuid=4321"
    assert cmd[-1] == "python" and "prlimit" in cmd


def test_grader_package_is_masked_when_inside_the_mounted_environment(tmp_path):
    grader = grader_paths()[0]
    layout = KernelLayout(modules={}, roots=(str(Path(grader).parent),))
    cmd = sandbox_command(["python"], workdir=tmp_path, scratch=tmp_path, limits=Limits(), layout=layout)
    masked = cmd.index("--tmpfs", cmd.index("--ro-bind", cmd.index("--proc")))
    assert cmd[masked + 1] == grader and cmd[masked + 2 : masked + 4] == ["--remount-ro", grader]


def test_kernel_layout_finds_the_library_the_kernel_imports():
    layout = kernel_layout(sys.executable)
    import cnn_lib

    assert layout.package_dir("cnn_lib") == str(Path(cnn_lib.__file__).resolve().parent)
    assert all(Path(root).is_absolute() for root in layout.roots)


def test_kernel_layout_blames_the_instructor_when_cnn_lib_is_missing(tmp_path):
    bare = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True)
    with pytest.raises(InstructorSetupError, match=r"CONFIGURAÇÃO DO INSTRUTOR: .*não acha cnn_lib"):
        kernel_layout(str(bare / "bin" / "python"))


def test_seccomp_filter_is_well_formed():
    program = seccomp_filter("x86_64")
    assert len(program) == 13 * 8
    codes = [struct.unpack_from("<HBBI", program, offset) for offset in range(0, len(program), 8)]
    for index, (code, jt, jf, _) in enumerate(codes):
        assert index + 1 + max(jt, jf) < len(codes) or code == 0x06  # saltos dentro do programa
    assert codes[-1][0] == 0x06 and codes[7] == (0x06, 0, 0, 0x7FFF0000)


def test_copy_answers_keeps_only_regular_files_within_limits(tmp_path):
    source, target = tmp_path / "respostas", tmp_path / "destino"
    source.mkdir()
    target.mkdir()
    for index in range(5):
        (source / f"m{index}.keras").write_bytes(b"x" * (index + 1))
    (source / "grande.keras").write_bytes(b"x" * 100)
    (source / "link").symlink_to("/etc/passwd")
    os.link(source / "m0.keras", source / "fisico")
    os.mkfifo(source / "fifo")
    (source / "pasta").mkdir()
    skipped = copy_answers(source, target, max_files=3, max_bytes=50)
    assert sorted(path.name for path in target.iterdir()) == ["m1.keras", "m2.keras", "m3.keras"]
    assert len(skipped) == 7 and all(isinstance(reason, str) for reason in skipped)


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


def test_config_puts_the_sandbox_the_intake_and_inert_html_in_place():
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()
    chosen = config.Autograde.autograde_preprocessors
    assert chosen[0] == "cnn_grader.sandbox.SandboxExecute"
    assert chosen.index("cnn_grader.html.InertHTML") < chosen.index("nbgrader.preprocessors.SaveAutoGrades")
    assert "cnn_grader.html.InertHTML" in config.GenerateFeedback.preprocessors
    assert config.SandboxExecute.config_file == "nbgrader_sandbox.py"
    assert config.SandboxKernelManager.memory_limit >= 3 * GIB
    from nbgrader.apps import autogradeapp

    assert autogradeapp.Autograde.__name__ == "IntakeAutograde"


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
obs["grader"] = [os.path.exists(path) for path in GRADER]
obs["sys_path_cwd"] = any(entry in ("", ".", os.getcwd()) for entry in __import__("sys").path)
obs["userns"] = __import__("subprocess").run(["unshare", "--user", "true"], capture_output=True).returncode
tmp = os.statvfs("/tmp")
obs["tmp"] = {"bytes": tmp.f_blocks * tmp.f_frsize, "files": tmp.f_files,
              "same": os.stat("/tmp").st_dev == os.stat(".").st_dev}
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
    source = f"PATHS = {paths!r}\nROOT = {str(root)!r}\nVENV = {sys.prefix!r}\nPORT = {port}\n"
    source += f"GRADER = {[*grader_paths(), str(REPO / 'cnn_grader' / 'verdict.py')]!r}\n" + PROBE
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


def test_kernel_cannot_see_the_grader_nor_import_from_its_folder(probe):
    obs, _ = probe
    assert obs["grader"] == [False, False]
    assert obs["sys_path_cwd"] is False


def test_nested_user_namespaces_are_blocked(probe):
    obs, _ = probe
    assert subprocess.run(["unshare", "--user", "true"]).returncode == 0  # fora da caixa, funciona
    assert obs["userns"] != 0


@pytest.mark.skipif(os.geteuid() != 0, reason="o tmpfs limitado do corretor precisa de root")
def test_writable_places_are_one_bounded_tmpfs(probe):
    obs, _ = probe
    assert obs["tmp"]["bytes"] <= 256 * MIB and obs["tmp"]["files"] <= 4096 and obs["tmp"]["same"]


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
    return execute(new_notebook(cells=cells), tmp_path, timeout=timeout)[0]


def test_failing_test_cells_cannot_show_a_result_or_be_skipped(isolation, tmp_path):
    """O nbgrader puro daria nota a um resultado impresso antes do erro e não rodaria uma célula marcada."""
    student = new_code_cell("import sys\ndef f():\n    sys.displayhook('nota cheia')\n    return 0")
    skipped = graded("assert f() == 2")
    skipped.metadata.tags = ["skip-execution"]
    nb = run_graded(tmp_path, [student, graded("assert f() == 1"), skipped, graded("print(f())")])
    for cell in nb.cells[1:3]:
        assert [out.output_type for out in cell.outputs] == ["error"]
    assert [out.output_type for out in nb.cells[3].outputs] == ["execute_result", "stream"]


def test_answers_folder_reaches_the_grader_and_replaced_files_hide_data(isolation, tmp_path):
    secret, substitute = tmp_path / "instalado" / "teste_oculto.npz", tmp_path / "vazio.npz"
    secret.parent.mkdir()
    secret.write_text("rotulos de teste")
    workdir = tmp_path / "trabalho"
    workdir.mkdir()
    substitute.write_text("")
    cells = [
        "import os\nos.makedirs('respostas')\nopen('respostas/modelo.keras', 'w').write('pesos')",
        "os.symlink('/etc/passwd', 'respostas/atalho')",
        "open('respostas/grande.keras', 'wb').write(b'0' * 2**20)",
        f"print(repr(open({str(secret)!r}).read()))",
    ]
    nb, resources = execute(
        new_notebook(cells=[new_code_cell(source) for source in cells]),
        workdir,
        manager={"replace_files": {str(secret): str(substitute)}},
    )
    answers = Path(resources["cnn_respostas_dir"])
    assert sorted(path.name for path in answers.iterdir()) == ["grande.keras", "modelo.keras"]
    assert (answers / "modelo.keras").read_text() == "pesos"
    assert text_of(nb.cells[3]) == "''\n", nb.cells[3].outputs
    assert not (workdir / "respostas").exists()  # a pasta de trabalho do kernel é um tmpfs à parte


def test_refused_submission_is_not_executed(isolation, tmp_path):
    nb = run_cells(tmp_path, ["open('executou', 'w')"], intake={"recusada": "link simbólico"})
    (ename, evalue), *_ = errors_of(nb.cells[0])
    assert ename == "EntregaRecusada" and "link simbólico" in evalue and not (tmp_path / "executou").exists()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"config_file": ""}, "nbgrader_sandbox.py"),
        ({"intake": None}, "cnn_grader.intake"),
    ],
)
def test_missing_configuration_stops_grading(tmp_path, options, message):
    nb = new_notebook(cells=[new_code_cell("print(1)")])
    with pytest.raises(InstructorSetupError, match=message):
        if options.get("intake", {}) is None:
            nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
            config = Config({"SandboxExecute": {"config_file": "x"}})
            SandboxExecute(config=config).preprocess(nb, {"metadata": {"path": str(tmp_path)}})
        execute(nb, tmp_path, **options)


def test_without_bwrap_grading_stops_and_says_what_to_install(tmp_path, monkeypatch):
    import cnn_grader.sandbox as sandbox

    monkeypatch.setattr(sandbox, "isolation_available", lambda: False)
    with pytest.raises(InstructorSetupError, match="apt-get install -y bubblewrap"):
        run_cells(tmp_path, ["print(1)"])


def test_explicit_opt_out_runs_without_bwrap_loudly(tmp_path, monkeypatch):
    import cnn_grader.sandbox as sandbox

    monkeypatch.setattr(sandbox, "isolation_available", lambda: False)
    source = "import resource\nprint(resource.getrlimit(resource.RLIMIT_AS)[0])"
    with pytest.warns(RuntimeWarning, match="SEM CAIXA DE AREIA"):
        nb = run_cells(tmp_path, [source], manager={"allow_no_isolation": True})
    assert int(text_of(nb.cells[0])) == LIMITS["memory_limit"]


def test_stop_kills_every_process_of_the_sandbox(isolation, tmp_path):
    """Nem um processo filho que abandona o grupo (setsid) sobrevive ao fim da caixa de areia."""
    import asyncio

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
        assert tasks_of_user(SANDBOX_UID_BASE + os.getpid()) == 0


def tasks_of_user(uid):
    """Processos e threads do usuário ``uid`` agora."""
    total = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            lines = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        total += int(lines["Threads"]) if int(lines["Uid"].split()[0]) == uid else 0
    return total
