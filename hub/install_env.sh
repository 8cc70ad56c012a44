#!/usr/bin/env bash
# Instala o ambiente do hub em $1 (padrão /srv/cnn-hub/env): um Python legível por todos os usuários (cópia do
# interpretador da máquina, que pode viver numa pasta 0700 como /root), um venv com requirements-hub.txt (a
# extensão do nbgrader traduzida) e o configurable-http-proxy do package-lock.json. Precisa do patchelf e do npm.
# Cada parte só é refeita quando falta ou quando os seus arquivos mudam (carimbos com o hash deles).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ENV_DIR="${1:-/srv/cnn-hub/env}"
PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"
VER="$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
umask 022
mkdir -p "$ENV_DIR"
chmod 755 "$ENV_DIR"
hash_of() { cat "$@" | sha256sum | cut -c1-16; }
changed() { [ "$(cat "$ENV_DIR/.$1" 2>/dev/null)" != "$2" ]; }

# 1. Um interpretador que os alunos conseguem executar: copiamos o prefixo base (sem site-packages e testes).
if [ ! -x "$ENV_DIR/python/bin/python$VER" ]; then
  BASE="$("$PYTHON" -c 'import sys; print(sys.base_prefix)')"
  rm -rf "$ENV_DIR/python" "$ENV_DIR/venv"
  mkdir -p "$ENV_DIR/python"
  tar -C "$BASE" --exclude="lib/python$VER/site-packages" --exclude="lib/python$VER/test" \
    --exclude='__pycache__' -cf - bin lib include | tar -C "$ENV_DIR/python" -xf -
  mkdir -p "$ENV_DIR/python/lib/python$VER/site-packages"
  # O executável procura a libpython no prefixo original (RUNPATH absoluto): aponte-o para a cópia.
  if readelf -d "$ENV_DIR/python/bin/python$VER" 2>/dev/null | grep -q 'R.*PATH'; then
    patchelf --set-rpath '$ORIGIN/../lib' "$ENV_DIR/python/bin/python$VER"
  fi
  chmod -R a+rX "$ENV_DIR/python"
fi

# 2. O venv dos usuários.
[ -x "$ENV_DIR/venv/bin/python" ] || "$ENV_DIR/python/bin/python$VER" -m venv "$ENV_DIR/venv"
REQ="$(hash_of "$HERE/requirements-hub.txt" "$HERE/../requirements.txt")"
if changed requisitos "$REQ"; then
  pip_install() {  # sem os avisos de índices locais que não existem nesta máquina
    "$ENV_DIR/venv/bin/python" -m pip install --quiet "$@" 2> >(grep -v 'is ignored: it is neither' >&2)
  }
  pip_install --upgrade pip
  pip_install -r "$HERE/requirements-hub.txt"
  echo "$REQ" > "$ENV_DIR/.requisitos"
fi
# Os textos da extensão do nbgrader (Validar, Lista de tarefas...) em português (não faz nada se já feito).
"$ENV_DIR/venv/bin/python" "$HERE/traduzir_nbgrader.py" "$ENV_DIR/venv"

# 3. O proxy, na versão do package-lock.json.
LOCK="$(hash_of "$HERE/package-lock.json")"
if changed proxy "$LOCK"; then
  mkdir -p "$ENV_DIR/node"
  cp "$HERE/package.json" "$HERE/package-lock.json" "$ENV_DIR/node/"
  (cd "$ENV_DIR/node" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$LOCK" > "$ENV_DIR/.proxy"
fi

chmod -R a+rX "$ENV_DIR"
echo "Ambiente do hub pronto em $ENV_DIR"
