"""Caixa de areia (sandbox) para rodar as entregas com o nbgrader sem confiar nelas.

Uma entrega é código de terceiros: pode entrar em laço infinito, esgotar a memória ou o disco, criar
processos sem fim, imprimir gigabytes, abrir conexões de rede, ler as soluções ou as entregas dos colegas e
até encerrar o próprio kernel. Este módulo não decide nota nenhuma (o veredito é calculado fora do kernel, por
``cnn_grader.verdict``): ele só roda o notebook isolado e devolve os dados que o kernel produziu.

- :class:`SandboxKernelManager` (um ``AsyncKernelManager`` do jupyter_client) envolve o comando do kernel com
  o ``bwrap`` (bubblewrap): sem rede; o sistema e o ambiente Python só para leitura; o ``cnn_lib`` que o
  interpretador do kernel resolve (onde quer que esteja instalado), e nada do ``cnn_grader``; um ``/tmp``,
  uma pasta de trabalho e a pasta de conexão num tmpfs do corretor limitado em bytes e em número de arquivos;
  ``PYTHONSAFEPATH`` (a pasta de trabalho não entra no ``sys.path``) e user namespaces aninhados bloqueados
  por um filtro seccomp. Dentro dela, ``prlimit`` limita memória, tempo de CPU, número de processos e tamanho
  de arquivos; como root, ``setpriv`` troca o kernel para um usuário sem privilégios.
- :class:`SandboxExecute` (o pré-processador ``Execute`` do nbgrader) usa esse gerenciador, limita o tempo
  total do notebook e o tamanho da saída, confere antes da primeira célula que ``cnn_lib``, ``ipykernel``,
  ``IPython`` e ``numpy`` vêm do ambiente somente leitura, transforma a morte do kernel num erro nas células
  que faltavam e, no fim, copia os arquivos regulares de ``respostas/`` para o corretor
  (``resources["cnn_respostas_dir"]``).

Falhas do lado de quem corrige (sem bubblewrap, sem ``nbgrader_sandbox.py``, ``cnn_lib`` não importável no
kernel, caixa de areia que não inicia) levantam :class:`InstructorSetupError`, que para a correção inteira:
nenhum aluno leva zero por causa da configuração do professor.

Examples
--------
>>> limits = Limits(memory_bytes=2 * GIB, cpu_seconds=60)
>>> limits.prlimit_command()[:3]
['prlimit', '--as=2147483648', '--cpu=60:65']
>>> Limits(processes=0)
Traceback (most recent call last):
...
ValueError: processes deve ser um inteiro positivo; recebido: 0
"""

import ast
import atexit
import functools
import json
import os
import platform
import shlex
import shutil
import signal
import stat
import struct
import subprocess
import tempfile
import time
import warnings
from dataclasses import dataclass, fields
from pathlib import Path

import zmq
from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbconvert.preprocessors import Preprocessor
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute
from traitlets import Bool, Dict, Integer, List, Unicode, default
from traitlets.utils.importstring import import_item

MIB = 2**20
GIB = 2**30

# Base dos uids sem privilégios: cada processo corretor usa BASE + seu pid, para que o limite de processos de
# um kernel (contado por usuário) não dependa de outros kernels rodando ao mesmo tempo na máquina.
SANDBOX_UID_BASE = 1_000_000

# Variáveis de ambiente que o kernel recebe; as demais (tokens, senhas, caminhos do curso) ficam de fora.
_ENV_NAMES = {"PATH", "LANG", "LANGUAGE", "TZ", "PYTHONHASHSEED", "OMP_NUM_THREADS", "MPLBACKEND"}
_ENV_PREFIXES = ("LC_", "TF_", "KERAS_", "NBGRADER_")

# Diretórios do sistema vistos (só leitura) dentro da caixa de areia.
_SYSTEM_DIRS = ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")

# Módulos que precisam vir do ambiente somente leitura (``keras`` só quando instalado).
AUDITED_MODULES = ("cnn_lib", "ipykernel", "IPython", "numpy", "keras")
REQUIRED_MODULES = ("cnn_lib", "ipykernel", "IPython", "numpy")

# Nomes que o Python importaria: nunca são montados na pasta de trabalho do kernel.
IMPORTABLE_SUFFIXES = (".py", ".pyc", ".pyw", ".pth", ".so", ".pyd", ".zip", ".egg", ".whl")

# Arquivos que o kernel deixa para o corretor (modelos salvos pelo ``grading.collect``).
ANSWERS_DIR = "respostas"
MAX_ANSWER_FILES = 16
MAX_ANSWER_BYTES = 64 * MIB

SETUP_HINT = (
    "Isto é um problema da configuração de quem corrige, não da entrega. Veja 'Segurança da correção' no "
    "livro e o guia do instrutor."
)


class InstructorSetupError(BaseException):
    """Falha do lado de quem corrige: a correção inteira para, com código de saída diferente de zero.

    Deriva de ``BaseException`` de propósito: o nbgrader captura ``Exception`` de cada entrega e segue para a
    próxima (o aluno levaria zero pela configuração do professor); esta passa por essas capturas.
    """

    def __init__(self, message):
        super().__init__(f"CONFIGURAÇÃO DO INSTRUTOR: {message} {SETUP_HINT}")


@dataclass(frozen=True)
class Limits:
    """Limites de recursos de um kernel na caixa de areia.

    Parameters
    ----------
    memory_bytes : int
        Espaço de endereçamento de cada processo (``RLIMIT_AS``). Importar o TensorFlow e treinar uma CNN
        pequena pede cerca de 2,4 GiB; o padrão de 4 GiB deixa folga e ainda barra uma bomba de memória.
    cpu_seconds : int
        Tempo de CPU do kernel (``RLIMIT_CPU``), somado em todas as células; ao passar, o kernel recebe
        ``SIGXCPU`` e, 5 s depois, ``SIGKILL``.
    processes : int
        Processos e threads do usuário do kernel (``RLIMIT_NPROC``); barra uma bomba de ``fork``.
    file_bytes : int
        Tamanho máximo de um arquivo escrito pelo kernel (``RLIMIT_FSIZE``).
    scratch_bytes : int
        Tamanho total das áreas graváveis (``/tmp``, a pasta de trabalho e a pasta de conexão): um tmpfs em
        memória, que some no fim.
    scratch_files : int
        Número máximo de arquivos e pastas nessas áreas (``nr_inodes`` do tmpfs).

    Examples
    --------
    >>> Limits().memory_bytes == 4 * GIB
    True
    >>> Limits(cpu_seconds=-1)
    Traceback (most recent call last):
    ...
    ValueError: cpu_seconds deve ser um inteiro positivo; recebido: -1
    """

    memory_bytes: int = 4 * GIB
    cpu_seconds: int = 600
    processes: int = 256
    file_bytes: int = 256 * MIB
    scratch_bytes: int = 256 * MIB
    scratch_files: int = 4096

    def __post_init__(self):
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"{field.name} deve ser um inteiro positivo; recebido: {value!r}")

    def prlimit_command(self, running_processes=0):
        """Prefixo ``prlimit ... --`` que aplica os limites ao comando seguinte.

        Parameters
        ----------
        running_processes : int
            Processos que o usuário já tem rodando; somam-se a ``processes``, porque o limite do sistema conta
            todos os processos do usuário (só importa quando o kernel roda com o uid de quem corrige).

        Examples
        --------
        >>> Limits(processes=10).prlimit_command(running_processes=5)
        ['prlimit', '--as=4294967296', '--cpu=600:605', '--nproc=15', '--fsize=268435456', '--core=0', '--']
        """
        return [
            "prlimit",
            f"--as={self.memory_bytes}",
            f"--cpu={self.cpu_seconds}:{self.cpu_seconds + 5}",
            f"--nproc={self.processes + running_processes}",
            f"--fsize={self.file_bytes}",
            "--core=0",
            "--",
        ]


# Roda no interpretador do kernel, fora da caixa de areia, sem a pasta atual no caminho: onde ficam o ambiente
# e cada módulo auditado (sem importá-los).
_LAYOUT_PROBE = """
import importlib.util, json, sys
found = {}
for name in NAMES:
    try:
        spec = importlib.util.find_spec(name)
    except Exception:
        spec = None
    if spec is not None and spec.origin:
        found[name] = spec.origin
prefixes = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix]
print(json.dumps({"modules": found, "prefixes": prefixes}))
"""


@dataclass(frozen=True)
class KernelLayout:
    """Onde o interpretador do kernel acha o ambiente e os módulos auditados (caminhos reais, sem links).

    ``modules`` liga cada módulo à pasta do pacote (ou ao arquivo do módulo); ``roots`` são as pastas
    montadas só para leitura na caixa de areia.

    Examples
    --------
    >>> layout = KernelLayout(modules={"cnn_lib": "/curso/cnn_lib"}, roots=("/venv", "/curso/cnn_lib"))
    >>> layout.package_dir("cnn_lib"), layout.package_dir("keras") is None
    ('/curso/cnn_lib', True)
    """

    modules: dict
    roots: tuple

    def package_dir(self, name):
        return self.modules.get(name)


def _package_location(origin):
    path = Path(origin).resolve()
    return str(path.parent) if path.name == "__init__.py" else str(path)


def _covered(path, roots):
    return any(path == root or path.startswith(root.rstrip("/") + "/") for root in roots)


@functools.cache
def kernel_layout(python):
    """Pergunta ao interpretador ``python`` do kernel onde estão o ambiente e os módulos auditados.

    Assim a caixa de areia monta o ``cnn_lib`` que o kernel vai importar, seja qual for o clone do curso
    (instalação editável de outro clone, instalação comum no ``site-packages``...).

    Raises
    ------
    InstructorSetupError
        Se o interpretador não roda ou não acha ``cnn_lib``, ``ipykernel``, ``IPython`` ou ``numpy``.
    """
    code = f"NAMES = {AUDITED_MODULES!r}\n" + _LAYOUT_PROBE
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
    try:
        result = subprocess.run(
            [python, "-P", "-c", code], cwd="/", env=env, capture_output=True, text=True, timeout=60
        )
        probe = json.loads(result.stdout)
    except (OSError, subprocess.TimeoutExpired, json.JSONDecodeError) as error:
        raise InstructorSetupError(
            f"o interpretador do kernel ({python}) não respondeu à sondagem do ambiente: {error}"
        ) from None
    missing = [name for name in REQUIRED_MODULES if name not in probe["modules"]]
    if missing:
        raise InstructorSetupError(
            f"o interpretador do kernel ({python}) não acha {', '.join(missing)}: instale o curso nesse "
            "ambiente (pip install -e <clone do curso>, ou pip install -r requirements.txt)."
        )
    modules = {name: _package_location(origin) for name, origin in probe["modules"].items()}
    roots = sorted({str(Path(prefix).resolve()) for prefix in probe["prefixes"]})
    roots = [root for root in roots if not root.startswith("/usr/")]
    for location in modules.values():
        if not _covered(location, roots) and not location.startswith("/usr/"):
            roots.append(location)
    return KernelLayout(modules=modules, roots=tuple(sorted(roots)))


def grader_paths():
    """Pastas do corretor que o kernel nunca pode ler, mesmo que estejam dentro do ambiente montado."""
    return [str(Path(__file__).resolve().parent)]


def _parent_dirs(path, made):
    """Argumentos do bwrap que criam os ancestrais de ``path`` com modo 0755 (o padrão dele é 0700).

    ``made`` guarda os diretórios já criados ou montados, para não repeti-los.
    """
    args = []
    for parent in reversed(Path(path).parents):
        if str(parent) not in made:
            made.add(str(parent))
            args += ["--perms", "0755", "--dir", str(parent)]
    return args


def mountable_inputs(workdir):
    """Arquivos e pastas de ``workdir`` que o kernel vê (só leitura): nada de notebooks, links ou importáveis.

    Examples
    --------
    >>> mountable_inputs("/nao/existe")
    []
    """
    workdir = Path(workdir)
    if not workdir.is_dir():
        return []
    chosen = []
    for entry in sorted(workdir.iterdir()):
        importable = entry.suffix in IMPORTABLE_SUFFIXES or (entry / "__init__.py").exists()
        hidden = entry.suffix == ".ipynb" or entry.name.startswith(".") or entry.name == ANSWERS_DIR
        if not entry.is_symlink() and not importable and not hidden:
            chosen.append(entry)
    return chosen


def sandbox_command(
    kernel_cmd, *, workdir, scratch, limits, layout, uid=None, replace_files=None, bwrap="bwrap", seccomp=None
):
    """Comando que roda ``kernel_cmd`` isolado pelo bubblewrap e com os limites de ``limits``.

    Dentro da caixa de areia: o sistema e as pastas de ``layout`` só para leitura, com as pastas do corretor
    (:func:`grader_paths`) escondidas por um tmpfs vazio; nada de rede (um ``lo`` isolado); ``/tmp``, a pasta
    de trabalho (``workdir``) e a pasta de conexão vêm de ``scratch`` (subpastas ``tmp``, ``trabalho`` e
    ``conexao``, um tmpfs limitado montado por quem corrige); os arquivos de entrada de ``workdir``
    (:func:`mountable_inputs`) aparecem só para leitura; ``replace_files`` monta, só para leitura, um arquivo
    substituto por cima de um caminho instalado.

    Parameters
    ----------
    kernel_cmd : list of str
        Comando do kernel, por exemplo ``[python, "-m", "ipykernel_launcher", "-f", arquivo_de_conexao]``.
    workdir : str or Path
        Pasta do notebook corrigido; vira a pasta de trabalho do kernel.
    scratch : str or Path
        Pasta do corretor com as subpastas graváveis ``tmp``, ``trabalho`` e ``conexao``.
    limits : Limits
        Limites de recursos.
    layout : KernelLayout
        Onde estão o ambiente e os módulos do kernel (veja :func:`kernel_layout`).
    uid : int or None
        Com um uid (quem corrige é root), o kernel roda com esse usuário sem privilégios; com ``None``, roda
        com o usuário atual, num namespace de usuário.
    replace_files : dict or None
        Caminho instalado → arquivo substituto (por exemplo, para esconder dados de teste do kernel).
    bwrap : str
        Caminho do executável ``bwrap``.
    seccomp : str or None
        Arquivo com o filtro seccomp (veja :func:`seccomp_filter`), entregue ao bwrap pelo descritor 9.

    Returns
    -------
    list of str

    Examples
    --------
    >>> layout = KernelLayout(modules={}, roots=("/opt/venv",))
    >>> cmd = sandbox_command(["python", "-m", "ipykernel_launcher"], workdir="/nao/existe",
    ...                       scratch="/tmp/area", limits=Limits(), layout=layout, uid=1234)
    >>> cmd[4], "--unshare-net" in cmd, "--unshare-pid" in cmd
    ('bwrap', True, True)
    >>> cmd[cmd.index("--chdir") + 1]
    '/nao/existe'
    >>> cmd[cmd.index("setpriv"):cmd.index("setpriv") + 3]
    ['setpriv', '--reuid=1234', '--regid=1234']
    """
    workdir, scratch = Path(workdir), Path(scratch)
    # O jupyter_client interrompe o kernel com SIGINT para o grupo de processos inteiro; os processos do bwrap
    # morreriam com ele (e o kernel junto). Com SIGINT ignorado antes do exec, só o kernel reage (o ipykernel
    # instala o próprio tratador durante cada execução). O filtro seccomp chega ao bwrap pelo descritor 9.
    script = 'trap "" INT; exec "$@"' + (f" 9<{shlex.quote(str(seccomp))}" if seccomp else "")
    cmd = ["/bin/sh", "-c", script, "sh"]
    cmd += [bwrap, "--die-with-parent", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts"]
    cmd += ["--unshare-cgroup-try"]
    if seccomp:
        cmd += ["--seccomp", "9"]
    for path in _SYSTEM_DIRS:
        if os.path.islink(path):
            cmd += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            cmd += ["--ro-bind", path, path]
    cmd += ["--proc", "/proc", "--dev", "/dev", "--bind", str(scratch / "tmp"), "/tmp"]
    made = {"/", "/tmp", *_SYSTEM_DIRS}
    for path in layout.roots:
        cmd += [*_parent_dirs(path, made), "--ro-bind", path, path]
    for path in grader_paths():
        if _covered(path, layout.roots):
            cmd += ["--perms", "0000", "--tmpfs", path, "--remount-ro", path]
    for installed, substitute in sorted((replace_files or {}).items()):
        parents = [] if _covered(str(installed), layout.roots) else _parent_dirs(installed, made)
        cmd += [*parents, "--ro-bind", str(substitute), str(installed)]
    shared = scratch / "conexao"
    cmd += [*_parent_dirs(shared, made), "--bind", str(shared), str(shared)]
    cmd += [*_parent_dirs(workdir, made), "--bind", str(scratch / "trabalho"), str(workdir)]
    for entry in mountable_inputs(workdir):
        cmd += ["--ro-bind", str(entry), str(entry)]
    # O jupyter_client põe JPY_PARENT_PID no ambiente; dentro do namespace de pid o pai do kernel é o pid 1, e
    # o ipykernel concluiria que o pai morreu. --die-with-parent já encerra o kernel se quem corrige morrer.
    cmd += ["--unsetenv", "JPY_PARENT_PID", "--setenv", "PYTHONSAFEPATH", "1"]
    cmd += ["--chdir", str(workdir), "--"]
    if uid is not None:
        cmd += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--no-new-privs"]
        cmd += ["--inh-caps=-all", "--bounding-set=-all", "--"]
    return cmd + limits.prlimit_command() + list(kernel_cmd)


# Filtro seccomp (BPF clássico) que impede user namespaces aninhados: ``unshare`` e ``clone`` com
# CLONE_NEWUSER falham com EPERM; ``clone3`` (cujos flags o BPF não enxerga) e as chamadas de outra
# arquitetura falham com ENOSYS, e a glibc volta para ``clone``.
_ARCHES = {  # arquitetura: (AUDIT_ARCH, clone, unshare, clone3)
    "x86_64": (0xC000003E, 56, 272, 435),
    "aarch64": (0xC00000B7, 220, 97, 435),
}
_CLONE_NEWUSER = 0x10000000


def seccomp_filter(machine=None):
    """O programa BPF do filtro (bytes para ``bwrap --seccomp``), ou ``None`` numa arquitetura desconhecida.

    Examples
    --------
    >>> len(seccomp_filter("x86_64")) // 8
    13
    >>> seccomp_filter("sparc") is None
    True
    """
    arch = _ARCHES.get(machine or platform.machine())
    if arch is None:
        return None
    audit_arch, clone, unshare, clone3 = arch
    allow, eperm, enosys = 0x7FFF0000, 0x00050000 | 1, 0x00050000 | 38
    ld, jeq, jge, jset, ret = 0x20, 0x15, 0x35, 0x45, 0x06
    program = [
        (ld, 0, 0, 4),  # 0: arquitetura
        (jeq, 0, 10, audit_arch),  # 1: outra arquitetura -> 12
        (ld, 0, 0, 0),  # 2: número da chamada
        (jge, 8, 0, 0x40000000),  # 3: ABI x32 -> 12
        (jeq, 7, 0, clone3),  # 4: clone3 -> 12
        (jeq, 2, 0, unshare),  # 5: unshare -> 8
        (jeq, 1, 0, clone),  # 6: clone -> 8
        (ret, 0, 0, allow),  # 7
        (ld, 0, 0, 16),  # 8: flags (primeiro argumento)
        (jset, 1, 0, _CLONE_NEWUSER),  # 9: CLONE_NEWUSER -> 11
        (ret, 0, 0, allow),  # 10
        (ret, 0, 0, eperm),  # 11
        (ret, 0, 0, enosys),  # 12
    ]
    return b"".join(struct.pack("<HBBI", *instruction) for instruction in program)


@functools.cache
def isolation_available():
    """Diz se o ``bwrap`` existe e consegue criar a caixa de areia nesta máquina (testado uma vez).

    Examples
    --------
    >>> isinstance(isolation_available(), bool)
    True
    """
    probe = ["bwrap", "--die-with-parent", "--unshare-pid", "--unshare-net", "--ro-bind", "/", "/"]
    probe += ["--perms", "1777", "--size", str(MIB), "--tmpfs", "/tmp", "true"]
    try:
        return subprocess.run(probe, capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def kernel_environment(env, home):
    """Ambiente do kernel: só variáveis inofensivas de ``env``, com ``HOME`` em ``home``.

    Examples
    --------
    >>> env = {"PATH": "/usr/bin", "GITHUB_TOKEN": "segredo", "TF_CPP_MIN_LOG_LEVEL": "3"}
    >>> sorted(kernel_environment(env, home="/tmp"))
    ['HOME', 'LOGNAME', 'PATH', 'PYTHONDONTWRITEBYTECODE', 'PYTHONSAFEPATH', 'TF_CPP_MIN_LOG_LEVEL', 'USER']
    """
    kept = {
        name: value for name, value in env.items() if name in _ENV_NAMES or name.startswith(_ENV_PREFIXES)
    }
    extra = {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONSAFEPATH": "1"}
    return {**kept, "HOME": str(home), "USER": "aluno", "LOGNAME": "aluno", **extra}


def copy_answers(source, target, max_files=MAX_ANSWER_FILES, max_bytes=MAX_ANSWER_BYTES):
    """Copia os arquivos regulares de ``source`` (a pasta ``respostas/`` do kernel) para ``target``.

    Só o primeiro nível; links, pastas, arquivos especiais ou com vários nomes (links físicos), nomes
    estranhos, arquivos maiores que ``max_bytes`` e tudo depois de ``max_files`` ficam de fora.
    Devolve os motivos do que ficou de fora, em português.

    Examples
    --------
    >>> import tempfile
    >>> origem, destino = Path(tempfile.mkdtemp()), Path(tempfile.mkdtemp())
    >>> _ = (origem / "modelo.keras").write_bytes(b"123")
    >>> (origem / "atalho").symlink_to("/etc/passwd")
    >>> copy_answers(origem, destino)
    ['atalho: não é um arquivo regular']
    >>> sorted(p.name for p in destino.iterdir())
    ['modelo.keras']
    """
    source, skipped = Path(source), []
    try:
        entries = sorted(os.scandir(source), key=lambda entry: entry.name)
    except OSError:
        return skipped
    copied = 0
    for entry in entries:
        info = entry.stat(follow_symlinks=False)
        if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
            skipped.append(f"{entry.name}: não é um arquivo regular")
        elif not entry.name.isprintable() or entry.name.startswith("."):
            skipped.append(f"{entry.name!r}: nome inválido")
        elif info.st_size > max_bytes:
            skipped.append(f"{entry.name}: maior que {max_bytes // MIB} MiB")
        elif copied >= max_files:
            skipped.append(f"{entry.name}: mais de {max_files} arquivos")
        else:
            descriptor = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW)
            with os.fdopen(descriptor, "rb") as reader, open(Path(target) / entry.name, "wb") as writer:
                writer.write(reader.read(max_bytes + 1)[:max_bytes])
            copied += 1
    return skipped


def _mount_scratch(path, limits):
    """Monta um tmpfs limitado (bytes e inodes) em ``path``; só root consegue. Devolve se montou."""
    if os.geteuid() != 0:
        return False
    options = f"size={limits.scratch_bytes},nr_inodes={limits.scratch_files},mode=0755"
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "cnn-sandbox", str(path)], capture_output=True, text=True
    )
    if result.returncode != 0:
        message = result.stderr.strip()
        raise InstructorSetupError(f"não foi possível montar o tmpfs da caixa de areia: {message}")
    return True


_SIGNAL_MEANINGS = {
    signal.SIGKILL: "foi morto (SIGKILL): limite de tempo ou de memória, ou o próprio código o matou",
    signal.SIGXCPU: "passou do limite de tempo de CPU (SIGXCPU)",
    signal.SIGXFSZ: "escreveu um arquivo maior que o limite (SIGXFSZ)",
}


class SandboxKernelManager(AsyncKernelManager):
    """Gerenciador de kernel que roda cada kernel dentro da caixa de areia (veja :func:`sandbox_command`).

    Os limites são configuráveis pelo traitlets, por exemplo em ``nbgrader_sandbox.py``:
    ``c.SandboxKernelManager.memory_limit = 6 * 2**30``. A conexão com o kernel usa sockets IPC (arquivos numa
    pasta do tmpfs limitado), porque o kernel não tem rede. Sem ``bwrap`` utilizável, o kernel não inicia
    (:class:`InstructorSetupError`), a menos que ``allow_no_isolation`` esteja ligado (só para testes locais
    de notebooks confiáveis: o log avisa em voz alta).

    Examples
    --------
    >>> km = SandboxKernelManager()
    >>> km.transport, km.memory_limit == 4 * GIB, km.replace_files
    ('ipc', True, {})
    """

    memory_limit = Integer(Limits.memory_bytes, help="RLIMIT_AS de cada processo do kernel, em bytes.").tag(
        config=True
    )
    cpu_time_limit = Integer(Limits.cpu_seconds, help="RLIMIT_CPU do kernel, em segundos.").tag(config=True)
    process_limit = Integer(Limits.processes, help="RLIMIT_NPROC: processos e threads do kernel.").tag(
        config=True
    )
    file_size_limit = Integer(Limits.file_bytes, help="RLIMIT_FSIZE: maior arquivo, em bytes.").tag(
        config=True
    )
    scratch_size = Integer(
        Limits.scratch_bytes, help="Tamanho somado do /tmp, da pasta de trabalho e da pasta de conexão."
    ).tag(config=True)
    scratch_files = Integer(
        Limits.scratch_files, help="Número máximo de arquivos nas áreas graváveis (nr_inodes do tmpfs)."
    ).tag(config=True)
    max_message_size = Integer(
        32 * MIB, help="Maior mensagem aceita do kernel (ZMQ_MAXMSGSIZE); maiores derrubam a conexão."
    ).tag(config=True)
    replace_files = Dict(
        key_trait=Unicode(),
        value_trait=Unicode(),
        help="Caminho instalado -> arquivo substituto, montado só para leitura por cima dentro da caixa.",
    ).tag(config=True)
    allow_no_isolation = Bool(
        False,
        help="Roda sem bubblewrap (SEM isolamento). Só para testar notebooks confiáveis na própria máquina.",
    ).tag(config=True)

    @default("transport")
    def _transport_default(self):
        return "ipc"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.stop_reason = None
        self.answers_target = None
        self.skipped_answers = []
        self._base_dir = None
        self._mounted = False
        self._log_file = None
        self._workdir = None
        self.kernel_python = None

    def limits(self):
        """Os limites configurados, como :class:`Limits`."""
        return Limits(
            memory_bytes=self.memory_limit,
            cpu_seconds=self.cpu_time_limit,
            processes=self.process_limit,
            file_bytes=self.file_size_limit,
            scratch_bytes=self.scratch_size,
            scratch_files=self.scratch_files,
        )

    async def _async_pre_start_kernel(self, **kw):
        # Como root, um tmpfs limitado; senão, memória (/dev/shm) sem limite de número de arquivos.
        parent = None if os.geteuid() == 0 or not os.path.isdir("/dev/shm") else "/dev/shm"
        self._base_dir = Path(tempfile.mkdtemp(prefix="cnn-sandbox-", dir=parent))
        self._mounted = _mount_scratch(self._base_dir, self.limits())
        if not self._mounted:
            self.log.warning(
                "Caixa de areia sem root: as áreas graváveis ficam em %s, limitadas só por RLIMIT_FSIZE.",
                parent,
            )
        for name, mode in (("conexao", 0o700), ("trabalho", 0o700), ("tmp", 0o1777)):
            (self._base_dir / name).mkdir()
            (self._base_dir / name).chmod(mode)
        shared_dir = self._base_dir / "conexao"
        self.connection_file = str(shared_dir / "kernel.json")
        self.ip = str(shared_dir / "ipc")
        return await super()._async_pre_start_kernel(**kw)

    pre_start_kernel = _async_pre_start_kernel

    async def _launch_in_sandbox(self, kernel_cmd, **kw):
        self._workdir = Path(kw.get("cwd") or os.getcwd()).resolve()
        self.kernel_python = kernel_cmd[0]
        limits = self.limits()
        if isolation_available():
            uid = SANDBOX_UID_BASE + os.getpid() if os.geteuid() == 0 else None
            if uid is not None:
                for path in (self._base_dir / "conexao", self._base_dir / "trabalho", self.connection_file):
                    os.chown(path, uid, uid)
            seccomp = seccomp_filter()
            if seccomp is not None:
                (self._base_dir / "seccomp.bpf").write_bytes(seccomp)
            cmd = sandbox_command(
                kernel_cmd,
                workdir=self._workdir,
                scratch=self._base_dir,
                limits=limits,
                layout=kernel_layout(kernel_cmd[0]),
                uid=uid,
                replace_files=self.replace_files,
                seccomp=str(self._base_dir / "seccomp.bpf") if seccomp else None,
            )
            home = "/tmp"
            kw["cwd"] = str(self._base_dir)
        elif self.allow_no_isolation:
            self._warn_no_isolation()
            cmd = limits.prlimit_command() + list(kernel_cmd)
            home = self._base_dir / "tmp"
        else:
            raise InstructorSetupError(
                "o bubblewrap (bwrap) não está instalado ou não funciona nesta máquina, e sem ele não há "
                "correção: instale com 'apt-get install -y bubblewrap' (Debian/Ubuntu) ou 'dnf install "
                "bubblewrap'."
            )
        kw["env"] = kernel_environment(kw.get("env") or os.environ, home=home)
        self._log_file = open(self._base_dir / "kernel.log", "wb")
        kw["stdout"] = kw["stderr"] = self._log_file
        self.log.debug("Comando do kernel na caixa de areia: %s", cmd)
        await super()._async_launch_kernel(cmd, **kw)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        try:
            await self._launch_in_sandbox(kernel_cmd, **kw)
        except BaseException:
            self._remove_scratch()
            raise

    def _warn_no_isolation(self):
        message = (
            "ATENÇÃO: correção SEM CAIXA DE AREIA (SandboxKernelManager.allow_no_isolation = True): o kernel "
            "roda só com limites de memória, CPU e arquivos, COM rede e vendo o disco inteiro (soluções, "
            "outras entregas, gradebook). Nunca use assim com entregas de alunos."
        )
        self.log.warning(message)
        warnings.warn(message, RuntimeWarning, stacklevel=2)

    def client(self, **kwargs):
        """Cliente com tamanho máximo por mensagem: uma saída gigante não chega à memória de quem corrige."""
        kc = super().client(**kwargs)
        kc.context.setsockopt(zmq.MAXMSGSIZE, self.max_message_size)
        return kc

    def stop(self, reason):
        """Mata agora o kernel e tudo o que ele criou, guardando ``reason`` (o primeiro motivo vale)."""
        self.stop_reason = self.stop_reason or reason
        process = getattr(self.provisioner, "process", None)
        if process is not None and process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def death_description(self):
        """Explica, em português, por que o kernel morreu."""
        if self.stop_reason:
            return self.stop_reason
        process = getattr(self.provisioner, "process", None)
        code = process.poll() if process is not None else None
        if code is None:
            return "o kernel parou de responder"
        if code > 128 and code - 128 in _SIGNAL_MEANINGS:
            return "o kernel " + _SIGNAL_MEANINGS[code - 128]
        if code > 128:
            return f"o kernel morreu com o sinal {signal.Signals(code - 128).name}"
        return f"o kernel terminou com o código {code} (por exemplo, com os._exit() ou exit())"

    def log_tail(self, size=2000):
        """Últimos ``size`` bytes da saída de baixo nível do kernel (erros do bwrap, falhas em C)."""
        path = self._base_dir / "kernel.log" if self._base_dir else None
        if path is None or not path.exists():
            return ""
        return path.read_bytes()[-size:].decode("utf-8", "replace")

    def _collect_answers(self):
        if self.answers_target is None or self._base_dir is None:
            return
        trabalho = self._base_dir / "trabalho" if isolation_available() else self._workdir
        if trabalho is not None:
            self.skipped_answers = copy_answers(trabalho / ANSWERS_DIR, self.answers_target)

    async def _async_cleanup_resources(self, restart=False):
        await super()._async_cleanup_resources(restart=restart)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        if self._base_dir is not None and not restart:
            self._collect_answers()
            self._remove_scratch()

    def _remove_scratch(self):
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        if self._base_dir is not None:
            if self._mounted:
                subprocess.run(["umount", "--lazy", str(self._base_dir)], capture_output=True)
                self._mounted = False
            shutil.rmtree(self._base_dir, ignore_errors=True)
            self._base_dir = None

    cleanup_resources = _async_cleanup_resources


def _message_size(msg):
    """Tamanho aproximado, em bytes, de uma mensagem do kernel já decodificada."""
    buffers = sum(len(memoryview(buffer)) for buffer in msg.get("buffers") or [])
    return len(json.dumps(msg.get("content"), default=str)) + buffers


# Roda no kernel antes da primeira célula (antes de qualquer código do aluno): importa os módulos auditados e
# diz de que arquivo cada um veio.
_AUDIT_CODE = """
def _cnn_origens(nomes):
    import importlib, sys
    origens = {}
    for nome in nomes:
        try:
            origens[nome] = importlib.import_module(nome).__file__
        except Exception as erro:
            origens[nome] = "erro: " + type(erro).__name__ + ": " + str(erro)
    return origens
"""


def _is_test_cell(cell):
    """Célula de testes corrigida automaticamente (``grade`` sem ``solution``) no notebook sendo corrigido."""
    nbgrader = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and nbgrader.get("grade", False) and not nbgrader.get("solution", False)


_ANSWER_DIRS = []


@atexit.register
def _remove_answer_dirs():
    for path in _ANSWER_DIRS:
        shutil.rmtree(path, ignore_errors=True)


class SandboxExecute(Execute):
    """O ``Execute`` do nbgrader com a caixa de areia, limites por notebook e a coleta das respostas.

    Além de usar :class:`SandboxKernelManager`:

    - recusa rodar (:class:`InstructorSetupError`) se ``nbgrader_sandbox.py`` não foi carregado
      (``config_file`` vazio) ou se a entrada (:mod:`cnn_grader.intake`) não examinou a entrega;
    - uma entrega recusada pela entrada não roda: cada célula de código recebe o motivo, e vale zero;
    - monta por cima, no kernel, os módulos que a tarefa proíbe usar (``cnn_grader.items.blocked_files``:
      uma função emprestada do ``cnn_lib``, do TensorFlow ou do Keras falha) e os arquivos de
      ``SandboxKernelManager.replace_files``;
    - antes da primeira célula, confere que ``cnn_lib``, ``ipykernel``, ``IPython`` e ``numpy`` importam e
      vêm das pastas do ambiente somente leitura; se não, é um erro da configuração do instrutor;
    - ``notebook_timeout`` limita o tempo total do notebook (``timeout`` continua limitando cada célula);
    - ``max_output_bytes`` limita a saída somada do notebook; ao passar, o kernel é morto;
    - se o kernel morre (``os._exit``, limite de CPU, sinal, saída excessiva), a célula atual e todas as
      células de código seguintes recebem um erro em português, e a correção segue;
    - no fim, os arquivos regulares de ``respostas/`` vão para uma pasta temporária do corretor, em
      ``resources["cnn_respostas_dir"]`` (apagada por :class:`DiscardAnswers` ou ao sair);
    - a marca ``skip-execution`` vinda da entrega é ignorada, e as células de teste rodam fora do histórico
      (``In``) que o aluno poderia imprimir.

    Examples
    --------
    >>> executor = SandboxExecute()
    >>> executor.kernel_manager_class.__name__, executor.notebook_timeout
    ('SandboxKernelManager', 1200)
    """

    notebook_timeout = Integer(1200, help="Tempo máximo de um notebook inteiro, em segundos.").tag(
        config=True
    )
    max_output_bytes = Integer(16 * MIB, help="Saída máxima de um notebook, em bytes.").tag(config=True)
    config_file = Unicode(
        "", help="Preenchido por nbgrader_sandbox.py: prova de que a configuração da caixa foi carregada."
    ).tag(config=True)
    replacement_factories = Dict(
        value_trait=List(Unicode()),
        help="Tarefa ('*' = todas) -> funções (nome com pontos) que devolvem {instalado: substituto}.",
    ).tag(config=True)
    require_intake = Bool(
        True, help="Exige que a entrada (cnn_grader.intake) tenha examinado a entrega."
    ).tag(config=True)

    def __init__(self, **kwargs):
        kwargs.setdefault("kernel_manager_class", SandboxKernelManager)
        super().__init__(**kwargs)
        self._reset_budget()
        self._answers_dir = None
        self._blocked = {}

    def _reset_budget(self):
        self._deadline = time.monotonic() + self.notebook_timeout
        self._output_bytes = 0
        self._stop_reason = None
        self._audited = False

    @default("timeout_func")
    def _timeout_func_default(self):
        return self._cell_timeout

    def _cell_timeout(self, cell):
        remaining = max(1, int(self._deadline - time.monotonic()))
        return min(self.timeout, remaining) if self.timeout and self.timeout > 0 else remaining

    def create_kernel_manager(self):
        km = super().create_kernel_manager()
        km.answers_target = self._answers_dir
        km.replace_files = {**km.replace_files, **self._blocked}
        return km

    def _blocked_files(self, resources):
        """O que montar por cima no kernel desta tarefa: módulos proibidos e ``replacement_factories``."""
        assignment = resources.get("nbgrader", {}).get("assignment")
        if not assignment:
            return {}
        from cnn_grader.items import blocked_files

        folder = tempfile.mkdtemp(prefix="cnn-bloqueados-")
        _ANSWER_DIRS.append(folder)
        mapping = blocked_files(assignment, folder)
        for name in [
            *self.replacement_factories.get(assignment, []),
            *self.replacement_factories.get("*", []),
        ]:
            mapping.update(import_item(name)())
        return mapping

    def preprocess(self, nb, resources=None, km=None):
        resources = resources if resources is not None else {}
        if not self.config_file:
            raise InstructorSetupError(
                "a configuração da caixa de areia (nbgrader_sandbox.py) não foi carregada: ponha o arquivo "
                "nbgrader_sandbox.py do curso ao lado do nbgrader_config.py."
            )
        intake = resources.get("cnn_intake")
        if self.require_intake and intake is None:
            raise InstructorSetupError(
                "a entrada das entregas (cnn_grader.intake) não rodou: use o nbgrader_config.py do curso."
            )
        self._reset_budget()
        self._blocked = self._blocked_files(resources)
        self._answers_dir = tempfile.mkdtemp(prefix="cnn-respostas-")
        _ANSWER_DIRS.append(self._answers_dir)
        resources["cnn_respostas_dir"] = self._answers_dir
        if intake and intake.get("recusada"):
            return self._refuse(nb, intake["recusada"]), resources
        try:
            return super().preprocess(nb, resources, km)
        except InstructorSetupError:
            raise
        except Exception as error:
            if self._audited:
                raise
            tail = self.km.log_tail().strip() if self.km is not None else ""
            raise InstructorSetupError(
                f"a caixa de areia não iniciou o kernel ({type(error).__name__}: {error}). Saída do kernel: "
                f"{tail or '(vazia)'}"
            ) from None

    def _refuse(self, nb, reason):
        message = f"a entrega foi recusada na entrada da correção: {reason}. Nada dela foi executado."
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = [_error("EntregaRecusada", message)]
        return nb

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        if not self._audited:
            self._audit_environment()
        if self._stop_reason is None and time.monotonic() > self._deadline:
            self._stop(f"o notebook passou do tempo total de {self.notebook_timeout} s")
        if self._stop_reason is not None:
            cell.outputs = [self._stop_error()]
            return cell, resources
        tags = cell.metadata.get("tags")
        if tags and self.skip_cells_with_tag in tags:
            cell.metadata.tags = [tag for tag in tags if tag != self.skip_cells_with_tag]
        try:
            # As células de teste não entram no histórico (In, Out) que o código do aluno pode imprimir.
            self._check_assign_resources(resources)
            self.execute_cell(cell, index, store_history=not _is_test_cell(cell))
        except DeadKernelError:
            self._stop(self.km.death_description())
        except CellTimeoutError:
            self._stop(
                "o kernel não concluiu a célula: não atendeu à interrupção ou mandou uma mensagem maior "
                f"que o limite de {self.km.max_message_size // MIB} MiB"
            )
        if self._stop_reason is not None:
            cell.outputs = [out for out in cell.outputs if out.output_type != "execute_result"]
            cell.outputs.append(self._stop_error())
        return cell, resources

    def _audit_environment(self):
        """Antes de qualquer código do aluno: os módulos auditados importam e vêm do ambiente certo."""
        names = [name for name in AUDITED_MODULES if name != "keras"]
        origins = self._user_expression(_AUDIT_CODE, f"__import__('json').dumps(_cnn_origens({names!r}))")
        self._audited = True
        try:
            origins = json.loads(ast.literal_eval(origins))
        except (ValueError, SyntaxError, TypeError):
            pass
        if not isinstance(origins, dict):
            raise InstructorSetupError(f"o kernel não respondeu à auditoria do ambiente: {origins!r}")
        if not isolation_available():
            return
        layout = kernel_layout(self.km.kernel_python)
        for name in names:
            origin = str(origins.get(name))
            expected = layout.package_dir(name)
            if origin.startswith("erro") or expected is None or not origin.startswith(expected):
                raise InstructorSetupError(
                    f"no kernel, {name} não importa do ambiente somente leitura (esperado em {expected}; "
                    f"obtido: {origin})."
                )

    def _user_expression(self, code, expression):
        """Roda ``code`` em silêncio e devolve o texto de ``expression`` (avaliada fora das células)."""
        msg_id = self.kc.execute(
            code, silent=True, store_history=False, user_expressions={"valor": expression}
        )
        reply = self.wait_for_reply(msg_id)
        if reply is None:
            return None
        result = reply["content"].get("user_expressions", {}).get("valor", {})
        return result.get("data", {}).get("text/plain", "erro: " + str(result.get("evalue")))

    def _stop(self, reason):
        if self._stop_reason is not None:
            return
        self._stop_reason = reason
        self.log.error("Caixa de areia: %s; as células restantes valem zero.", reason)
        tail = self.km.log_tail().strip()
        if tail:
            self.log.warning("Saída final do kernel:\n%s", tail)
        self.km.stop(reason)

    def _stop_error(self):
        message = f"a execução foi interrompida: {self._stop_reason}. As células seguintes não rodaram."
        return _error("ExecucaoInterrompida", message)

    def on_cell_executed(self, **kwargs):
        super().on_cell_executed(**kwargs)
        if kwargs["execute_reply"]["content"]["status"] == "error":
            cell = kwargs["cell"]
            cell.outputs = [out for out in cell.outputs if out.output_type != "execute_result"]

    def process_message(self, msg, cell, cell_index):
        if msg["msg_type"] != "status":
            if self._stop_reason is not None:
                return None
            self._output_bytes += _message_size(msg)
            if self._output_bytes > self.max_output_bytes:
                self._stop(f"a saída do notebook passou do limite de {self.max_output_bytes // MIB} MiB")
                return None
        return super().process_message(msg, cell, cell_index)


def _error(ename, message):
    traceback = [f"\x1b[0;31m{ename}\x1b[0m: {message}"]
    return new_output("error", ename=ename, evalue=message, traceback=traceback)


class DiscardAnswers(Preprocessor):
    """Apaga a pasta temporária de ``resources["cnn_respostas_dir"]`` depois que o veredito a usou."""

    enabled = Bool(True).tag(config=True)

    def preprocess(self, nb, resources):
        path = resources.pop("cnn_respostas_dir", None)
        if path:
            shutil.rmtree(path, ignore_errors=True)
        return nb, resources


__all__ = [
    "GIB",
    "MIB",
    "DiscardAnswers",
    "InstructorSetupError",
    "KernelLayout",
    "Limits",
    "SandboxExecute",
    "SandboxKernelManager",
    "copy_answers",
    "isolation_available",
    "kernel_environment",
    "kernel_layout",
    "sandbox_command",
    "seccomp_filter",
]
