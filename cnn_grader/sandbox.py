"""Caixa de areia (sandbox) para corrigir submissões com o nbgrader sem confiar nelas.

Uma submissão é código de terceiros: pode entrar em laço infinito, esgotar a memória, criar processos sem fim,
imprimir gigabytes, abrir conexões de rede, ler as soluções ou as submissões dos colegas e até encerrar o
próprio kernel. Este módulo não substitui o nbgrader: troca só a forma de rodar o kernel de cada notebook.

- :class:`SandboxKernelManager` (um ``AsyncKernelManager`` do jupyter_client) envolve o comando do kernel
  com o ``bwrap`` (bubblewrap): sem rede, com o sistema e o ambiente Python só para leitura, um ``/tmp``
  privado e uma pasta de trabalho que mostra só os arquivos da própria submissão (sem os notebooks, que trazem
  os testes ocultos). Dentro dela, ``prlimit`` limita memória, tempo de CPU, número de processos e tamanho de
  arquivos; se quem corrige é root, ``setpriv`` troca o kernel para um usuário sem privilégios (só assim o
  limite de processos vale).
- :class:`SandboxExecute` (o pré-processador ``Execute`` do nbgrader) usa esse gerenciador, limita o tempo
  total do notebook e o tamanho da saída, confere depois de cada célula de teste que o IPython e o ``cnn_lib``
  não foram adulterados e transforma a morte do kernel num erro nas células que faltavam, que então valem
  zero, em vez de derrubar a correção da turma.

O arquivo ``nbgrader_sandbox.py`` na raiz do curso liga tudo isso ao ``nbgrader autograde``.

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

import functools
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, fields
from pathlib import Path

import zmq
from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute
from traitlets import Integer, default

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
        Tamanho de cada área gravável (``/tmp`` e a pasta de trabalho): tmpfs em memória, que somem no fim.

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


def _python_dirs():
    """Diretórios de que o interpretador precisa: o ambiente virtual, a instalação base e o ``cnn_lib``."""
    candidates = {
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        sys.base_exec_prefix,
        str(Path(importlib.util.find_spec("cnn_lib").origin).parent),
    }
    resolved = {str(Path(path).resolve()) for path in candidates}
    return sorted(path for path in resolved if not path.startswith("/usr/"))


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


def sandbox_command(kernel_cmd, *, workdir, shared_dir, limits, uid=None, bwrap="bwrap"):
    """Comando que roda ``kernel_cmd`` isolado pelo bubblewrap e com os limites de ``limits``.

    Dentro da caixa de areia: o sistema e o Python só para leitura; nada de rede (um ``lo`` isolado); ``/tmp``
    privado; ``workdir`` é um tmpfs novo em que só os arquivos da submissão que não são notebooks aparecem
    (só leitura); ``shared_dir`` (arquivo de conexão e sockets IPC) é o único caminho compartilhado com quem
    corrige.

    Parameters
    ----------
    kernel_cmd : list of str
        Comando do kernel, por exemplo ``[python, "-m", "ipykernel_launcher", "-f", arquivo_de_conexao]``.
    workdir : str or Path
        Pasta da submissão; vira a pasta de trabalho do kernel.
    shared_dir : str or Path
        Pasta do arquivo de conexão; precisa ser gravável por ``uid``.
    limits : Limits
        Limites de recursos.
    uid : int or None
        Com um uid (quem corrige é root), o kernel roda com esse usuário sem privilégios; com ``None``, roda
        com o usuário atual, num namespace de usuário.
    bwrap : str
        Caminho do executável ``bwrap``.

    Returns
    -------
    list of str

    Examples
    --------
    >>> cmd = sandbox_command(["python", "-m", "ipykernel_launcher"], workdir="/nao/existe",
    ...                       shared_dir="/tmp/conexao", limits=Limits(), uid=1234)
    >>> cmd[4], "--unshare-net" in cmd, "--unshare-pid" in cmd
    ('bwrap', True, True)
    >>> cmd[cmd.index("--chdir") + 1]
    '/nao/existe'
    >>> cmd[cmd.index("setpriv"):cmd.index("setpriv") + 3]
    ['setpriv', '--reuid=1234', '--regid=1234']
    """
    workdir = Path(workdir)
    # O jupyter_client interrompe o kernel com SIGINT para o grupo de processos inteiro; os processos do bwrap
    # morreriam com ele (e o kernel junto). Com SIGINT ignorado antes do exec, só o kernel reage (o ipykernel
    # instala o próprio tratador durante cada execução).
    cmd = ["/bin/sh", "-c", 'trap "" INT; exec "$@"', "sh"]
    cmd += [bwrap, "--die-with-parent", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts"]
    cmd += ["--unshare-cgroup-try"]
    for path in _SYSTEM_DIRS:
        if os.path.islink(path):
            cmd += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            cmd += ["--ro-bind", path, path]
    cmd += ["--proc", "/proc", "--dev", "/dev"]
    cmd += ["--perms", "1777", "--size", str(limits.scratch_bytes), "--tmpfs", "/tmp"]
    made = {"/", "/tmp", *_SYSTEM_DIRS}
    for path in _python_dirs():
        cmd += [*_parent_dirs(path, made), "--ro-bind", path, path]
    cmd += [*_parent_dirs(shared_dir, made), "--bind", str(shared_dir), str(shared_dir)]
    cmd += _parent_dirs(workdir, made)
    cmd += ["--perms", "0777", "--size", str(limits.scratch_bytes), "--tmpfs", str(workdir)]
    if workdir.is_dir():
        # Links simbólicos ficam de fora: o bwrap montaria o alvo, que pode estar fora da submissão.
        for entry in sorted(workdir.iterdir()):
            if entry.suffix != ".ipynb" and entry.name != ".ipynb_checkpoints" and not entry.is_symlink():
                cmd += ["--ro-bind", str(entry), str(entry)]
    # O jupyter_client põe JPY_PARENT_PID no ambiente; dentro do namespace de pid o pai do kernel é o pid 1, e
    # o ipykernel concluiria que o pai morreu. --die-with-parent já encerra o kernel se quem corrige morrer.
    cmd += ["--unsetenv", "JPY_PARENT_PID", "--chdir", str(workdir), "--"]
    if uid is not None:
        cmd += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--no-new-privs"]
        cmd += ["--inh-caps=-all", "--bounding-set=-all", "--"]
    return cmd + limits.prlimit_command() + list(kernel_cmd)


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
    ['HOME', 'LOGNAME', 'PATH', 'PYTHONDONTWRITEBYTECODE', 'TF_CPP_MIN_LOG_LEVEL', 'USER']
    """
    kept = {
        name: value for name, value in env.items() if name in _ENV_NAMES or name.startswith(_ENV_PREFIXES)
    }
    return {**kept, "HOME": str(home), "USER": "aluno", "LOGNAME": "aluno", "PYTHONDONTWRITEBYTECODE": "1"}


def _tasks_of_user(uid):
    """Número de processos e threads do usuário ``uid`` agora (o que ``RLIMIT_NPROC`` conta)."""
    total = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            lines = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        if int(lines["Uid"].split()[0]) == uid:
            total += int(lines["Threads"])
    return total


_SIGNAL_MEANINGS = {
    signal.SIGKILL: "foi morto (SIGKILL): limite de tempo ou de memória, ou o próprio código o matou",
    signal.SIGXCPU: "passou do limite de tempo de CPU (SIGXCPU)",
    signal.SIGXFSZ: "escreveu um arquivo maior que o limite (SIGXFSZ)",
}


class SandboxKernelManager(AsyncKernelManager):
    """Gerenciador de kernel que roda cada kernel dentro da caixa de areia (veja :func:`sandbox_command`).

    Os limites são configuráveis pelo traitlets, por exemplo em ``nbgrader_sandbox.py``:
    ``c.SandboxKernelManager.memory_limit = 6 * 2**30``. A conexão com o kernel usa sockets IPC (arquivos numa
    pasta privada), porque o kernel não tem rede. Sem ``bwrap`` utilizável, o kernel roda só com os limites do
    ``prlimit`` e um aviso em voz alta.

    Examples
    --------
    >>> km = SandboxKernelManager()
    >>> km.transport, km.memory_limit == 4 * GIB
    ('ipc', True)
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
        Limits.scratch_bytes, help="Tamanho do /tmp e da pasta de trabalho, em bytes."
    ).tag(config=True)
    max_message_size = Integer(
        32 * MIB, help="Maior mensagem aceita do kernel (ZMQ_MAXMSGSIZE); maiores derrubam a conexão."
    ).tag(config=True)

    @default("transport")
    def _transport_default(self):
        return "ipc"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.stop_reason = None
        self._base_dir = None
        self._log_file = None

    def limits(self):
        """Os limites configurados, como :class:`Limits`."""
        return Limits(
            memory_bytes=self.memory_limit,
            cpu_seconds=self.cpu_time_limit,
            processes=self.process_limit,
            file_bytes=self.file_size_limit,
            scratch_bytes=self.scratch_size,
        )

    async def _async_pre_start_kernel(self, **kw):
        self._base_dir = Path(tempfile.mkdtemp(prefix="cnn-sandbox-"))
        shared_dir = self._base_dir / "conexao"
        shared_dir.mkdir(mode=0o700)
        self.connection_file = str(shared_dir / "kernel.json")
        self.ip = str(shared_dir / "ipc")
        return await super()._async_pre_start_kernel(**kw)

    pre_start_kernel = _async_pre_start_kernel

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        workdir = Path(kw.get("cwd") or os.getcwd()).resolve()
        shared_dir = Path(self.connection_file).parent
        limits = self.limits()
        if isolation_available():
            uid = SANDBOX_UID_BASE + os.getpid() if os.geteuid() == 0 else None
            if uid is not None:
                for path in (shared_dir, Path(self.connection_file)):
                    os.chown(path, uid, uid)
            cmd = sandbox_command(kernel_cmd, workdir=workdir, shared_dir=shared_dir, limits=limits, uid=uid)
            home = "/tmp"
            kw["cwd"] = str(self._base_dir)
        else:
            self._warn_no_isolation()
            running = 0 if os.geteuid() == 0 else _tasks_of_user(os.geteuid())
            cmd = limits.prlimit_command(running) + list(kernel_cmd)
            home = self._base_dir / "home"
            home.mkdir()
        kw["env"] = kernel_environment(kw.get("env") or os.environ, home=home)
        self._log_file = open(self._base_dir / "kernel.log", "wb")
        kw["stdout"] = kw["stderr"] = self._log_file
        self.log.debug("Comando do kernel na caixa de areia: %s", cmd)
        await super()._async_launch_kernel(cmd, **kw)

    def _warn_no_isolation(self):
        message = (
            "ATENÇÃO: caixa de areia INATIVA: o bubblewrap (bwrap) não está instalado ou não funciona nesta "
            "máquina. O kernel desta submissão roda só com limites de memória, CPU e arquivos, mas COM rede, "
            "vendo o disco inteiro (soluções, outras submissões, gradebook) e, como root, sem limite de "
            "processos. Instale com: apt-get install -y bubblewrap"
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

    async def _async_cleanup_resources(self, restart=False):
        await super()._async_cleanup_resources(restart=restart)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        if self._base_dir is not None and not restart:
            shutil.rmtree(self._base_dir, ignore_errors=True)
            self._base_dir = None

    cleanup_resources = _async_cleanup_resources


def _message_size(msg):
    """Tamanho aproximado, em bytes, de uma mensagem do kernel já decodificada."""
    buffers = sum(len(memoryview(buffer)) for buffer in msg.get("buffers") or [])
    return len(json.dumps(msg.get("content"), default=str)) + buffers


# Definida no kernel antes da primeira célula (em builtins, longe do namespace do aluno), devolve uma
# "impressão digital" do que decide se um teste roda de verdade: os transformadores de entrada e de AST do
# IPython, os métodos que executam células e mandam respostas, o mecanismo de importação que os testes ocultos
# usam para recarregar o cnn_lib e, em cada módulo do cnn_lib usado como referência, de que arquivo vem cada
# função (recarregar do disco não muda isso; trocar uma função por outra definida no notebook muda). Se o
# Keras já está importado (aqui ele nunca é importado: os exercícios sem TensorFlow continuam leves), também
# confere os objetos do Keras que os testes ocultos do ex05 consultam: ``keras.Sequential``, ``keras.Model``,
# o ``Functional``, as classes de ``keras.layers`` (cada uma no módulo de onde diz vir, e os métodos dela e
# de todas as suas bases), ``keras.models.clone_model`` e as funções de ``keras.activations`` devem ter o
# código nos arquivos do Keras ou do TensorFlow. Essa parte é a lista do que não vem de lá: vazia antes e
# depois de importar o Keras, se nada foi trocado. Os argumentos padrão prendem as funções embutidas
# originais e as pastas do Keras e do TensorFlow (achadas sem importá-los).
_FINGERPRINT_SOURCE = """
import cnn_lib.grading, cnn_lib.ops, cnn_lib.shapes

_cnn_keras_roots = tuple(__import__("os").path.dirname(spec.origin) + "/" for spec in
                         map(__import__("importlib.util").util.find_spec, ("keras", "tensorflow"))
                         if spec and spec.origin)


def _cnn_sandbox_fingerprint(_ip=get_ipython(), _sys=__import__("sys"), _il=__import__("importlib.util"),
                             _bi=__import__("builtins"), _id=id, _repr=repr, _type=type, _getattr=getattr,
                             _vars=vars, _sorted=sorted, _set=set, _callable=callable, _isinstance=isinstance,
                             _str=str, _all=all, _roots=_cnn_keras_roots):
    shell = ("run_cell", "run_cell_async", "_run_cell", "run_code", "run_ast_nodes", "transform_cell",
             "transform_ast", "showtraceback", "_showtraceback", "user_expressions", "ev", "should_run_async")
    kernel = ("do_execute", "execute_request", "send_response")
    modules = ("cnn_lib", "cnn_lib._validation", "cnn_lib.shapes", "cnn_lib.ops", "cnn_lib.grading")

    def hooks(obj, names):
        overridden = _sorted(_set(names) & _set(_vars(obj)))
        return [_id(_getattr(_type(obj), name, None)) for name in names], overridden

    def sources(name):
        namespace = _vars(_sys.modules[name])
        code = {key: _getattr(value, "__code__", None) for key, value in namespace.items()
                if _callable(value)}
        return name, _sorted((key, _getattr(value, "co_filename", None)) for key, value in code.items())

    def origin(name):
        spec = _il.util.find_spec(name)
        return spec.origin if spec else None

    def code_files(value):
        wrapped = ("__func__", "fget", "fset", "__wrapped__")
        codes = [_getattr(f, "__code__", None) for f in [value, *(_getattr(value, n, None) for n in wrapped)]]
        return [_getattr(code, "co_filename", None) for code in codes if code is not None]

    def from_keras(files):
        return _all(_isinstance(f, _str) and f.startswith(_roots) for f in files)

    def at_home(cls):
        module = _sys.modules.get(_getattr(cls, "__module__", None))
        return (_isinstance(cls, _type) and from_keras([_getattr(module, "__file__", None)])
                and _getattr(module, cls.__qualname__, None) is cls and cls.__qualname__ == cls.__name__)

    def keras_intruders():
        keras = _sys.modules.get("keras")
        if keras is None:
            return []
        def at(path):
            obj = keras
            for part in path.split("."):
                obj = _getattr(obj, part, None)
            return obj
        classes = [at(path) for path in ("Sequential", "Model", "src.models.functional.Functional")]
        classes += [value for value in _vars(at("layers")).values() if _isinstance(value, _type)]
        functions = [at("models.clone_model")]
        functions += [value for value in _vars(at("activations")).values() if _callable(value)]
        bad = [_id(f) for f in functions if not (code_files(f) and from_keras(code_files(f)))]
        bad += [_id(cls) for cls in classes if not at_home(cls)]
        bases = {_id(base): base for cls in classes if _isinstance(cls, _type) for base in cls.__mro__}
        for base in bases.values():
            bad += [_id(base) for value in _vars(base).values() if not from_keras(code_files(value))]
        return _sorted(_set(bad))

    return _repr([
        [_id(f) for f in _ip.input_transformers_cleanup], [_id(f) for f in _ip.input_transformers_post],
        [_id(t) for t in _ip.ast_transformers], _ip.custom_exceptions, hooks(_ip, shell),
        hooks(_ip.kernel, kernel), hooks(_ip.kernel.session, ("send", "serialize", "sign")),
        _id(_il.reload), _id(_il.import_module), _id(_bi.__import__), _id(_bi.exec), _id(_bi.compile),
        [origin(name) for name in modules], [sources(name) for name in modules], keras_intruders(),
    ])


__import__("builtins")._cnn_sandbox_fingerprint = _cnn_sandbox_fingerprint
del _cnn_sandbox_fingerprint, _cnn_keras_roots
"""
_FINGERPRINT_CALL = "_cnn_sandbox_fingerprint()"


def _is_test_cell(cell):
    """Célula de testes corrigida automaticamente (``grade`` sem ``solution``) no notebook sendo corrigido."""
    nbgrader = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and nbgrader.get("grade", False) and not nbgrader.get("solution", False)


class SandboxExecute(Execute):
    """O ``Execute`` do nbgrader com a caixa de areia, limites por notebook e defesas contra truques na nota.

    Além de usar :class:`SandboxKernelManager`:

    - ``notebook_timeout`` limita o tempo total do notebook (``timeout`` continua limitando cada célula);
    - ``max_output_bytes`` limita a saída somada do notebook; ao passar, o kernel é morto;
    - se o kernel morre (``os._exit``, limite de CPU, sinal, saída excessiva), a célula atual e todas as
      células de código seguintes recebem um erro em português: os testes que não rodaram valem zero e a
      correção segue para a próxima submissão;
    - depois de cada célula de teste, confere se o código do aluno alterou o IPython (transformadores de
      entrada ou de AST, a execução de células, as respostas do kernel), a importação do ``cnn_lib``, as
      funções dos seus módulos ou, se o Keras foi importado, os objetos dele que os testes do ex05 consultam;
      se alterou, os testes daquela célula em diante valem zero;
    - numa célula que termina com erro, resultados (``execute_result``) são descartados, porque o nbgrader
      daria nota cheia ou parcial a uma célula cujo primeiro resultado aparecesse antes do erro;
    - a marca ``skip-execution`` vinda da submissão é ignorada (senão uma célula de teste marcada não rodaria
      e valeria nota cheia).

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

    def __init__(self, **kwargs):
        kwargs.setdefault("kernel_manager_class", SandboxKernelManager)
        super().__init__(**kwargs)
        self._reset_budget()

    def _reset_budget(self):
        self._deadline = time.monotonic() + self.notebook_timeout
        self._output_bytes = 0
        self._stop_reason = None
        self._fingerprint = None

    @default("timeout_func")
    def _timeout_func_default(self):
        return self._cell_timeout

    def _cell_timeout(self, cell):
        remaining = max(1, int(self._deadline - time.monotonic()))
        return min(self.timeout, remaining) if self.timeout and self.timeout > 0 else remaining

    def preprocess(self, nb, resources=None, km=None):
        self._reset_budget()
        return super().preprocess(nb, resources, km)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        if self._stop_reason is None and time.monotonic() > self._deadline:
            self._stop(f"o notebook passou do tempo total de {self.notebook_timeout} s")
        if self._stop_reason is not None:
            cell.outputs = [self._stop_error()]
            return cell, resources
        tags = cell.metadata.get("tags")
        if tags and self.skip_cells_with_tag in tags:
            cell.metadata.tags = [tag for tag in tags if tag != self.skip_cells_with_tag]
        try:
            if self._fingerprint is None:
                self._fingerprint = self._user_expression(_FINGERPRINT_SOURCE, _FINGERPRINT_CALL)
                if "[[" not in str(self._fingerprint):
                    self.log.error("Caixa de areia: a auditoria do IPython falhou: %s", self._fingerprint)
            super().preprocess_cell(cell, resources, index)
            if _is_test_cell(cell):
                self._audit()
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

    def _user_expression(self, code, expression):
        """Roda ``code`` em silêncio e devolve o texto de ``expression`` (avaliada fora das células).

        Devolve ``None`` se o kernel não responder dentro de ``timeout``.
        """
        msg_id = self.kc.execute(
            code, silent=True, store_history=False, user_expressions={"valor": expression}
        )
        reply = self.wait_for_reply(msg_id)
        if reply is None:
            return None
        result = reply["content"].get("user_expressions", {}).get("valor", {})
        return result.get("data", {}).get("text/plain", "erro: " + str(result.get("evalue")))

    def _audit(self):
        """Para a correção se o IPython, o ``cnn_lib`` ou o Keras mudaram desde o início do notebook."""
        fingerprint = self._user_expression("", _FINGERPRINT_CALL)
        if fingerprint is None:
            self._stop("o kernel parou de responder (por exemplo, um laço que ignora a interrupção)")
        elif fingerprint != self._fingerprint:
            self._stop(
                "o código da submissão alterou o IPython, a importação, as funções do cnn_lib ou os objetos "
                "do Keras usados na correção (por exemplo, com transformadores de entrada, trocando "
                "importlib.reload, cnn_lib.shapes.output_size ou keras.models.clone_model); os testes "
                "deixaram de ser confiáveis"
            )

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
        return new_output(
            "error",
            ename="ExecucaoInterrompida",
            evalue=message,
            traceback=[f"\x1b[0;31mExecucaoInterrompida\x1b[0m: {message}"],
        )

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


__all__ = [
    "GIB",
    "MIB",
    "Limits",
    "SandboxExecute",
    "SandboxKernelManager",
    "isolation_available",
    "kernel_environment",
    "sandbox_command",
]
