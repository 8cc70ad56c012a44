#!/usr/bin/env bash
# Constrói o livro numa pasta separada (com cache de execução próprio), para quem edita capítulos em paralelo
# sem disputar _build/ com `make book`.  Uso: tools/preview_build.sh /tmp/minha-previa [capítulo ...]
# Com capítulos (ex.: book/03-camada-convolucional), o sumário da prévia contém só eles.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?informe a pasta de saída}
shift
mkdir -p "$out"
sed -e "s#cache: _build/.jupyter_cache#cache: $out/.jupyter_cache#" -e "s#: book/_ext#: $root/book/_ext#" \
  "$root/_config.yml" > "$out/_config.yml"
if [ $# -gt 0 ]; then
  { printf 'format: jb-book\nroot: book/index\nchapters:\n'; for c in "$@"; do printf '  - file: %s\n' "$c"; done
    printf '  - file: book/referencias\n'; } > "$out/_toc.yml"
else
  cp "$root/_toc.yml" "$out/_toc.yml"
fi
cd "$root"
exec "$root/.venv/bin/jupyter-book" build . --path-output "$out" --config "$out/_config.yml" --toc "$out/_toc.yml" \
  -W -n --keep-going
