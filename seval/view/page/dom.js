// Building the page. Every string, whoever wrote it, reaches the page as a text node: nothing here
// parses HTML (no innerHTML, no insertAdjacentHTML, no document.write), so a model's answer that
// holds markup is shown as the characters it is.

const SVG_NS = 'http://www.w3.org/2000/svg';

function setAttributes(el, attrs) {
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on')) {
      el.addEventListener(name.slice(2), value);
    } else if (name === 'class') {
      el.setAttribute('class', value);
    } else {
      if (name === 'href' && !String(value).startsWith('#')) throw new Error('only in-page links: ' + value);
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
}

function appendChildren(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) appendChildren(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
  return el;
}

// h('td', {class: 'num'}, 'text', otherNode, [more]) -> element; strings become text nodes.
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttributes(el, attrs);
  return appendChildren(el, children);
}

function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttributes(el, attrs);
  return appendChildren(el, children);
}

function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

const NUMBER = new Intl.NumberFormat('en-US');

function fmtInt(value) {
  return value === null || value === undefined ? '-' : NUMBER.format(value);
}

function fmtPct(value, digits = 1) {
  return value === null || value === undefined ? '-' : (100 * value).toFixed(digits) + '%';
}

function fmtNum(value, digits = 3) {
  if (value === null || value === undefined) return '-';
  return Number.isInteger(value) ? String(value) : value.toFixed(digits);
}

function fmtUsd(value) {
  return value === null || value === undefined ? '-' : '$' + value.toFixed(4);
}

function shorten(text, length) {
  const flat = (text || '').replace(/\s+/g, ' ').trim();
  return flat.length > length ? flat.slice(0, length - 1) + '\u2026' : flat;
}

function badge(kind, label) {
  return h('span', {class: 'badge ' + kind.replace(/\s+/g, '-')}, label || kind);
}

// A block of model-written text, shown as it is (white space kept).
function textBlock(text, attrs) {
  return h('div', Object.assign({class: 'text'}, attrs || {}), text === null || text === undefined ? '' : text);
}

// Long text folded away behind a summary line.
function folded(summary, content, open) {
  return h('details', open ? {open: true} : null, h('summary', null, summary), content);
}

function table(headers, rows, attrs) {
  const head = h('thead', null, h('tr', null, headers.map((header) => {
    const [label, cls] = Array.isArray(header) ? header : [header, null];
    return h('th', {class: cls}, label);
  })));
  return h('div', {class: 'scroll'}, h('table', attrs || null, head, h('tbody', null, rows)));
}

function facts(pairs) {
  return h('dl', {class: 'facts'}, pairs.filter((pair) => pair && pair[1] !== null && pair[1] !== undefined && pair[1] !== '')
    .map(([label, value]) => [h('dt', null, label), h('dd', null, value)]));
}

function card(value, label) {
  return h('div', {class: 'card'}, h('div', {class: 'value'}, value), h('div', {class: 'label'}, label));
}

// Token counts as the endpoints reported them; calls that reported none make the figure a lower bound.
function usageText(usage) {
  if (!usage || (usage.unreported && !usage.total)) return 'not reported by the endpoint';
  const counts = `${fmtInt(usage.prompt)} prompt + ${fmtInt(usage.completion)} completion = ${fmtInt(usage.total)} tokens`;
  return usage.unreported ? `${counts}, plus ${fmtInt(usage.unreported)} call(s) that reported none` : counts;
}

function costText(role, usage, cost) {
  if (cost !== null && cost !== undefined) return fmtUsd(cost);
  if (!DATA.priced.includes(role)) return 'no price given';
  return usage && usage.unreported ? 'none claimed: usage not reported' : '-';
}
