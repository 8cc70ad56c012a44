#!/usr/bin/env bash
# Copia para book/_static/offline as bibliotecas JavaScript que o livro usa, para que ele funcione sem internet:
# MathJax 3 (fórmulas) e o gerenciador HTML do ipywidgets 8 (widgets com estado salvo).
# Usa o cliente npm só para baixar os pacotes; o resultado fica versionado no repositório.
set -euo pipefail
MATHJAX=3.2.2
HTML_MANAGER=1.0.15
cd "$(dirname "$0")/.."
dest=book/_static/offline
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "mathjax@$MATHJAX" "@jupyter-widgets/html-manager@$HTML_MANAGER" >/dev/null)
for tgz in "$work"/*.tgz; do mkdir -p "${tgz%.tgz}" && tar xzf "$tgz" -C "${tgz%.tgz}"; done
rm -rf "$dest/mathjax" "$dest/html-manager"
mkdir -p "$dest/mathjax/output/chtml/fonts" "$dest/html-manager"
mj="$work/mathjax-$MATHJAX/package"
cp "$mj/LICENSE" "$mj/es5/tex-chtml-full.js" "$dest/mathjax/"
cp -r "$mj/es5/a11y" "$mj/es5/ui" "$dest/mathjax/"
cp -r "$mj/es5/output/chtml/fonts/woff-v2" "$dest/mathjax/output/chtml/fonts/"
hm="$work/jupyter-widgets-html-manager-$HTML_MANAGER/package"
cp "$hm/dist/embed.js" "$hm/dist/embed.js.LICENSE.txt" "$dest/html-manager/"
find "$hm/dist" -maxdepth 1 -regex '.*\.\(woff2?\|ttf\|eot\|svg\)' -exec cp {} "$dest/html-manager/" \;
printf 'mathjax %s\n@jupyter-widgets/html-manager %s\n' "$MATHJAX" "$HTML_MANAGER" > "$dest/VERSIONS.txt"
echo "Bibliotecas copiadas para $dest"
