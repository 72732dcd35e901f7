// The data, its indexes, and the page's state. The state lives in the location hash
// (#view=items&type=...&outcome=wrong&q=...), so every view is a link: the back button, a
// bookmark and a test that opens page.html#view=item&id=r1-3 all reach the same place.

const DATA = JSON.parse(document.getElementById('page-data').textContent);
performance.mark('seval-parsed');

const ITEMS = DATA.items;
const ITEM_INDEX = new Map(ITEMS.map((item, index) => [item.id, index]));
const SEQUENTIAL = DATA.kind === 'sequential';

// The items' long texts (question, answers, reasoning, rationales) sit in JSON blocks after this script,
// so the first view is drawn before the browser has read them. Once the document is parsed they are
// read a block at a time in the background; the item view and the search read what they need at once.
const TEXTS = {ready: false, blocks: [], parsed: 0};

function mergeTexts(item, texts) {
  const {answers, ...own} = texts;
  Object.assign(item, own);
  answers.forEach((answer, number) => {
    const {verdicts, ...rest} = answer;
    Object.assign(item.answers[number], rest);
    verdicts.forEach((verdict, k) => Object.assign(item.answers[number].verdicts[k], verdict));
  });
  item.hasTexts = true;
}

function parseTextBlock(number) {
  const block = TEXTS.blocks[number];
  if (!block || block.done) return;
  const first = Number(block.el.dataset.first);
  JSON.parse(block.el.textContent).forEach((texts, k) => mergeTexts(ITEMS[first + k], texts));
  block.done = true;
  block.el.textContent = ''; // the parsed copy is what the page keeps
  TEXTS.parsed += 1;
  if (TEXTS.parsed === TEXTS.blocks.length) performance.mark('seval-texts');
}

// True when the item's texts are there (parsing its block now if need be); false before the document is read.
function withTexts(item) {
  if (item.hasTexts) return true;
  if (!TEXTS.ready) return false;
  parseTextBlock(Math.floor(ITEM_INDEX.get(item.id) / DATA.text_chunk));
  return Boolean(item.hasTexts);
}

// Texts items share (problems shown as examples), one block each, parsed on first use.
const SHARED = {};

function sharedTexts(name) {
  if (!TEXTS.ready) return null;
  if (!(name in SHARED)) {
    const el = document.querySelector(`script.page-shared[data-name="${name}"]`);
    SHARED[name] = el ? JSON.parse(el.textContent) : {};
  }
  return SHARED[name];
}

function allTexts() {
  if (!TEXTS.ready) return false;
  for (let number = 0; number < TEXTS.blocks.length; number++) parseTextBlock(number);
  return true;
}

function readTextsInBackground(number) {
  if (number >= TEXTS.blocks.length) return;
  setTimeout(() => { parseTextBlock(number); readTextsInBackground(number + 1); }, 0);
}

// One row per answer: the unit the items table lists and filters (one per example and answering model).
const ROWS = [];
for (const item of ITEMS) {
  item.answers.forEach((answer, number) => ROWS.push({item, answer, number}));
}

// Positions of each sequence, by position (the history of position k is positions 1..k-1).
const BY_SEQUENCE = new Map();
if (SEQUENTIAL) {
  for (const item of ITEMS) {
    if (!BY_SEQUENCE.has(item.seq)) BY_SEQUENCE.set(item.seq, []);
    BY_SEQUENCE.get(item.seq).push(item);
  }
}

const FILTERS = ['run', 'type', 'difficulty', 'model', 'outcome', 'flags', 'seq', 'pos', 'q'];
const FLAGS = [
  ['truncated', 'truncated'],
  ['empty', 'empty answer'],
  ['unreadable', 'unreadable verdict'],
  ['disagree', 'judges disagree'],
  ['models', 'models disagree'],
];
const OUTCOMES = ['correct', 'wrong', 'excluded'];
const PAGE_SIZE = 100;

function readState() {
  const params = new URLSearchParams(location.hash.slice(1));
  const filters = {};
  for (const name of FILTERS) {
    const value = params.get(name);
    if (value !== null && value !== '') filters[name] = value;
  }
  return {
    view: params.get('view') || 'overview',
    id: params.get('id'),
    answer: Number(params.get('a') || 0),
    page: Math.max(1, Number(params.get('page')) || 1),
    filters,
  };
}

function stateHash(state) {
  const params = new URLSearchParams();
  params.set('view', state.view);
  if (state.id) params.set('id', state.id);
  if (state.answer) params.set('a', String(state.answer));
  if (state.page && state.page > 1) params.set('page', String(state.page));
  for (const name of FILTERS) {
    const value = (state.filters || {})[name];
    if (value !== undefined && value !== null && value !== '') params.set(name, value);
  }
  return '#' + params.toString();
}

// Go to a state: a new history entry (the hashchange listener renders it).
function go(state) {
  location.hash = stateHash(state);
}

function link(state, ...children) {
  return h('a', {href: stateHash(state)}, ...children);
}

function withFilters(filters, changes) {
  const next = Object.assign({}, filters, changes);
  for (const [name, value] of Object.entries(next)) if (value === null || value === undefined || value === '') delete next[name];
  return next;
}

// The text a search looks in, made once per item when first searched (lower case; texts read first).
function haystack(item) {
  if (item.hay === undefined) {
    const parts = [item.id, item.question, item.reference, item.criteria, item.type];
    for (const answer of item.answers) {
      parts.push(answer.model, answer.text, answer.reasoning, answer.judge_error);
      for (const verdict of answer.verdicts) parts.push(verdict.model, verdict.rationale, verdict.reply, verdict.error);
    }
    for (const [, text] of item.notes.concat(item.extra)) parts.push(text);
    item.hay = parts.filter(Boolean).join('\n').toLowerCase();
  }
  return item.hay;
}

function rowFlags(row) {
  const flags = [];
  if (row.answer.truncated) flags.push('truncated');
  if (row.answer.empty) flags.push('empty');
  if (row.answer.unreadable) flags.push('unreadable');
  if (row.answer.disagree) flags.push('disagree');
  if (row.item.models_disagree) flags.push('models');
  return flags;
}

// The rows matching the filters, in record order.
function filterRows(filters) {
  const wanted = (filters.flags || '').split(',').filter(Boolean);
  const needle = (filters.q || '').trim().toLowerCase();
  if (needle) allTexts();
  const run = filters.run === undefined ? null : Number(filters.run);
  const difficulty = filters.difficulty === undefined ? null : Number(filters.difficulty);
  const position = filters.pos === undefined ? null : Number(filters.pos);
  const out = [];
  for (const row of ROWS) {
    const {item, answer} = row;
    if (run !== null && item.run !== run) continue;
    if (filters.type !== undefined && item.type !== filters.type) continue;
    if (difficulty !== null && item.difficulty !== difficulty) continue;
    if (filters.model !== undefined && answer.model !== filters.model) continue;
    if (filters.outcome !== undefined && answer.outcome !== filters.outcome) continue;
    if (filters.seq !== undefined && item.seq !== filters.seq) continue;
    if (position !== null && item.pos !== position) continue;
    if (wanted.length && !wanted.every((flag) => rowFlags(row).includes(flag))) continue;
    if (needle && !haystack(item).includes(needle)) continue;
    out.push(row);
  }
  return out;
}
