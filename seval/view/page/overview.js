// The overview: what was run and how it scored (benchmark: runs, EMA trajectory, heatmap, tokens,
// models; sequential: position-wise accuracy by type, tokens).

function warningsBlock() {
  if (!DATA.warnings || !DATA.warnings.length) return null;
  return h('div', {class: 'warnings'}, DATA.warnings.map((text) => h('div', null, text)));
}

function overviewView(state) {
  return SEQUENTIAL ? sequentialOverview(state) : benchmarkOverview(state);
}

function accuracyCards(rows) {
  const scored = rows.filter((row) => row.answer.outcome !== 'excluded');
  const correct = scored.filter((row) => row.answer.outcome === 'correct').length;
  return {scored: scored.length, correct, accuracy: scored.length ? correct / scored.length : null};
}

function benchmarkOverview(state) {
  const totals = accuracyCards(ROWS);
  const st = DATA.state || {};
  const excluded = ITEMS.filter((item) => item.excluded).length;
  const judgeErrors = ROWS.filter((row) => row.answer.judge_error).length;
  return h('div', {id: 'overview'},
    warningsBlock(),
    h('div', {class: 'cards'},
      card(fmtInt(DATA.runs.length), 'runs'),
      card(fmtInt(ITEMS.length), 'questions'),
      card(fmtPct(totals.accuracy), `correct of ${fmtInt(totals.scored)} scored answers`),
      card(fmtNum(st.ema === undefined ? null : st.ema), 'overall EMA (state.json)'),
      card(st.current_difficulty > 10 ? 'all done' : fmtInt(st.current_difficulty), `next difficulty, cycle ${fmtInt(st.cycle)}`),
      card(fmtInt(excluded), 'excluded questions'),
      card(fmtInt(judgeErrors), 'unreadable verdicts')),
    h('h2', null, 'Runs'), runsTable(),
    h('h2', null, 'EMA trajectory'), emaChart(),
    h('h2', null, 'Score by reasoning type and difficulty'), heatmap(state),
    h('h2', null, 'Token use and cost'), tokenTable(),
    modelComparison());
}

function runsTable() {
  const rows = DATA.runs.map((run) => {
    const notes = [];
    if (run.unfinished) notes.push(badge('unfinished', `unfinished: ${run.items} of ${run.planned} judged`));
    if (run.replay) notes.push(badge('flag', 'replay'), ' ', run.replay_source || '');
    if (run.truncated) notes.push(' ', badge('flag', `${run.truncated} cut`));
    if (run.empty) notes.push(' ', badge('flag', `${run.empty} empty`));
    notes.push(folded('settings', h('div', {class: 'settings'}, run.settings.map(([name, value]) => h('div', null, `${name}: ${value}`)))));
    return h('tr', null,
      h('td', null, link({view: 'items', filters: {run: String(run.id)}}, `run ${run.id}`)),
      h('td', null, (run.started || '').replace('T', ' ').slice(0, 19)),
      h('td', {class: 'num'}, `${run.difficulties[0]}-${run.difficulties[1]}`),
      h('td', {class: 'num', title: run.types.join(', ')}, String(run.types.length)),
      h('td', null, run.replay ? '-' : run.models.generation),
      h('td', null, run.models.answering),
      h('td', null, run.models.evaluation),
      h('td', {class: 'num'}, fmtInt(run.items)),
      h('td', {class: 'num'}, fmtInt(run.excluded)),
      h('td', {class: 'num'}, fmtInt(run.judge_errors)),
      h('td', {class: 'num'}, fmtNum(run.mean)),
      h('td', {class: 'num'}, fmtNum(run.ema)),
      h('td', null, notes));
  });
  return table(['Run', 'Started (UTC)', ['Difficulties', 'num'], ['Types', 'num'], 'Generator', 'Answering', 'Judges',
    ['Questions', 'num'], ['Excluded', 'num'], ['Judge errors', 'num'], ['Mean score', 'num'], ['EMA after', 'num'], ''],
  rows, {id: 'runs'});
}

function emaChart() {
  const runs = DATA.runs.filter((run) => !run.replay && !run.unfinished && run.ema !== null);
  if (!runs.length) return h('p', {class: 'note'}, 'No finished generated run yet.');
  const byDifficulty = (DATA.state && DATA.state.ema_by_difficulty) || {};
  const levels = Object.keys(byDifficulty).map(Number).sort((a, b) => a - b);
  const difficultyChart = levels.length ? h('div', null,
    lineChart({series: [{name: 'EMA by difficulty (state.json)', points: levels.map((d) => [d, byDifficulty[String(d)]])}],
      xLabel: 'difficulty', yLabel: 'EMA', yFormat: (y) => y.toFixed(2)})) : null;
  const series = [{name: 'overall', points: runs.map((run) => [run.id, run.ema])}];
  for (const type of DATA.types) {
    series.push({name: type, points: runs.map((run) => [run.id, run.ema_by_type[type] === undefined ? null : run.ema_by_type[type]])});
  }
  const replays = DATA.runs.filter((run) => run.replay).length;
  return h('div', null,
    h('div', {class: 'charts'},
      h('div', null, lineChart({series, xLabel: 'run', yLabel: 'EMA', yFormat: (y) => y.toFixed(2), xFormat: (x) => `run ${x}`})),
      difficultyChart),
    h('p', {class: 'note'}, 'Left: the overall and per-type EMAs after each generated run (runs.jsonl). ',
      'Right: the per-difficulty EMAs as state.json holds them now.',
      replays ? ` ${replays} replay run(s) keep their EMAs apart and are not drawn.` : ''));
}

function heatmap(state) {
  const f = state.filters;
  const cells = new Map();
  for (const row of ROWS) {
    if (row.answer.outcome === 'excluded' || row.answer.score === null) continue;
    if (f.run !== undefined && row.item.run !== Number(f.run)) continue;
    if (f.model !== undefined && row.answer.model !== f.model) continue;
    const key = row.item.type + '\u0000' + row.item.difficulty;
    const cell = cells.get(key) || {sum: 0, n: 0};
    cell.sum += row.answer.score;
    cell.n += 1;
    cells.set(key, cell);
  }
  const pick = (name, options, label) => h('label', null, label, h('select', {
    'data-filter': name,
    onchange: (event) => go({view: 'overview', filters: withFilters(f, {[name]: event.target.value})}),
  }, h('option', {value: ''}, 'all'), options.map(([value, text]) => h('option', {value, selected: f[name] === value}, text))));
  const controls = h('div', {class: 'filters'},
    pick('run', DATA.runs.map((run) => [String(run.id), `run ${run.id}`]), 'Run'),
    DATA.models.length > 1 ? pick('model', DATA.models.map((model) => [model, model]), 'Model') : null);
  const header = h('tr', null, h('th', null, 'type \\ difficulty'), DATA.difficulties.map((d) => h('th', {class: 'num'}, String(d))));
  const body = DATA.types.map((type) => h('tr', null, h('th', null, type), DATA.difficulties.map((difficulty) => {
    const cell = cells.get(type + '\u0000' + difficulty);
    if (!cell) return h('td', {class: 'empty'}, '-');
    const mean = cell.sum / cell.n;
    const filters = withFilters({run: f.run, model: f.model}, {type, difficulty: String(difficulty)});
    const td = h('td', {class: 'cell', title: `${type}, difficulty ${difficulty}: mean ${mean.toFixed(2)} over ${cell.n}`},
      link({view: 'items', filters}, mean.toFixed(2), h('br'), h('small', null, `n=${cell.n}`)));
    td.style.background = heatColor(mean);
    return td;
  })));
  return h('div', null, controls,
    h('div', {class: 'scroll'}, h('table', {class: 'heat', id: 'heatmap'}, h('thead', null, header), h('tbody', null, body))),
    h('p', {class: 'note'}, 'Mean score of the scored answers in each cell (excluded questions left out); a cell opens its items.'));
}

// A token table's cells for one usage: prompt, completion, total ("+": some calls reported none), then `last`.
function usageCells(usage, last) {
  return [
    h('td', {class: 'num'}, usage && !(usage.unreported && !usage.total) ? fmtInt(usage.prompt) : 'not reported'),
    h('td', {class: 'num'}, usage ? fmtInt(usage.completion) : ''),
    h('td', {class: 'num'}, usage ? fmtInt(usage.total) + (usage.unreported ? ' +' : '') : ''),
    last,
  ];
}

function tokenTable() {
  const priced = DATA.priced.length > 0;
  const totals = new Map();
  const rows = [];
  for (const run of DATA.runs) {
    for (const [role, usage, cost] of run.usage) {
      rows.push(h('tr', null, h('td', null, `run ${run.id}`), h('td', null, role),
        usageCells(usage, priced ? h('td', {class: 'num'}, costText(role, usage, cost)) : null)));
      const total = totals.get(role) || {prompt: 0, completion: 0, total: 0, cost: 0, unpriced: false};
      if (usage) { total.prompt += usage.prompt; total.completion += usage.completion; total.total += usage.total; }
      if (cost === null) total.unpriced = true; else total.cost += cost;
      totals.set(role, total);
    }
  }
  if (DATA.runs.length > 1) {
    for (const [role, total] of totals) {
      rows.push(h('tr', null, h('th', null, 'all runs'), h('th', null, role), h('th', {class: 'num'}, fmtInt(total.prompt)),
        h('th', {class: 'num'}, fmtInt(total.completion)), h('th', {class: 'num'}, fmtInt(total.total)),
        priced ? h('th', {class: 'num'}, total.unpriced ? 'partly priced' : fmtUsd(total.cost)) : null));
    }
  }
  for (const run of DATA.runs) {
    for (const [model, usage] of run.usage_by_model || []) {
      rows.push(h('tr', null, h('td', null, `run ${run.id}`), h('td', null, `answering: ${model}`),
        usageCells(usage, priced ? h('td', null, '') : null)));
    }
  }
  const headers = ['Run', 'Role', ['Prompt', 'num'], ['Completion', 'num'], ['Total', 'num']];
  if (priced) headers.push(['Cost (USD)', 'num']);
  return h('div', null, table(headers, rows, {id: 'tokens'}), h('p', {class: 'note'},
    'Tokens as the endpoints reported them ("+": some calls reported none, so the figure is a lower bound). ',
    priced ? `Cost from the prices given with --price (${DATA.priced.join(', ')}).`
      : 'No cost is claimed: build the page with --price ROLE=IN,OUT (USD per million tokens) for a cost column.'));
}

function accuracyTable(rows) {
  return table(['Model', ['Judged answers', 'num'], ['Correct', 'num'], ['Accuracy', 'num'], ['95% interval', 'num']],
    rows.map((row) => h('tr', null, h('td', null, link({view: 'items', filters: {model: row.model}}, row.model)),
      h('td', {class: 'num'}, fmtInt(row.n)), h('td', {class: 'num'}, fmtInt(row.correct)),
      h('td', {class: 'num'}, fmtPct(row.accuracy)),
      h('td', {class: 'num'}, `${fmtPct(row.low)} - ${fmtPct(row.high)} (${row.method})`))));
}

function modelComparison() {
  const parts = [];
  if (DATA.comparison) parts.push(folded('comparison.json (written here by --compare)', jsonTables(DATA.comparison), true));
  for (const run of DATA.runs) {
    if (!run.accuracy_by_model.length && !run.comparison) continue;
    parts.push(h('h3', null, `Run ${run.id}`));
    if (run.accuracy_by_model.length) parts.push(accuracyTable(run.accuracy_by_model));
    if (run.comparison) parts.push(folded(`comparison_run_${String(run.id).padStart(4, '0')}.json`, jsonTables(run.comparison), true));
  }
  if (!parts.length) return null;
  return h('div', null, h('h2', null, 'Model comparison'), parts,
    h('p', {class: 'note'}, 'Each run\'s answering models on the questions every one of them answered, every sample judged (as the '
      + 'run\'s comparison counts them); a model opens its answers.'));
}

// Any JSON value as tables (for records whose exact shape this page does not know, like a comparison file).
function jsonTables(value) {
  const scalar = (v) => v === null || typeof v !== 'object';
  const cellText = (v) => (v === null ? '-' : typeof v === 'number' ? fmtNum(v, 4) : typeof v === 'string' ? v
    : Array.isArray(v) && v.every(scalar) ? v.map(cellText).join(', ') : JSON.stringify(v));
  const empty = (v) => v !== null && typeof v === 'object' && Object.keys(v).length === 0;
  if (Array.isArray(value) && value.length && value.every((v) => v && typeof v === 'object' && !Array.isArray(v))) {
    const keys = [...new Set(value.flatMap((v) => Object.keys(v)))];
    return table(keys, value.map((v) => h('tr', null, keys.map((key) => h('td', null, key in v ? cellText(v[key]) : '')))));
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value).filter(([, v]) => !empty(v));
    const flat = entries.filter(([, v]) => scalar(v) || (Array.isArray(v) && v.every(scalar)));
    const nested = entries.filter((entry) => !flat.includes(entry));
    return h('div', null, flat.length ? facts(flat.map(([k, v]) => [k, cellText(v)])) : null,
      nested.map(([k, v]) => h('div', null, h('h3', null, k), jsonTables(v))));
  }
  return h('div', null, cellText(value));
}

function sequentialOverview() {
  const totals = accuracyCards(ROWS);
  const curves = DATA.curves;
  const positions = Array.from({length: curves.positions}, (_, index) => index + 1);
  const judgeErrors = ROWS.filter((row) => row.answer.judge_error).length;
  const series = curves.by_type.map((row) => ({name: row.type, points: row.accuracy.map((y, index) => [index + 1, y])}));
  const rows = curves.by_type.map((row) => h('tr', null,
    h('td', null, link({view: 'sequences', filters: {type: row.type}}, row.type)), h('td', {class: 'num'}, fmtInt(row.sequences)),
    row.accuracy.map((y, index) => h('td', {class: 'num'}, link({view: 'items', filters: {type: row.type, pos: String(index + 1)}}, fmtPct(y, 0)))),
    h('td', {class: 'num'}, (row.slope >= 0 ? '+' : '') + row.slope.toFixed(3))));
  const usageRows = DATA.usage.map(([role, usage, cost]) => h('tr', null, h('td', null, role),
    usageCells(usage, DATA.priced.length ? h('td', {class: 'num'}, costText(role, usage, cost)) : null)));
  const usageHeaders = ['Role', ['Prompt', 'num'], ['Completion', 'num'], ['Total', 'num']];
  if (DATA.priced.length) usageHeaders.push(['Cost (USD)', 'num']);
  return h('div', {id: 'overview'},
    warningsBlock(),
    h('div', {class: 'cards'},
      card(fmtInt(DATA.sequences.length), 'sequences'),
      card(fmtInt(ITEMS.length), 'positions answered'),
      card(fmtPct(totals.accuracy), `solved of ${fmtInt(totals.scored)}`),
      card(fmtInt(judgeErrors), 'unreadable verdicts'),
      card(DATA.models.join(', '), 'student'),
      card(DATA.judges.join(', '), 'judge')),
    h('h2', null, 'Accuracy by position'),
    series.length ? lineChart({series, xLabel: 'position in sequence', yLabel: 'accuracy'}) : null,
    table(['Type', ['Sequences', 'num'], ...positions.map((p) => [String(p), 'num']), ['Slope', 'num']], rows, {id: 'positions'}),
    h('p', {class: 'note'}, 'Share of each type\'s sequences solved at each position (a missing position counts as wrong), ',
      'and the least-squares slope of that curve: the accuracy gained per position. ',
      'evaluate_metric.py gives the full metrics with bootstrap intervals.'),
    h('h2', null, 'Token use and cost'), table(usageHeaders, usageRows, {id: 'tokens'}),
    h('p', {class: 'note'}, DATA.priced.length ? `Cost from the prices given with --price (${DATA.priced.join(', ')}).`
      : 'No cost is claimed: build the page with --price ROLE=IN,OUT (roles client, judge) for a cost column.'));
}
