"""O JupyterHub do curso numa máquina só (``make hub``, ``make hub-clean``). Roda como root.

Tudo fica numa pasta (``HUB_DIR``, padrão ``/srv/cnn-hub``):

- ``env/``: o ambiente que os usuários executam (Python legível por todos, venv, proxy), de
  ``install_env.sh``;
- ``estado/``: o banco do hub, o segredo dos cookies, o exchange do nbgrader, a configuração de cada papel
  (``etc/comum``, ``etc/aluno``, ``etc/professor``, achadas por ``JUPYTER_CONFIG_PATH``) e o repositório git
  da versão do aluno (``git/curso-cnn-aluno``), que os links do nbgitpuller clonam.

Os usuários (``professor``, ``aluno1``, ``aluno2``, ``aluno3``) são usuários do sistema com pastas pessoais
0700; o hub os autentica pelo PAM. O professor recebe um clone do repositório do instrutor em ``~/curso``.

Uso: ``python hub/cnn_hub.py preparar|rodar|limpar`` (variáveis ``HUB_DIR``, ``HUB_PORT``, ``HUB_PASSWORD`` e
``HUB_CURSO``, o repositório do instrutor que o professor clona; padrão: este).
"""

import json
import os
import pwd
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
USUARIOS = ("professor", "aluno1", "aluno2", "aluno3")
CURSO = "cnn-curso-aberto"
REPO_ALUNO = "curso-cnn-aluno"
GIT_AUTOR = ["-c", "user.name=Curso CNN", "-c", "user.email=curso@localhost"]


@dataclass(frozen=True)
class Hub:
    dir: Path = Path(os.environ.get("HUB_DIR", "/srv/cnn-hub"))
    port: int = int(os.environ.get("HUB_PORT", "8000"))
    usuarios: tuple = USUARIOS  # o primeiro é o professor
    env_dir: Path | None = None  # padrão: <dir>/env (o teste de ponta a ponta reaproveita o do make hub)

    @property
    def professor(self):
        return self.usuarios[0]

    @property
    def env(self):
        return self.env_dir or self.dir / "env"

    @property
    def estado(self):
        return self.dir / "estado"

    @property
    def exchange(self):
        return self.estado / "exchange"

    @property
    def repo_aluno(self):
        """O repositório git (bare) da versão do aluno, que o nbgitpuller clona."""
        return self.estado / "git" / REPO_ALUNO

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def curso_professor(self):
        return Path(pwd.getpwnam(self.professor).pw_dir) / "curso"


def _run(*args, **kwargs):
    return subprocess.run([str(a) for a in args], check=True, **kwargs)


def _write(path, text, mode=0o644):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)


def instalar_ambiente(hub):
    _run("bash", HERE / "install_env.sh", hub.env)


def criar_usuarios(hub, senha=None):
    """Cria os usuários que faltam (pasta pessoal 0700) e define as senhas; devolve ``{usuario: senha}``."""
    senhas = {}
    for usuario in hub.usuarios:
        try:
            pwd.getpwnam(usuario)
        except KeyError:
            _run("useradd", "--create-home", "--shell", "/bin/bash", "--user-group", usuario)
        Path(pwd.getpwnam(usuario).pw_dir).chmod(0o700)
        senhas[usuario] = senha or secrets.token_urlsafe(9)
    entrada = "".join(f"{u}:{s}\n" for u, s in senhas.items())
    _run("chpasswd", input=entrada, text=True)
    return senhas


def publicar_versao_do_aluno(hub):
    """Escreve a versão do aluno, faz o commit e a publica no repositório bare servido aos alunos."""
    sys.path.insert(0, str(ROOT / "tools"))
    import student_release  # precisa do jupytext: só aqui, para que ``limpar`` rode com qualquer Python

    trabalho = hub.estado / "versao-aluno"
    student_release.write_release(trabalho)
    problemas = student_release.leaks(trabalho, student_release.secrets())
    if problemas:
        raise SystemExit(f"cnn_hub: a versão do aluno vazaria: {problemas[:3]}")
    if not (trabalho / ".git").exists():
        _run("git", "init", "--quiet", "--initial-branch=main", trabalho)
    _run("git", "-C", trabalho, "add", "--all")
    mudou = subprocess.run(["git", "-C", trabalho, "diff", "--cached", "--quiet"]).returncode != 0
    if mudou:
        _run("git", "-C", trabalho, *GIT_AUTOR, "commit", "--quiet", "-m", "Versão do aluno")
    if not hub.repo_aluno.exists():
        _run("git", "clone", "--quiet", "--bare", trabalho, hub.repo_aluno)
    _run("git", "-C", trabalho, "push", "--quiet", hub.repo_aluno, "main")
    _run("chmod", "-R", "a+rX", hub.estado / "git")
    # O cnn_lib que os kernels dos alunos importam vem da versão do aluno (sem -e, nada do instrutor).
    pip = [hub.env / "venv/bin/python", "-m", "pip", "install", "--quiet", "--no-deps", "--force-reinstall"]
    _run(*pip, trabalho, stderr=subprocess.DEVNULL)
    _run("chmod", "-R", "a+rX", hub.env / "venv")


def preparar_professor(hub):
    """Um clone do repositório do instrutor (com solutions/) na pasta do professor, se ainda não houver."""
    curso = hub.curso_professor()
    if not curso.exists():
        origem = os.environ.get("HUB_CURSO", ROOT)  # o repositório do instrutor (padrão: este)
        _run("git", "clone", "--quiet", "--no-hardlinks", origem, curso)
        _run("chown", "-R", f"{hub.professor}:{hub.professor}", curso)


def escrever_configuracao(hub):
    """O exchange e a configuração de cada papel (nbgrader, servidor, extensões do JupyterLab)."""
    hub.exchange.mkdir(parents=True, exist_ok=True)
    hub.exchange.chmod(0o1777)  # todos criam, ninguém apaga o que é de outro (sticky)
    hub.estado.chmod(0o755)
    etc = hub.estado / "etc"
    _write(
        etc / "comum/nbgrader_config.py",
        f'''# Configuração do nbgrader comum a todos os usuários do hub (gerada por hub/cnn_hub.py).
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "{CURSO}"
c.Exchange.root = "{hub.exchange}"
c.Validator.failed_warning = (
    "A VALIDAÇÃO FALHOU EM {{num_failed}} CÉLULA(S)! Se você entregar a tarefa assim, "
    "NÃO receberá a nota máxima.\\n"
)
c.Validator.passed_warning = "Sucesso! O seu notebook passa em todos os testes.\\n"
''',
    )
    # Terminais sem `bash -l`: o /etc/profile do Debian apagaria o PATH do ambiente do curso.
    _write(
        etc / "comum/jupyter_server_config.json",
        json.dumps({"ServerApp": {"terminado_settings": {"shell_command": ["/bin/bash"]}}}, indent=2),
    )
    _write(
        etc / "comum/gitconfig",
        f"# Lido por todos os usuários do hub (GIT_CONFIG_GLOBAL).\n[safe]\n\tdirectory = {hub.repo_aluno}\n"
        "[include]\n\tpath = ~/.gitconfig\n",
    )
    _write(
        etc / "aluno/nbgrader_config.py",
        f"""# Aluno: a lista de tarefas usa a pasta que o nbgitpuller clona (gerada por hub/cnn_hub.py).
import os

c = get_config()  # noqa: F821
_tarefas = os.path.expanduser("~/{REPO_ALUNO}/exercises")
c.Exchange.assignment_dir = _tarefas if os.path.isdir(_tarefas) else os.path.expanduser("~")
""",
    )
    desligadas = ["formgrader", "create-assignment", "course-list"]
    _write(
        etc / "aluno/labconfig/page_config.json",
        json.dumps(
            {"disabledExtensions": {f"@jupyter/nbgrader:{nome}": True for nome in desligadas}}, indent=2
        ),
    )
    extensoes = {
        "nbgrader.server_extensions.formgrader": False,
        "nbgrader.server_extensions.course_list": False,
    }
    _write(
        etc / "aluno/jupyter_server_config.json",
        json.dumps({"ServerApp": {"jpserver_extensions": extensoes}}, indent=2),
    )
    curso = hub.curso_professor()
    _write(
        etc / "professor/nbgrader_config.py",
        f'''# Professor: o formgrader e o nbgrader usam o curso em {curso} (gerada por hub/cnn_hub.py).
import os
import sys

c = get_config()  # noqa: F821
c.CourseDirectory.root = "{curso}"
if os.path.abspath(os.getcwd()) != "{curso}":
    sys.path.insert(0, "{curso}")
    load_subconfig("{curso}/nbgrader_config.py")  # noqa: F821
''',
    )
    # JupyterLab em português e os capítulos (.md) abertos como notebooks pelo jupytext.
    overrides = {
        "@jupyterlab/translation-extension:plugin": {"locale": "pt_BR"},
        "@jupyterlab/docmanager-extension:plugin": {"defaultViewers": {"markdown": "Jupytext Notebook"}},
        "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
    }
    _write(hub.env / "venv/share/jupyter/lab/settings/overrides.json", json.dumps(overrides, indent=2))


def preparar(hub, senha=None):
    instalar_ambiente(hub)
    hub.estado.mkdir(parents=True, exist_ok=True)
    senhas = criar_usuarios(hub, senha)
    publicar_versao_do_aluno(hub)
    preparar_professor(hub)
    escrever_configuracao(hub)
    _write(hub.estado / "senhas.txt", "".join(f"{u} {s}\n" for u, s in senhas.items()), mode=0o600)
    return senhas


def ambiente_do_usuario(hub, usuario):
    """As variáveis que o hub dá ao servidor de ``usuario`` (as de ``jupyterhub_config.py``): para rodar
    comandos do professor ou do aluno fora do navegador, como no terminal do JupyterLab."""
    papel = "professor" if usuario == hub.professor else "aluno"
    etc = hub.estado / "etc"
    return {
        "HOME": pwd.getpwnam(usuario).pw_dir,
        "USER": usuario,
        "PATH": f"{hub.env / 'venv/bin'}:/usr/local/bin:/usr/bin:/bin",
        "JUPYTER_CONFIG_PATH": f"{etc / papel}:{etc / 'comum'}",
        "GIT_CONFIG_GLOBAL": str(etc / "comum/gitconfig"),
        "LANG": "C.UTF-8",
        "TF_CPP_MIN_LOG_LEVEL": "3",
    }


def ambiente_do_hub(hub):
    return {
        **os.environ,
        "CNN_HUB_DIR": str(hub.dir),
        "CNN_HUB_ENV": str(hub.env),
        "CNN_HUB_PORT": str(hub.port),
        "CNN_HUB_USUARIOS": ",".join(hub.usuarios),
        "PATH": f"{hub.env / 'node/node_modules/.bin'}:{hub.env / 'venv/bin'}:/usr/sbin:/usr/bin:/sbin:/bin",
    }


def comando_do_hub(hub):
    return [str(hub.env / "venv/bin/jupyterhub"), "-f", str(HERE / "jupyterhub_config.py")]


def limpar(hub):
    """Remove os usuários (com as pastas pessoais) e a pasta do hub inteira."""
    for usuario in hub.usuarios:
        try:
            pwd.getpwnam(usuario)
        except KeyError:
            continue
        subprocess.run(["pkill", "-u", usuario], check=False)
        _run("userdel", "--remove", usuario, stderr=subprocess.DEVNULL)
    shutil.rmtree(hub.dir, ignore_errors=True)


def main(argv):
    if os.geteuid() != 0:
        raise SystemExit(
            "cnn_hub: rode como root (cria usuários do sistema e troca de usuário para cada um)."
        )
    hub = Hub()
    acao = argv[1] if len(argv) > 1 else ""
    if acao == "preparar":
        senhas = preparar(hub, os.environ.get("HUB_PASSWORD") or None)
        print(f"\nHub pronto. Entre em {hub.url} com:")
        for usuario, senha in senhas.items():
            print(f"  {usuario:10s} {senha}")
        print(f"(as senhas ficam em {hub.estado / 'senhas.txt'}; pare o hub com Ctrl-C)")
    elif acao == "rodar":
        os.chdir(hub.estado)
        os.execve(comando_do_hub(hub)[0], comando_do_hub(hub), ambiente_do_hub(hub))
    elif acao == "limpar":
        limpar(hub)
        print(f"Usuários {', '.join(hub.usuarios)} e a pasta {hub.dir} removidos.")
    else:
        raise SystemExit("uso: cnn_hub.py preparar|rodar|limpar")


if __name__ == "__main__":
    main(sys.argv)
