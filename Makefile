# Os comandos do README. Cada alvo prepara o ambiente (.venv) sozinho quando preciso.
#   make book   -> constrói o livro HTML em _build/html
#   make test   -> roda toda a suíte de testes
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.instalado
export PATH := $(abspath $(BIN)):$(PATH)
export TF_CPP_MIN_LOG_LEVEL := 3
export TF_ENABLE_ONEDNN_OPTS := 0
export PYTHONHASHSEED := 0

.PHONY: book test lint assignments venv system vendor clean relatorio hub hub-clean student-release

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@

book: $(STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going

# Pacotes do Debian que os testes usam: o Chromium (testes de navegador; a Playwright não baixa navegadores
# aqui), o bubblewrap (a caixa de areia da correção), o patchelf e o npm (o ambiente do make hub). Instalados
# com apt-get quando rodamos como root.
SYSTEM_PACKAGES := chromium:chromium bwrap:bubblewrap patchelf:patchelf npm:npm hunspell:hunspell hunspell:hunspell-pt-br
system:
	@missing=""; for pair in $(SYSTEM_PACKAGES); do \
	  command -v "$${pair%%:*}" >/dev/null || missing="$$missing $${pair#*:}"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $$missing >/dev/null; \
	  else echo "Instale com apt-get:$$missing"; fi; fi

test: $(STAMP) system
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Relatório da turma de uma tarefa já corrigida (nbgrader autograde): HTML e CSV em relatorios/.
#   make relatorio TAREFA=ex02_dimensoes
relatorio: $(STAMP)
	@test -n "$(TAREFA)" || { echo "Diga a tarefa: make relatorio TAREFA=ex02_dimensoes"; exit 2; }
	$(BIN)/python -m cnn_grader.report "$(TAREFA)"

# Regenera exercises/ (versão do aluno) a partir de solutions/ com o próprio nbgrader.
assignments: $(STAMP)
	$(BIN)/nbgrader generate_assignment "*" --force --no-db

# Versão do aluno (o repositório público, sem soluções): make student-release DEST=../curso-cnn-aluno
student-release: $(STAMP)
	@test -n "$(DEST)" || { echo "Diga a pasta: make student-release DEST=../curso-cnn-aluno"; exit 2; }
	$(BIN)/python tools/student_release.py "$(DEST)"

# JupyterHub do curso nesta máquina, em 127.0.0.1:8000 (guia do instrutor); como root; Ctrl-C para.
#   make hub [HUB_PASSWORD=...] [HUB_DIR=/srv/cnn-hub] [HUB_PORT=8000]; make hub-clean apaga usuários e estado.
hub: $(STAMP) system
	$(BIN)/python hub/cnn_hub.py preparar
	$(BIN)/python hub/cnn_hub.py rodar

hub-clean:
	$(PYTHON) hub/cnn_hub.py limpar

# Atualiza as cópias locais de MathJax e do gerenciador de widgets (o livro funciona sem internet).
vendor:
	bash tools/vendor_assets.sh

clean:
	rm -rf _build
