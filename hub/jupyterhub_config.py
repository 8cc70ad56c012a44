# ruff: noqa: F821
"""Configuração do JupyterHub do curso numa máquina só (``make hub``; lida por ``jupyterhub -f``).

O hub roda como root (PAM e a troca de usuário precisam disso) e ouve só em 127.0.0.1. Os caminhos vêm de
``CNN_HUB_DIR`` (a pasta do hub, ver ``hub/cnn_hub.py``), a porta de ``CNN_HUB_PORT`` e os usuários de
``CNN_HUB_USUARIOS`` (o primeiro é o professor).
"""

import os
from pathlib import Path

HUB = Path(os.environ["CNN_HUB_DIR"])
ENV = Path(os.environ.get("CNN_HUB_ENV", HUB / "env"))
ESTADO = HUB / "estado"
PORTA = int(os.environ.get("CNN_HUB_PORT", "8000"))
USUARIOS = os.environ.get("CNN_HUB_USUARIOS", "professor,aluno1,aluno2,aluno3").split(",")
PROFESSOR = USUARIOS[0]

c = get_config()

# Rede: tudo em loopback; o hub e a API do proxy nas duas portas seguintes.
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = PORTA
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = PORTA + 1
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{PORTA + 2}"
c.ConfigurableHTTPProxy.command = [str(ENV / "node/node_modules/.bin/configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = str(ESTADO / "proxy.pid")

# Estado numa pasta só.
c.JupyterHub.db_url = f"sqlite:///{ESTADO / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(ESTADO / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(ESTADO / "jupyterhub.pid")

# Usuários do sistema, senha pelo PAM. Ninguém é admin (um admin do hub entra nos servidores dos alunos).
c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = set(USUARIOS)
c.PAMAuthenticator.open_sessions = False

# Cada usuário roda o seu JupyterLab com o próprio uid (LocalProcessSpawner), no ambiente do hub.
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [str(ENV / "venv/bin/jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.http_timeout = 120
c.Spawner.start_timeout = 180


def _config_path(spawner):
    """O professor tem o formgrader e o curso; os alunos, o JupyterLab sem as extensões do instrutor."""
    papel = "professor" if spawner.user.name == PROFESSOR else "aluno"
    return f"{ESTADO / 'etc' / papel}:{ESTADO / 'etc' / 'comum'}"


# As mesmas variáveis de ``ambiente_do_usuario`` em ``hub/cnn_hub.py``.
c.Spawner.environment = {
    "PATH": f"{ENV / 'venv/bin'}:/usr/local/bin:/usr/bin:/bin",
    "JUPYTER_CONFIG_PATH": _config_path,
    "LANG": "C.UTF-8",
    "TF_CPP_MIN_LOG_LEVEL": "3",
    # O repositório da versão do aluno é de root: o git do aluno precisa confiar nele (safe.directory) para
    # cloná-lo, e o git só aceita isso da configuração global (esta inclui o ~/.gitconfig de cada um).
    "GIT_CONFIG_GLOBAL": str(ESTADO / "etc" / "comum" / "gitconfig"),
}
