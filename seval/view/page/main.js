// The router: the hash says which view to show; every change of it draws the view again.

const VIEWS = SEQUENTIAL
  ? [['overview', 'Overview'], ['sequences', 'Sequences'], ['items', 'Items']]
  : [['overview', 'Overview'], ['items', 'Items']];

function header(state) {
  const top = clear(document.getElementById('top'));
  const active = state.view === 'item' ? 'items' : state.view;
  appendChildren(top, [
    h('h1', null, SEQUENTIAL ? 'Sequential results' : 'Benchmark results'),
    h('span', {class: 'source'}, DATA.source),
    h('span', {class: 'muted'}, `page built ${(DATA.generated || '').replace('T', ' ')}`),
    h('nav', null, VIEWS.map(([view, label]) => h('a', {href: stateHash({view}), class: view === active ? 'active' : null,
      'data-view': view}, label))),
    DATA.simulated ? h('div', {class: 'banner', id: 'simulated'},
      'Simulated models (sim_endpoint.py): these results show what the tool records, not how any real model performs.') : null,
  ]);
}

function renderView(state) {
  switch (state.view) {
    case 'items': return itemsView(state);
    case 'item': return itemView(state);
    case 'sequences': return SEQUENTIAL ? sequencesView(state) : overviewView(state);
    default: return overviewView(state);
  }
}

// Redrawing replaces the controls; the one being used keeps its focus and caret.
function focusKey() {
  const el = document.activeElement;
  if (!el || !el.dataset) return null;
  const key = el.dataset.filter || el.dataset.flag || el.dataset.action || el.id;
  if (!key) return null;
  return {key, start: el.selectionStart, end: el.selectionEnd};
}

function restoreFocus(saved) {
  if (!saved) return;
  const app = document.getElementById('app');
  const el = [...app.querySelectorAll('[data-filter], [data-flag], [data-action], [id]')].find((candidate) =>
    (candidate.dataset.filter || candidate.dataset.flag || candidate.dataset.action || candidate.id) === saved.key);
  if (!el) return;
  el.focus();
  if (typeof saved.start === 'number' && typeof el.setSelectionRange === 'function') {
    try { el.setSelectionRange(saved.start, saved.end); } catch (error) { /* not a text field */ }
  }
}

let renders = 0;

function render() {
  const state = readState();
  const saved = focusKey();
  header(state);
  const app = clear(document.getElementById('app'));
  app.appendChild(renderView(state));
  restoreFocus(saved);
  if (state.view === 'item') window.scrollTo(0, 0);
  renders += 1;
  document.documentElement.dataset.renders = String(renders);
  document.documentElement.dataset.view = state.view;
}

function onKey(event) {
  const typing = event.target && ['INPUT', 'SELECT', 'TEXTAREA'].includes(event.target.tagName);
  if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
  const state = readState();
  if (event.key === '/') {
    event.preventDefault();
    if (state.view !== 'items') go({view: 'items', filters: state.filters});
    else document.getElementById('search').focus();
  } else if (state.view === 'item' && ['j', 'k', 'ArrowRight', 'ArrowLeft'].includes(event.key)) {
    const near = neighbours(ITEMS[ITEM_INDEX.get(state.id)], state);
    const id = event.key === 'j' || event.key === 'ArrowRight' ? near.next : near.prev;
    if (id) go({view: 'item', id, filters: state.filters});
  } else if (state.view === 'item' && event.key === 'Escape') {
    go({view: 'items', filters: state.filters});
  }
}

function onDocumentRead() {
  TEXTS.blocks = [...document.querySelectorAll('script.page-texts')].map((el) => ({el, done: false}));
  TEXTS.ready = true;
  if (!TEXTS.blocks.length) performance.mark('seval-texts');
  if (document.getElementById('loading')) render(); // a view that waited for the texts
  readTextsInBackground(0);
}

window.addEventListener('hashchange', render);
document.addEventListener('keydown', onKey);
render();
performance.mark('seval-ready');
document.documentElement.dataset.ready = '1';
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', onDocumentRead);
else onDocumentRead();
