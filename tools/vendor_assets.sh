#!/usr/bin/env bash
# Copia para book/_static/offline as bibliotecas JavaScript de terceiros que o livro usa, para que ele funcione
# sem internet: MathJax 3 (fórmulas), com versão fixa e licença. Usa o cliente npm só para baixar o pacote; o
# resultado fica versionado no repositório.
# As demonstrações interativas não dependem de biblioteca de terceiros: o componente delas é o módulo do próprio
# curso, cnn_lib/static/cnn_demos.js, servido em _static/ (html_static_path no _config.yml). O gerenciador de
# widgets do ipywidgets (@jupyter-widgets/html-manager) não é mais usado: ele só desenhava o estado salvo.
set -euo pipefail
MATHJAX=3.2.2
cd "$(dirname "$0")/.."
dest=book/_static/offline
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "mathjax@$MATHJAX" >/dev/null)
for tgz in "$work"/*.tgz; do mkdir -p "${tgz%.tgz}" && tar xzf "$tgz" -C "${tgz%.tgz}"; done
rm -rf "$dest/mathjax" "$dest/html-manager"
mkdir -p "$dest/mathjax/output/chtml/fonts"
mj="$work/mathjax-$MATHJAX/package"
cp "$mj/LICENSE" "$mj/es5/tex-chtml-full.js" "$dest/mathjax/"
cp -r "$mj/es5/a11y" "$mj/es5/ui" "$dest/mathjax/"
cp -r "$mj/es5/output/chtml/fonts/woff-v2" "$dest/mathjax/output/chtml/fonts/"
printf 'mathjax %s\n' "$MATHJAX" > "$dest/VERSIONS.txt"
echo "Bibliotecas copiadas para $dest"
