// The items table: filters, text search and one page of matching answers at a time, so 10,000 items
// cost one pass over the rows per change and 100 table rows on screen.

const SEARCH_DELAY_MS = 120; // a search runs once typing pauses, not on every key

function selectFilter(state, name, label, options, anyLabel = 'all') {
  const current = state.filters[name];
  return h('label', null, label, h('select', {
    'data-filter': name,
    onchange: (event) => go({view: 'items', filters: withFilters(state.filters, {[name]: event.target.value})}),
  }, h('option', {value: ''}, anyLabel), options.map(([value, text]) => h('option', {value, selected: current === value}, text))));
}

function flagFilter(state, flag, label) {
  const wanted = (state.filters.flags || '').split(',').filter(Boolean);
  return h('label', {class: 'chip'}, h('input', {
    type: 'checkbox', 'data-flag': flag, checked: wanted.includes(flag),
    onchange: (event) => {
      const next = wanted.filter((name) => name !== flag);
      if (event.target.checked) next.push(flag);
      go({view: 'items', filters: withFilters(state.filters, {flags: next.join(',')})});
    },
  }), label);
}

let searchTimer = null;

function searchBox(state) {
  return h('input', {
    type: 'search', id: 'search', 'data-filter': 'q', placeholder: 'search questions, answers, rationales ( / )',
    value: state.filters.q || '',
    oninput: (event) => {
      clearTimeout(searchTimer);
      const text = event.target.value;
      searchTimer = setTimeout(() => {
        // The same history entry while typing; render at once (replaceState fires no hashchange).
        history.replaceState(null, '', stateHash({view: 'items', filters: withFilters(state.filters, {q: text})}));
        render();
      }, SEARCH_DELAY_MS);
    },
  });
}

function filterBar(state) {
  const runs = (DATA.runs || []).map((run) => [String(run.id), `run ${run.id}`]);
  const models = DATA.models.map((model) => [model, model]);
  const positions = SEQUENTIAL ? Array.from({length: DATA.curves.positions}, (_, i) => [String(i + 1), String(i + 1)]) : [];
  const flags = FLAGS.filter(([flag]) => (flag !== 'models' || DATA.models.length > 1) && (flag !== 'disagree' || !SEQUENTIAL));
  return h('div', {class: 'filters', id: 'filters'},
    searchBox(state),
    SEQUENTIAL ? null : selectFilter(state, 'run', 'Run', runs),
    selectFilter(state, 'type', 'Type', DATA.types.map((type) => [type, type])),
    selectFilter(state, 'difficulty', SEQUENTIAL ? 'Level' : 'Difficulty', DATA.difficulties.map((d) => [String(d), String(d)])),
    SEQUENTIAL ? selectFilter(state, 'pos', 'Position', positions) : null,
    selectFilter(state, 'model', 'Model', models),
    selectFilter(state, 'outcome', 'Verdict', OUTCOMES.filter((o) => o !== 'excluded' || !SEQUENTIAL).map((o) => [o, o]), 'any'),
    flags.map(([flag, label]) => flagFilter(state, flag, label)),
    state.filters.seq !== undefined ? h('span', {class: 'chip'}, `sequence ${state.filters.seq} `,
      link({view: 'items', filters: withFilters(state.filters, {seq: null})}, '\u00d7')) : null,
    h('button', {id: 'clear', onclick: () => go({view: 'items', filters: {}})}, 'Clear'));
}

function loadingTexts() {
  return h('p', {class: 'empty-state', id: 'loading'}, 'Reading the texts of the items...');
}

function itemRow(row, state) {
  const {item, answer} = row;
  const target = {view: 'item', id: item.id, answer: row.number, filters: state.filters};
  const where = SEQUENTIAL ? `${item.seq} / ${item.pos}` : (item.run === null ? '' : String(item.run));
  return h('tr', {'data-id': item.id, 'data-answer': row.number, onclick: () => go(target)},
    h('td', null, link(target, item.id)),
    h('td', {class: 'num'}, where),
    h('td', {title: item.type}, item.type),
    h('td', {class: 'num'}, item.difficulty === null ? '' : String(item.difficulty)),
    h('td', {title: answer.model}, answer.model),
    h('td', null, badge(answer.outcome)),
    h('td', null, rowFlags(row).map((flag) => badge('flag', FLAGS.find(([name]) => name === flag)[1]))),
    h('td', {title: item.preview}, item.preview));
}

function pager(state, page, pages, count) {
  const move = (to) => go({view: 'items', page: to, filters: state.filters});
  const first = count ? (page - 1) * PAGE_SIZE + 1 : 0;
  return h('div', {class: 'pager'},
    h('button', {'data-action': 'prev', disabled: page <= 1, onclick: () => move(page - 1)}, '\u2190 previous'),
    h('span', {class: 'count'}, `${fmtInt(first)}-${fmtInt(Math.min(count, page * PAGE_SIZE))} of ${fmtInt(count)} `
      + `answer${count === 1 ? '' : 's'} (page ${page} of ${pages})`),
    h('button', {'data-action': 'next', disabled: page >= pages, onclick: () => move(page + 1)}, 'next \u2192'));
}

function itemsView(state) {
  if (state.filters.q && !TEXTS.ready) return loadingTexts();
  const rows = filterRows(state.filters);
  const pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
  const page = Math.min(state.page, pages);
  const shown = rows.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
  const headers = [['ID', 'col-id'], [SEQUENTIAL ? 'Seq / pos' : 'Run', 'col-run num'], ['Type', 'col-type'],
    [SEQUENTIAL ? 'Level' : 'Diff.', 'col-diff num'], ['Model', 'col-model'], ['Verdict', 'col-verdict'],
    ['Flags', 'col-flags'], ['Question', null]];
  return h('div', {id: 'items', 'data-count': rows.length},
    filterBar(state),
    pager(state, page, pages, rows.length),
    rows.length ? table(headers, shown.map((row) => itemRow(row, state)), {class: 'items', id: 'item-table'})
      : h('p', {class: 'empty-state'}, 'No answer matches these filters.'),
    rows.length > PAGE_SIZE ? pager(state, page, pages, rows.length) : null);
}
