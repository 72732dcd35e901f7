// Sequential results: one row per sequence with its outcome at each position (each opens that position).

function sequencesView(state) {
  const type = state.filters.type;
  const rows = DATA.sequences.filter((sequence) => type === undefined || sequence.type === type);
  const longest = Math.max(0, ...DATA.sequences.map((sequence) => sequence.outcomes.length));
  const body = rows.map((sequence) => h('tr', {'data-seq': sequence.id},
    h('td', null, link({view: 'items', filters: {seq: sequence.id}}, sequence.id)),
    h('td', null, sequence.type),
    h('td', null, h('span', {class: 'outcomes'}, sequence.outcomes.map((outcome, index) => {
      const label = `position ${index + 1}: ${outcome === null ? 'missing' : outcome ? 'correct' : 'wrong'}`;
      if (outcome === null) return h('span', {class: 'on', title: label});
      return h('a', {class: 'o' + outcome, title: label, 'data-pos': String(index + 1),
        href: stateHash({view: 'item', id: `s${sequence.id}-p${index + 1}`, filters: {seq: sequence.id}})});
    }))),
    h('td', {class: 'num'}, `${sequence.correct} / ${sequence.outcomes.length}`),
    h('td', {class: 'num'}, fmtPct(sequence.outcomes.length ? sequence.correct / sequence.outcomes.length : null, 0)),
    h('td', {class: 'num'}, sequence.judge_errors ? fmtInt(sequence.judge_errors) : '')));
  const filter = h('div', {class: 'filters'}, h('label', null, 'Type', h('select', {
    'data-filter': 'type',
    onchange: (event) => go({view: 'sequences', filters: withFilters({}, {type: event.target.value})}),
  }, h('option', {value: ''}, 'all'), DATA.types.map((kind) => h('option', {value: kind, selected: type === kind}, kind)))),
  h('span', {class: 'muted'}, `${fmtInt(rows.length)} sequence(s), up to ${longest} positions`));
  return h('div', {id: 'sequences'}, filter,
    table(['Sequence', 'Type', 'Outcome by position', ['Solved', 'num'], ['Accuracy', 'num'], ['Judge errors', 'num']], body,
      {id: 'sequence-table'}),
    h('p', {class: 'note'}, 'Green: solved; red: not solved; grey: missing from the file. A square opens that position.'));
}
