// Charts as inline SVG, drawn from the data: a line chart and the heatmap's colour scale.

const PALETTE = ['#0969da', '#cf222e', '#1a7f37', '#8250df', '#bc4c00', '#0598bc', '#bf3989', '#6e7781',
  '#9a6700', '#116329', '#953800', '#4d2d8f'];

function color(index) {
  return PALETTE[index % PALETTE.length];
}

// series: [{name, points: [[x, y or null], ...]}]; x numeric. Points are joined where consecutive.
function lineChart({series, xLabel, yLabel, yMin = 0, yMax = 1, yFormat = (y) => fmtPct(y, 0), xFormat = String}) {
  const width = 680, height = 260, left = 52, right = 14, top = 12, bottom = 40;
  const xs = series.flatMap((line) => line.points.map((point) => point[0]));
  const xMin = Math.min(...xs), xMax = Math.max(...xs);
  const px = (x) => (xMax === xMin ? (left + width - right) / 2 : left + ((x - xMin) / (xMax - xMin)) * (width - left - right));
  const py = (y) => top + (1 - (y - yMin) / (yMax - yMin)) * (height - top - bottom);
  const svg = s('svg', {class: 'chart', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img'});
  for (let step = 0; step <= 4; step++) {
    const y = yMin + ((yMax - yMin) * step) / 4;
    svg.appendChild(s('line', {class: 'grid', x1: left, x2: width - right, y1: py(y), y2: py(y)}));
    svg.appendChild(s('text', {x: left - 6, y: py(y) + 4, 'text-anchor': 'end'}, yFormat(y)));
  }
  const ticks = [...new Set(xs)].sort((a, b) => a - b);
  const every = Math.max(1, Math.ceil(ticks.length / 20));
  ticks.forEach((x, index) => {
    if (index % every === 0) svg.appendChild(s('text', {x: px(x), y: height - bottom + 16, 'text-anchor': 'middle'}, xFormat(x)));
  });
  svg.appendChild(s('line', {class: 'axis', x1: left, x2: width - right, y1: height - bottom, y2: height - bottom}));
  svg.appendChild(s('text', {x: (left + width - right) / 2, y: height - 4, 'text-anchor': 'middle'}, xLabel));
  svg.appendChild(s('text', {x: 12, y: top + (height - top - bottom) / 2, 'text-anchor': 'middle',
    transform: `rotate(-90 12 ${top + (height - top - bottom) / 2})`}, yLabel));
  series.forEach((line, index) => {
    let run = [];
    const flush = () => {
      if (run.length > 1) {
        svg.appendChild(s('polyline', {points: run.map(([x, y]) => `${px(x)},${py(y)}`).join(' '), fill: 'none',
          stroke: color(index), 'stroke-width': 2}));
      }
      run = [];
    };
    for (const [x, y] of line.points) {
      if (y === null || y === undefined) { flush(); continue; }
      run.push([x, y]);
      svg.appendChild(s('circle', {cx: px(x), cy: py(y), r: 3, fill: color(index)},
        s('title', null, `${line.name}: ${xFormat(x)} -> ${yFormat(y)}`)));
    }
    flush();
  });
  const legend = h('div', {class: 'legend'}, series.map((line, index) => {
    const swatch = h('i');
    swatch.style.background = color(index);
    return h('span', null, swatch, line.name);
  }));
  return h('div', null, svg, legend);
}

// Heatmap colour of a share in [0, 1]: red (0) through yellow to green (1).
function heatColor(value) {
  return `hsl(${Math.round(120 * value)}, 70%, 72%)`;
}
