// SPDX-License-Identifier: MIT (licença do curso; sem dependências de terceiros)
// Demonstrações interativas do curso de CNNs: o mesmo módulo desenha no JupyterLab (anywidget) e no livro
// em HTML (sem kernel). Os cálculos pequenos (correlação cruzada, tamanhos, pooling, ativação) são feitos
// aqui, em JavaScript, com as mesmas regras de cnn_lib.ops e cnn_lib.shapes; os testes do navegador comparam
// o `data-state` de cada demonstração com o `state` calculado em Python.
//
// Cada demonstração tem um elemento raiz com `data-demo` (o nome), `data-controls` (os valores dos controles,
// com os nomes do Python) e `data-state` (o estado, com as chaves do `state` do Python), atualizados a cada
// mudança logo depois de o quadro ser pintado.

const MINUS = "\u2212";
const TIMES = "\u00d7";

// --- números e textos como em cnn_lib.plots.format_value (ponto flutuante do Python, vírgula decimal)

function fixed2(value) {
  // Python formata com o arredondamento correto do valor binário; o toFixed do JavaScript só difere nos
  // empates exatos (j/8 com j ímpar), em que o Python arredonda para o par.
  const scaled = value * 8;
  if (Number.isInteger(scaled) && !Number.isInteger(value * 4)) {
    const hundredths = Math.abs(value) * 100; // x,5 exato
    let down = Math.floor(hundredths);
    if (down % 2 === 1) down += 1;
    const text = (down / 100).toFixed(2);
    return value < 0 ? `-${text}` : text;
  }
  return value.toFixed(2);
}

export function formatValue(value) {
  let text;
  if (Math.abs(value - Math.round(value)) < 5e-3) text = value.toFixed(0);
  else text = fixed2(value).replace(/0+$/, "");
  if (text === "-0" || text === "0.") return "0";
  return text.replace("-", MINUS).replace(".", ",");
}

function term(value) {
  const text = formatValue(value);
  return text.startsWith(MINUS) ? `(${text})` : text;
}

function received(value) {
  return typeof value === "string" ? `'${value}'` : String(value);
}

const range = (n) => Array.from({ length: n }, (_, i) => i);
const zeros = (h, w) => range(h).map(() => new Array(w).fill(0));
const sameJSON = (a, b) => JSON.stringify(a) === JSON.stringify(b);

// --- aritmética de cnn_lib.shapes

function samePadding(n, k, s, d) {
  const kEff = d * (k - 1) + 1;
  const total = Math.max((Math.ceil(n / s) - 1) * s + kEff - n, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

function padsFor(n, k, s, padding, d) {
  if (padding === "valid") return [0, 0];
  if (padding === "same") return samePadding(n, k, s, d);
  return [padding, padding];
}

export function outputSize(n, k, s, padding, d) {
  const kEff = d * (k - 1) + 1;
  if (padding === "same") return Math.ceil(n / s);
  const [before, after] = padsFor(n, k, s, padding, d);
  const padded = n + before + after;
  if (padded < kEff) {
    throw new RangeError(
      `o kernel é maior que a entrada: kernel_size=${k} (tamanho efetivo ${kEff} com ` +
        `dilation_rate=${d}) não cabe em n=${n} com padding=${received(padding)} ` +
        `(entrada preenchida: ${padded}); use uma entrada maior, um kernel menor ou padding='same'`,
    );
  }
  return Math.floor((padded - kEff) / s) + 1;
}

export function outputSizeFormula(n, k, s, padding, d) {
  const size = outputSize(n, k, s, padding, d);
  const [before, after] = padsFor(n, k, s, padding, d);
  const [symbol, numbers] =
    before === after ? ["2p", `2·${before}`] : ["p_antes + p_depois", `${before} + ${after}`];
  return (
    `⌊(n + ${symbol} − d·(k−1) − 1)/s⌋ + 1 = ` +
    `⌊(${n} + ${numbers} − ${d}·(${k}−1) − 1)/${s}⌋ + 1 = ${size}`
  );
}

function windowCells(row, col, k, s, d) {
  const taps = range(k).map((a) => d * a);
  return [taps.map((t) => row * s + t), taps.map((t) => col * s + t)];
}

function windowRectangles(rows, cols, d) {
  if (d === 1) return [[rows[0], cols[0], rows.length, cols.length]];
  return rows.flatMap((r) => cols.map((c) => [r, c, 1, 1]));
}

function pad2d(x, [[top, bottom], [left, right]]) {
  const h = x.length + top + bottom;
  const w = x[0].length + left + right;
  const out = zeros(h, w);
  x.forEach((row, i) => row.forEach((v, j) => (out[i + top][j + left] = v)));
  return out;
}

function correlate(padded, kernel, s, d, outH, outW) {
  const k = kernel.length;
  return range(outH).map((i) =>
    range(outW).map((j) => {
      let sum = 0;
      for (let u = 0; u < k; u++)
        for (let v = 0; v < k; v++) sum += padded[i * s + u * d][j * s + v * d] * kernel[u][v];
      return sum;
    }),
  );
}

// --- 1. convolução

function convConstrain(values, data) {
  const sizes = data.kernel_sizes[values.kernel];
  if (!sizes.includes(values.kernel_size)) values.kernel_size = sizes.includes(3) ? 3 : sizes[0];
  const limits = { kernel_size: { options: sizes } };
  try {
    const size = outputSize(values.n, values.kernel_size, values.strides, values.padding, values.dilation_rate);
    limits.row = limits.col = { max: size - 1 };
  } catch {
    // combinação inválida: os limites de linha e coluna ficam como estavam
  }
  return limits;
}

function convState(values, data) {
  const { n, kernel, kernel_size: k, strides: s, padding, dilation_rate: d, row, col } = values;
  const size = outputSize(n, k, s, padding, d);
  const start = Math.floor((9 - n) / 2);
  const grid = data.grid.slice(0, n).map((line) => line.slice(start, start + n));
  const weights = data.kernels[kernel][String(k)];
  const pads = [padsFor(n, k, s, padding, d), padsFor(n, k, s, padding, d)];
  const padded = pad2d(grid, pads);
  const output = correlate(padded, weights, s, d, size, size);
  const [rows, cols] = windowCells(row, col, k, s, d);
  const patch = rows.map((r) => cols.map((c) => padded[r][c]));
  const products = patch
    .flat()
    .map((a, index) => `${term(a)}·${term(weights.flat()[index])}`)
    .join(" + ");
  return {
    input: grid,
    padded,
    pad_width: pads,
    kernel: weights,
    output,
    output_shape: [size, size],
    formula_text: outputSizeFormula(n, k, s, padding, d),
    position: [row, col],
    patch_rows: rows,
    patch_cols: cols,
    highlight: { input: windowRectangles(rows, cols, d), output: [row, col, 1, 1] },
    products_text: `${products} = ${formatValue(output[row][col])}`,
    title: `kernel ${kernel} ${k}${TIMES}${k}`,
  };
}

function convDraw(view, state) {
  const [[top, bottom], [left, right]] = state.pad_width;
  const padded = top + bottom + left + right ? " com padding (cinza)" : "";
  const [h, w] = state.output_shape;
  view.figure([
    matrixPanel(state.padded, {
      cmap: "Blues",
      pad: state.pad_width,
      highlight: state.highlight.input,
      title: `entrada ${state.input.length}${TIMES}${state.input.length}${padded}`,
    }),
    matrixPanel(state.kernel, { cmap: "RdBu_r", symmetric: true, title: state.title }),
    matrixPanel(state.output, {
      cmap: "PuOr_r",
      symmetric: true,
      highlight: [state.highlight.output],
      title: `mapa de características ${h}${TIMES}${w}`,
    }),
  ]);
}

function convDescribe(state) {
  const [row, col] = state.position;
  return (
    `<p><b>Tamanho da saída</b> (altura = largura): ${escape(state.formula_text)}</p>` +
    `<p><b>Saída (${row}, ${col})</b>, soma dos produtos da janela em vermelho pelo kernel: ` +
    `${escape(state.products_text)}</p>`
  );
}

// --- 2. passo (stride) e preenchimento (padding)

function sizeSummary(height, width, k, s, padding, d, [outH, outW]) {
  const loss = d * (k - 1);
  if (padding === "same") {
    const tail = s === 1 ? " (o mesmo tamanho da entrada)." : ` (cerca de 1/${s} em cada dimensão).`;
    return `padding='same': a saída é ⌈H/s⌉${TIMES}⌈W/s⌉ = ⌈${height}/${s}⌉${TIMES}⌈${width}/${s}⌉ = ${outH}${TIMES}${outW}${tail}`;
  }
  const pad = padding === "valid" ? 0 : padding;
  if (s === 1) {
    return (
      `strides=1: cada dimensão ganha 2p = ${2 * pad} e perde d·(k−1) = ${loss}: ` +
      `(${height} + ${2 * pad} − ${loss})${TIMES}(${width} + ${2 * pad} − ${loss}) = ${outH}${TIMES}${outW}.`
    );
  }
  return (
    `strides=${s}: a janela anda ${s} casas por vez, então a saída fica com cerca de ` +
    `1/${s} das posições da entrada preenchida ` +
    `(${height + 2 * pad}${TIMES}${width + 2 * pad} → ${outH}${TIMES}${outW}).`
  );
}

function strideState(values) {
  const { height, width, kernel_size: k, strides: s, padding, dilation_rate: d } = values;
  const outShape = [height, width].map((n) => outputSize(n, k, s, padding, d));
  const pads = [height, width].map((n) => padsFor(n, k, s, padding, d));
  const formulas = [
    ["altura", height],
    ["largura", width],
  ].map(([name, n]) => `${name}: ${outputSizeFormula(n, k, s, padding, d)}`);
  const first = windowCells(0, 0, k, s, d);
  const last = windowCells(outShape[0] - 1, outShape[1] - 1, k, s, d);
  const center = (d * (k - 1)) / 2;
  const centers = range(outShape[0]).flatMap((i) => range(outShape[1]).map((j) => [i * s + center, j * s + center]));
  return {
    input_shape: [height, width],
    pad_width: pads,
    padded_shape: [height + pads[0][0] + pads[0][1], width + pads[1][0] + pads[1][1]],
    output_shape: outShape,
    formula_text: formulas.join("\n"),
    summary: sizeSummary(height, width, k, s, padding, d, outShape),
    highlight: { first: windowRectangles(...first, d), last: windowRectangles(...last, d) },
    centers,
    title: `k=${k}, s=${s}, padding=${padding}, d=${d}`,
  };
}

function strideDraw(view, state) {
  const [height, width] = state.input_shape;
  const [ph, pw] = state.padded_shape;
  const [oh, ow] = state.output_shape;
  view.figure([
    matrixPanel(zeros(ph, pw), {
      cmap: "Blues",
      flat: true,
      pad: state.pad_width,
      highlight: [...state.highlight.first, ...state.highlight.last],
      dots: state.centers,
      title: `entrada ${height}${TIMES}${width}, preenchida ${ph}${TIMES}${pw}`,
    }),
    matrixPanel(zeros(oh, ow), { cmap: "Greens", flat: true, title: `saída ${oh}${TIMES}${ow}` }),
  ]);
}

function strideDescribe(state) {
  const [oh, ow] = state.output_shape;
  const formulas = state.formula_text.split("\n").map(escape).join("<br>");
  return (
    `<p><b>Saída ${oh}${TIMES}${ow}</b>. ${escape(state.summary)}</p><p>${formulas}</p>` +
    "<p>Cada ponto vermelho é o centro de uma janela, ou seja, uma célula da saída; em vermelho, a " +
    "primeira e a última janela.</p>"
  );
}

// --- 3. pooling

function poolInput(data, shift) {
  const start = data.max_shift - shift;
  return data.grid.map((line) => line.slice(start, start + data.size));
}

function pooled(x, k, s) {
  const out = Math.floor((x.length - k) / s) + 1;
  const max = zeros(out, out);
  const average = zeros(out, out);
  const argmax = [];
  for (let i = 0; i < out; i++) {
    for (let j = 0; j < out; j++) {
      let best = -Infinity;
      let where = null;
      let sum = 0;
      for (let u = 0; u < k; u++) {
        for (let v = 0; v < k; v++) {
          const value = x[i * s + u][j * s + v];
          sum += value;
          if (value > best) [best, where] = [value, [i * s + u, j * s + v]];
        }
      }
      max[i][j] = best;
      average[i][j] = Math.fround(sum / (k * k)); // float32, como cnn_lib.ops com entrada inteira
      argmax.push(where);
    }
  }
  const total = x.flat().reduce((a, b) => a + b, 0);
  return { max, average, global_average: Math.fround(total / x.length ** 2), argmax };
}

function changedCells(now, before) {
  return now.flatMap((line, r) => line.flatMap((v, c) => (v === before[r][c] ? [] : [[r, c, 1, 1]])));
}

function poolingState(values, data) {
  const { pool_size: k, strides: s, shift } = values;
  const x = poolInput(data, shift);
  const now = pooled(x, k, s);
  const reference = pooled(poolInput(data, 0), k, s);
  const cells = [...new Set(now.argmax.map(([r, c]) => r * 100 + c))].sort((a, b) => a - b);
  return {
    input: x,
    shift,
    max: now.max,
    average: now.average,
    global_average: now.global_average,
    output_shape: [now.max.length, now.max.length],
    argmax: now.argmax,
    reference: { max: reference.max, average: reference.average, global_average: reference.global_average },
    changed: {
      max: changedCells(now.max, reference.max),
      average: changedCells(now.average, reference.average),
    },
    highlight: { input: cells.map((v) => [Math.floor(v / 100), v % 100, 1, 1]) },
    title: `${k}${TIMES}${k}, strides=${s}`,
  };
}

function poolingDraw(view, state) {
  const shifted = state.shift ? `, deslocada ${state.shift} px` : "";
  const [h, w] = state.output_shape;
  const panels = [
    matrixPanel(state.input, {
      cmap: "Blues",
      highlight: state.highlight.input,
      highlightColor: "#ff7f0e",
      title: `entrada 8${TIMES}8${shifted}`,
    }),
  ];
  for (const [name, cmap] of [
    ["max", "Oranges"],
    ["average", "Greens"],
  ]) {
    panels.push(
      matrixPanel(state[name], {
        cmap,
        highlight: state.changed[name],
        title: `${name} pooling ${state.title} → ${h}${TIMES}${w}`,
      }),
    );
  }
  panels.push(matrixPanel([[state.global_average]], { cmap: "Purples", title: "global average" }));
  view.figure(panels);
}

function poolingDescribe(state) {
  const total = state.output_shape[0] * state.output_shape[1];
  const text =
    "<p>Em laranja, na entrada, o valor que cada janela do max pooling guarda (o máximo); o average " +
    "pooling guarda a média da janela e o global average pooling, a média do mapa inteiro.</p>";
  if (state.shift === 0) {
    return text + "<p>Mova <b>deslocar a entrada</b> para ver o que muda quando a imagem anda 1 pixel.</p>";
  }
  return (
    text +
    `<p>Com a entrada deslocada ${state.shift} pixel(s) para a direita (em vermelho, o que mudou): ` +
    `<b>${state.changed.max.length} de ${total}</b> saídas do max pooling mudaram e ` +
    `<b>${state.changed.average.length} de ${total}</b> do average pooling; a média global foi de ` +
    `${formatValue(state.reference.global_average)} para ${formatValue(state.global_average)}.</p>`
  );
}

// --- 4. convolução, ativação e pooling numa foto

const ACTIVATIONS = {
  ReLU: (x) => Math.max(x, 0),
  tanh: Math.tanh,
  sigmoide: (x) => {
    const decay = Math.exp(-Math.abs(x));
    return x >= 0 ? 1 / (1 + decay) : decay / (1 + decay);
  },
};

function pool2d(x, k, kind) {
  const out = [Math.floor((x.length - k) / k) + 1, Math.floor((x[0].length - k) / k) + 1];
  return range(out[0]).map((i) =>
    range(out[1]).map((j) => {
      let result = x[i * k][j * k];
      for (let u = 0; u < k; u++) {
        for (let v = 0; v < k; v++) {
          if (u === 0 && v === 0) continue;
          const value = x[i * k + u][j * k + v];
          result = kind === "máximo" ? Math.max(result, value) : result + value;
        }
      }
      return kind === "máximo" ? result : result / (k * k);
    }),
  );
}

function activationState(values, data) {
  const { image, kernel, activation, pooling, pool_size: k } = values;
  const photo = data.photos[image];
  const weights = data.kernels[kernel];
  const convolved = correlate(photo, weights, 1, 1, photo.length - 2, photo[0].length - 2);
  const activated = convolved.map((line) => line.map(ACTIVATIONS[activation]));
  const pooledMap = pool2d(activated, k, pooling);
  return {
    image: photo,
    convolved,
    activated,
    pooled: pooledMap,
    titles: [
      `foto ${photo.length}${TIMES}${photo[0].length}`,
      `convolução: ${kernel}`,
      `ativação: ${activation}`,
      `pooling (${pooling}) ${k}${TIMES}${k} → ${pooledMap.length}${TIMES}${pooledMap[0].length}`,
    ],
  };
}

function activationDraw(view, state) {
  const limit = Math.max(...state.convolved.flat().map(Math.abs)) || 1;
  view.figure([
    imagePanel(state.image, { cmap: "gray", title: state.titles[0] }),
    imagePanel(state.convolved, { cmap: "RdBu_r", low: -limit, high: limit, title: state.titles[1] }),
    imagePanel(state.activated, { cmap: "magma", title: state.titles[2] }),
    imagePanel(state.pooled, { cmap: "magma", title: state.titles[3] }),
  ]);
}

function activationDescribe(state) {
  const flat = state.activated.flat();
  const low = formatValue(Math.min(...flat));
  const high = formatValue(Math.max(...flat));
  return (
    "<p>A convolução (com <code>padding='valid'</code>) realça as bordas na direção do kernel: azul " +
    "para valores negativos, vermelho para positivos. A ativação leva os valores para " +
    `[${low}, ${high}] (a ReLU zera os negativos; tanh e sigmoide os comprimem) e o pooling reduz o ` +
    "mapa.</p>"
  );
}

// --- 5. mapas de características pré-calculados (um modelo Keras treinado na construção do livro)

function featureState(values, data) {
  const { layer, index } = values;
  const maps = data.maps[layer];
  const [, height, width, shown] = maps.shape;
  const block = height * width * shown;
  const flat = maps.values.subarray(index * block, (index + 1) * block);
  const nested = range(height).map((i) => range(width).map((j) => Array.from(flat.subarray((i * width + j) * shown, (i * width + j + 1) * shown))));
  return {
    layer,
    index,
    image: data.images.nested[index],
    maps: nested,
    title: `camada ${layer}: ${maps.channels} mapas ${height}${TIMES}${width} (mostrando ${shown}, em linhas de 8)`,
  };
}

function featureDraw(view, state) {
  const shown = state.maps[0][0].length;
  const panels = [imagePanel(state.image, { cmap: "gray", title: `imagem ${state.index}`, rgb: Array.isArray(state.image[0][0]) })];
  for (let c = 0; c < shown; c++) {
    panels.push(imagePanel(state.maps.map((line) => line.map((v) => v[c])), { cmap: "viridis", title: `mapa ${c}`, small: true }));
  }
  view.figure(panels);
}

function featureDescribe(state) {
  return (
    `<p>${escape(state.title)}. Cada mapa é a resposta de um filtro da camada: claro onde o ` +
    "padrão que o filtro procura aparece na imagem.</p>"
  );
}

const DEMOS = {
  conv_explorer: { constrain: convConstrain, compute: convState, draw: convDraw, describe: convDescribe },
  stride_padding_explorer: { compute: strideState, draw: strideDraw, describe: strideDescribe },
  pooling_explorer: { compute: poolingState, draw: poolingDraw, describe: poolingDescribe },
  activation_pipeline: { compute: activationState, draw: activationDraw, describe: activationDescribe },
  feature_map_explorer: { compute: featureState, draw: featureDraw, describe: featureDescribe },
};

// --- desenho: matrizes em SVG, imagens em canvas, cores dos mapas do matplotlib

const CMAPS = {
  Blues: ["#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b"],
  Oranges: ["#fff5eb", "#fee6ce", "#fdd0a2", "#fdae6b", "#fd8d3c", "#f16913", "#d94801", "#a63603", "#7f2704"],
  Greens: ["#f7fcf5", "#e5f5e0", "#c7e9c0", "#a1d99b", "#74c476", "#41ab5d", "#238b45", "#006d2c", "#00441b"],
  Purples: ["#fcfbfd", "#efedf5", "#dadaeb", "#bcbddc", "#9e9ac8", "#807dba", "#6a51a3", "#54278f", "#3f007d"],
  RdBu_r: ["#053061", "#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7", "#fddbc7", "#f4a582", "#d6604d", "#b2182b", "#67001f"],
  PuOr_r: ["#2d004b", "#542788", "#8073ac", "#b2abd2", "#d8daeb", "#f7f7f7", "#fee0b6", "#fdb863", "#e08214", "#b35806", "#7f3b08"],
  viridis: ["#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58", "#b5de2b", "#fde725"],
  magma: ["#000004", "#1c1044", "#4f127b", "#812581", "#b5367a", "#e55064", "#fb8761", "#fec287", "#fcfdbf"],
  gray: ["#000000", "#ffffff"],
};
const LUTS = {};

function lut(name) {
  if (!LUTS[name]) {
    const anchors = CMAPS[name].map((hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)));
    LUTS[name] = range(256).map((i) => {
      const position = (i / 255) * (anchors.length - 1);
      const a = Math.min(Math.floor(position), anchors.length - 2);
      const t = position - a;
      return anchors[a].map((v, c) => Math.round(v + (anchors[a + 1][c] - v) * t));
    });
  }
  return LUTS[name];
}

function scaler(values, { symmetric = false, low, high } = {}) {
  let lo = low ?? Math.min(...values);
  let hi = high ?? Math.max(...values);
  if (symmetric) [lo, hi] = [-Math.max(Math.abs(lo), Math.abs(hi)) || -1, Math.max(Math.abs(lo), Math.abs(hi)) || 1];
  const span = hi - lo || 1;
  return (v) => Math.max(0, Math.min(255, Math.round(((v - lo) / span) * 255)));
}

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const CELL = 30;

function matrixPanel(matrix, { cmap, symmetric, pad, highlight = [], highlightColor = "#d62728", flat, dots, title }) {
  const h = matrix.length;
  const w = matrix[0].length;
  const [[top, bottom], [left, right]] = pad ?? [
    [0, 0],
    [0, 0],
  ];
  const table = lut(cmap);
  const level = flat ? () => 64 : scaler(matrix.flat(), { symmetric });
  const parts = [];
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      const padding = i < top || i >= h - bottom || j < left || j >= w - right;
      const [r, g, b] = padding ? [189, 189, 189] : table[level(matrix[i][j])];
      const x = j * CELL;
      const y = i * CELL;
      parts.push(`<rect class="cnn-cell" x="${x}" y="${y}" width="${CELL}" height="${CELL}" fill="rgb(${r},${g},${b})"/>`);
      if (!flat) {
        const ink = 0.299 * r + 0.587 * g + 0.114 * b > 140 ? "#111" : "#fff";
        parts.push(`<text x="${x + CELL / 2}" y="${y + CELL / 2}" fill="${ink}">${formatValue(matrix[i][j])}</text>`);
      }
    }
  }
  for (const [r, c, rh, cw] of highlight) {
    parts.push(
      `<rect class="cnn-mark" x="${c * CELL + 1.5}" y="${r * CELL + 1.5}" width="${cw * CELL - 3}" ` +
        `height="${rh * CELL - 3}" stroke="${highlightColor}"/>`,
    );
  }
  for (const [r, c] of dots ?? []) {
    parts.push(`<circle cx="${(c + 0.5) * CELL}" cy="${(r + 0.5) * CELL}" r="4" fill="#d62728"/>`);
  }
  const width = w * CELL;
  const height = h * CELL;
  return (
    `<figure class="cnn-panel" style="--cols:${w}"><figcaption>${escape(title)}</figcaption>` +
    `<svg viewBox="-2 -2 ${width + 4} ${height + 4}" role="img" aria-label="${escape(title)}">${parts.join("")}</svg></figure>`
  );
}

function imagePanel(matrix, { cmap, low, high, title, rgb, small }) {
  return { matrix, cmap, low, high, title, rgb, small };
}

function paintImage(canvas, { matrix, cmap, low, high, rgb }) {
  const h = matrix.length;
  const w = matrix[0].length;
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  const context = canvas.getContext("2d");
  const pixels = context.createImageData(w, h);
  const table = lut(cmap);
  const level = rgb ? null : scaler(matrix.flat(), { low, high });
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      const color = rgb ? matrix[i][j].map((v) => Math.round(v * 255)) : table[level(matrix[i][j])];
      pixels.data.set([...color, 255], (i * w + j) * 4);
    }
  }
  context.putImageData(pixels, 0, 0);
}

const CSS = `
.cnn-demo { font-size: 0.95rem; margin: 0.5rem 0 1rem; max-width: 100%; }
.cnn-demo .cnn-controls { display: flex; flex-wrap: wrap; gap: 0.5rem 1.2rem; align-items: flex-start; }
.cnn-demo .cnn-control { display: flex; flex-direction: column; min-width: min(100%, 14rem); flex: 1 1 14rem; border: 0; margin: 0; padding: 0; }
.cnn-demo .cnn-control label, .cnn-demo legend { font-weight: 600; padding: 0; margin: 0 0 0.15rem; font-size: 0.9rem; }
.cnn-demo input[type="range"] { width: 100%; min-width: 10rem; height: 1.8rem; margin: 0; accent-color: #1f77b4; cursor: pointer; }
.cnn-demo output { font-variant-numeric: tabular-nums; font-weight: 400; margin-left: 0.3rem; }
.cnn-demo .cnn-options { display: flex; flex-wrap: wrap; gap: 0.25rem; }
.cnn-demo .cnn-options label { position: relative; font-weight: 400; border: 1px solid #8a8a8a; border-radius: 1rem; padding: 0.2rem 0.6rem; cursor: pointer; min-height: 1.6rem; display: inline-flex; align-items: center; }
.cnn-demo .cnn-options input { position: absolute; inset: 0; width: 100%; height: 100%; margin: 0; opacity: 0; cursor: pointer; }
.cnn-demo .cnn-options label:has(input:checked) { background: #1f77b4; border-color: #1f77b4; color: #fff; }
.cnn-demo .cnn-options label:has(input:focus-visible), .cnn-demo input[type="range"]:focus-visible { outline: 3px solid #ff7f0e; outline-offset: 2px; }
.cnn-demo .cnn-figure { contain: layout paint; display: flex; flex-wrap: wrap; gap: 0.6rem 1rem; align-items: flex-start; margin: 0.6rem 0; }
.cnn-demo .cnn-panel { margin: 0; flex: 0 1 auto; width: min(100%, calc(var(--cols, 8) * 2.2rem + 1rem)); }
.cnn-demo .cnn-panel.cnn-image { width: min(100%, 19rem); }
.cnn-demo .cnn-panel.cnn-small { width: calc((100% - 7 * 0.4rem) / 8); min-width: 2.2rem; }
.cnn-demo .cnn-break { flex-basis: 100%; height: 0; }
.cnn-demo .cnn-figure:has(.cnn-small) { gap: 0.4rem; }
.cnn-demo figcaption { font-size: 0.8rem; text-align: center; margin-bottom: 0.2rem; color: inherit; }
.cnn-demo svg { display: block; width: 100%; height: auto; }
.cnn-demo svg text { font: 12px sans-serif; text-anchor: middle; dominant-baseline: central; }
.cnn-demo .cnn-cell { stroke: var(--pst-color-background, var(--jp-layout-color0, #fff)); stroke-width: 1.5; }
.cnn-demo .cnn-mark { fill: none; stroke-width: 3; }
.cnn-demo canvas { display: block; width: 100%; height: auto; image-rendering: pixelated; }
.cnn-demo .cnn-error { color: #b00020; font-weight: 600; }
html[data-theme="dark"] .cnn-demo .cnn-error, body[data-jp-theme-light="false"] .cnn-demo .cnn-error { color: #ff8a80; }
.cnn-demo .cnn-description p { margin: 0.3rem 0; }
.cnn-demo code { color: inherit; background: transparent; }
.cnn-demo .cnn-figure:has(.cnn-small) .cnn-image:not(.cnn-small) { width: min(100%, 12rem); }
.cnn-demo .cnn-extra img { max-width: 100%; height: auto; }
`;

function ensureStyle(documentRef) {
  if (!documentRef.getElementById("cnn-demos-css")) {
    const style = documentRef.createElement("style");
    style.id = "cnn-demos-css";
    style.textContent = CSS;
    documentRef.head.appendChild(style);
  }
}

// --- dados vindos do Python: matrizes em JSON ou float32 em base64

function decodeFloat32(encoded) {
  const bytes = Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0));
  return new Float32Array(bytes.buffer);
}

function nest(values, shape) {
  if (shape.length === 1) return Array.from(values.subarray(0, shape[0]));
  const block = shape.slice(1).reduce((a, b) => a * b, 1);
  return range(shape[0]).map((i) => nest(values.subarray(i * block, (i + 1) * block), shape.slice(1)));
}

function prepare(data) {
  const decoded = { ...data };
  if (data.photos) {
    decoded.photos = Object.fromEntries(
      Object.entries(data.photos).map(([name, item]) => [name, nest(decodeFloat32(item.values), item.shape)]),
    );
  }
  if (data.maps) {
    decoded.maps = Object.fromEntries(
      Object.entries(data.maps).map(([name, item]) => [name, { ...item, values: decodeFloat32(item.values) }]),
    );
    decoded.images = { nested: nest(decodeFloat32(data.images.values), data.images.shape) };
  }
  return decoded;
}

const NAVIGATION_KEYS = new Set(["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End", "PageUp", "PageDown", " "]);

// --- o componente: controles, figura, descrição (aria-live) e os atributos data-*

class DemoView {
  constructor(model, host) {
    this.model = model;
    this.name = model.get("demo");
    this.demo = DEMOS[this.name];
    this.spec = model.get("spec");
    this.data = prepare(model.get("data"));
    this.values = { ...model.get("values") };
    this.limits = {};
    this.uid = Math.random().toString(36).slice(2, 10);
    ensureStyle(host.ownerDocument);
    this.root = host.ownerDocument.createElement("div");
    this.root.className = "cnn-demo";
    this.root.dataset.demo = this.name;
    this.root.setAttribute("role", "group");
    // no JupyterLab, as teclas que movem os controles não chegam aos atalhos do notebook
    this.root.setAttribute("data-lm-suppress-shortcuts", "true");
    this.root.addEventListener("keydown", (event) => {
      if (NAVIGATION_KEYS.has(event.key) && event.target.matches("input")) event.stopPropagation();
    });
    this.root.setAttribute("aria-label", model.get("label"));
    this.root.innerHTML =
      '<div class="cnn-controls"></div><p class="cnn-error" role="alert" hidden></p>' +
      '<div class="cnn-figure"></div><div class="cnn-description" aria-live="polite"></div>' +
      '<div class="cnn-extra"></div>';
    host.appendChild(this.root);
    this.parts = Object.fromEntries(
      ["controls", "error", "figure", "description", "extra"].map((key) => [key, this.root.querySelector(`.cnn-${key}`)]),
    );
    if (this.data.extra_html) this.parts.extra.innerHTML = this.data.extra_html;
    this.buildControls();
    this.root.addEventListener("input", (event) => this.onInput(event));
    this.root.addEventListener("change", (event) => this.onInput(event));
    this.onModel = () => this.adopt({ ...this.model.get("values") });
    model.on("change:values", this.onModel);
    this.update();
  }

  buildControls() {
    this.parts.controls.replaceChildren();
    this.inputs = {};
    for (const control of this.spec) {
      const id = `cnn-${this.uid}-${control.name}`;
      const box = this.root.ownerDocument.createElement(control.kind === "slider" ? "div" : "fieldset");
      box.className = "cnn-control";
      box.dataset.control = control.name;
      if (control.kind === "slider") {
        box.innerHTML =
          `<label for="${id}">${escape(control.label)}<output for="${id}"></output></label>` +
          `<input id="${id}" type="range" step="1" min="${control.min}" max="${control.max}" name="${control.name}">`;
      } else {
        box.innerHTML = `<legend>${escape(control.label)}</legend><div class="cnn-options"></div>`;
      }
      this.parts.controls.appendChild(box);
      this.inputs[control.name] = box;
    }
  }

  options(control) {
    // opções que dependem de outros controles (os tamanhos de cada família de kernel) vêm dos limites
    const allowed = this.limits[control.name]?.options;
    return allowed ? allowed.map((value) => [String(value), value]) : control.options;
  }

  syncControls() {
    for (const control of this.spec) {
      const box = this.inputs[control.name];
      const value = this.values[control.name];
      if (control.kind === "slider") {
        const input = box.querySelector("input");
        const max = this.limits[control.name]?.max ?? control.max;
        if (input.max !== String(max)) input.max = String(max);
        if (input.value !== String(value)) input.value = String(value);
        input.setAttribute("aria-valuetext", String(value));
        box.querySelector("output").textContent = ` ${value}`;
      } else {
        const options = this.options(control);
        const group = box.querySelector(".cnn-options");
        const key = JSON.stringify(options);
        if (group.dataset.options !== key) {
          group.dataset.options = key;
          group.innerHTML = options
            .map(
              ([label, optionValue]) =>
                `<label><input type="radio" name="cnn-${this.uid}-${control.name}" ` +
                `value="${escape(JSON.stringify(optionValue))}">${escape(label)}</label>`,
            )
            .join("");
        }
        for (const input of group.querySelectorAll("input")) input.checked = input.value === JSON.stringify(value);
      }
    }
  }

  onInput(event) {
    const box = event.target.closest("[data-control]");
    if (!box || !this.root.contains(box)) return;
    const control = this.spec.find((c) => c.name === box.dataset.control);
    const value = control.kind === "slider" ? Number(event.target.value) : JSON.parse(event.target.value);
    if (sameJSON(value, this.values[control.name])) return;
    this.values[control.name] = value;
    this.update();
    this.model.set("values", { ...this.values });
    this.model.save_changes();
  }

  adopt(values) {
    if (sameJSON(values, this.values)) return;
    this.values = values;
    this.update();
  }

  update() {
    // limites que não puderam ser calculados (combinação inválida) ficam como estavam, como no Python
    this.limits = { ...this.limits, ...(this.demo.constrain?.(this.values, this.data) ?? {}) };
    for (const [name, limit] of Object.entries(this.limits)) {
      if (limit.max !== undefined) this.values[name] = Math.min(this.values[name], limit.max);
    }
    this.syncControls();
    let state;
    try {
      state = this.demo.compute(this.values, this.data);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      state = { error: error.message };
    }
    this.state = state;
    if (state.error) {
      this.parts.error.hidden = false;
      this.parts.error.textContent = `Combinação inválida: ${state.error}`;
      this.parts.figure.hidden = true;
      this.parts.description.innerHTML = "";
    } else {
      this.parts.error.hidden = true;
      this.parts.figure.hidden = false;
      this.demo.draw(this, state);
      this.parts.description.innerHTML = this.demo.describe(state);
    }
    this.schedulePublish();
  }

  figure(panels) {
    const images = panels.filter((panel) => typeof panel !== "string");
    if (!images.length) {
      // só os painéis que mudaram são trocados (menos trabalho de leiaute e pintura por quadro)
      const figure = this.parts.figure;
      if (figure.children.length !== panels.length || !this.panels) figure.innerHTML = panels.join("");
      else panels.forEach((html, i) => html !== this.panels[i] && (figure.children[i].outerHTML = html));
      this.panels = panels;
      return;
    }
    const figure = this.parts.figure;
    const shape = images.map((image) => `${image.small}`).join();
    if (figure.dataset.shape !== shape) {
      figure.dataset.shape = shape;
      figure.innerHTML = images
          .map(
            (image) =>
              `<figure class="cnn-panel cnn-image${image.small ? " cnn-small" : ""}"><figcaption></figcaption>` +
              '<canvas role="img"></canvas></figure>',
          )
          .join("")
          .replace('<figure class="cnn-panel cnn-image cnn-small">', '<div class="cnn-break"></div>$&');
    }
    figure.querySelectorAll("figure").forEach((element, index) => {
      element.querySelector("figcaption").textContent = images[index].title;
      const canvas = element.querySelector("canvas");
      canvas.setAttribute("aria-label", images[index].title);
      const image = images[index];
      const key = [image.cmap, image.low, image.high].join();
      if (canvas.painted !== image.matrix || canvas.paintedKey !== key) paintImage(canvas, image);
      [canvas.painted, canvas.paintedKey] = [image.matrix, key];
    });
  }

  schedulePublish() {
    // data-controls e data-state mudam juntos, logo depois de o quadro ser pintado (o JSON dos mapas grandes
    // não atrasa o desenho)
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() =>
      setTimeout(() => {
        this.pending = false;
        this.root.dataset.controls = JSON.stringify(this.values);
        this.root.dataset.state = JSON.stringify(this.state);
      }, 0),
    );
  }

  destroy() {
    this.model.off("change:values", this.onModel);
    this.root.remove();
  }
}

function render({ model, el }) {
  const view = new DemoView(model, el);
  return () => view.destroy();
}

export default { render };

// --- livro em HTML: cada saída traz os dados iniciais num <script type="application/json">

class StaticModel {
  constructor(init) {
    this.attributes = init;
    this.listeners = {};
  }
  get(key) {
    return this.attributes[key];
  }
  set(key, value) {
    this.attributes[key] = value;
  }
  save_changes() {}
  on(event, callback) {
    (this.listeners[event] ??= []).push(callback);
  }
  off(event, callback) {
    this.listeners[event] = (this.listeners[event] ?? []).filter((c) => c !== callback);
  }
}

export function mountAll(root = document) {
  for (const host of root.querySelectorAll(".cnn-demo-static:not([data-mounted])")) {
    host.dataset.mounted = "true";
    const init = JSON.parse(host.querySelector('script[type="application/json"]').textContent);
    host.querySelector(".cnn-demo-fallback")?.remove();
    render({ model: new StaticModel(init), el: host });
  }
}

if (typeof document !== "undefined") {
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => mountAll());
  else mountAll();
}
