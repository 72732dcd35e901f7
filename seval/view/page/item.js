// One item: the question, what was checked about it, each model's answer (reasoning folded away),
// each judge's verdict and rationale, token use, and for a sequential position the history the
// model was shown.

const FOLD_AFTER = 400; // characters: a note longer than this is folded

function noteFacts(pairs) {
  return facts(pairs.map(([label, text]) => [label, text.length > FOLD_AFTER ? folded(shorten(text, 120), textBlock(text)) : text]));
}

function usageFacts(pairs) {
  return facts(pairs.map(([label, usage]) => [`tokens, ${label}`, usageText(usage)]));
}

function verdictBlock(verdict, sequential) {
  return h('div', {class: 'verdict'},
    h('h4', null, verdict.model || 'judge', ' ', badge(verdict.verdict),
      verdict.score === null ? '' : ` score ${fmtNum(verdict.score, 2)}`,
      verdict.truncated ? [' ', badge('flag', 'reply cut by its token limit')] : null),
    verdict.error ? h('p', null, badge('flag', 'judge error'), ' ', verdict.error) : null,
    verdict.finish ? h('div', {class: 'muted'}, `finish reason: ${verdict.finish}`) : null,
    verdict.reasoning ? folded(`Judge's reasoning (${fmtInt(verdict.reasoning.length)} characters, folded)`,
      textBlock(verdict.reasoning, {'data-part': 'judge-reasoning'})) : null,
    sequential ? null : h('div', {class: 'label'}, 'Rationale'),
    textBlock(verdict.rationale || (sequential ? '' : '(no rationale given)'), {'data-part': 'rationale'}),
    verdict.reply ? folded('Judge\'s whole reply', textBlock(verdict.reply, {'data-part': 'reply'})) : null,
    verdict.first ? folded('First reply (it held no verdict, so the judge was asked once more)',
      textBlock(verdict.first, {'data-part': 'first-reply'})) : null);
}

function answerBlock(answer, number, current) {
  return h('div', {class: 'block ' + answer.outcome, id: `answer-${number}`, 'data-model': answer.model,
    'data-current': current ? '1' : null},
  h('h3', null, answer.model, badge(answer.outcome),
    answer.score === null ? null : h('span', {class: 'muted'}, `score ${fmtNum(answer.score, 2)}`),
    answer.truncated ? badge('flag', 'truncated') : null,
    answer.empty ? badge('flag', 'empty answer') : null,
    answer.unreadable ? badge('flag', 'unreadable verdict') : null,
    answer.disagree ? badge('flag', 'judges disagree') : null),
  answer.reasoning ? folded(`Reasoning (${fmtInt(answer.reasoning.length)} characters, folded)`,
    textBlock(answer.reasoning, {'data-part': 'reasoning'})) : null,
  textBlock(answer.text, {'data-part': 'answer'}),
  facts([
    ['finish reason', answer.finish || 'not recorded'],
    ['judge error', answer.judge_error],
  ]),
  usageFacts(answer.usage),
  answer.extra.length ? noteFacts(answer.extra) : null,
  answer.samples && answer.samples.length ? folded(
    `Samples (${answer.samples.length}): ${answer.samples.filter((sample) => sample.outcome === 'correct').length} correct`,
    answer.samples.map((sample, k) => h('div', {class: 'block ' + sample.outcome, 'data-sample': String(k + 1)},
      h('h4', null, `sample ${k + 1} `, badge(sample.outcome), sample.truncated ? [' ', badge('flag', 'truncated')] : null),
      textBlock(sample.text), sample.verdicts.length ? sample.verdicts.map((verdict) => verdictBlock(verdict, SEQUENTIAL))
        : h('p', {class: 'note'}, sample.rationale || 'No verdict recorded.')))) : null,
  h('h3', null, answer.verdicts.length > 1 ? `Verdicts (${answer.verdicts.length} judges)` : 'Verdict'),
  answer.verdicts.length ? answer.verdicts.map((verdict) => verdictBlock(verdict, SEQUENTIAL))
    : h('p', {class: 'note', 'data-part': 'no-verdict'}, answer.rationale || 'No verdict recorded.'));
}

function questionBlock(item) {
  if (!item.turns) return textBlock(item.question, {'data-part': 'question'});
  return h('div', {'data-part': 'question'}, item.turns.map((turn, index) =>
    h('div', null, h('div', {class: 'muted'}, index % 2 === 0 ? 'user' : 'assistant'), textBlock(turn))));
}

function neighbours(item, state) {
  const ids = [];
  const seen = new Set();
  for (const row of filterRows(state.filters)) {
    if (!seen.has(row.item.id)) { seen.add(row.item.id); ids.push(row.item.id); }
  }
  const at = ids.indexOf(item.id);
  return {at, count: ids.length, prev: at > 0 ? ids[at - 1] : null, next: at >= 0 && at < ids.length - 1 ? ids[at + 1] : null};
}

function itemView(state) {
  const index = ITEM_INDEX.get(state.id);
  if (index === undefined) return h('p', {class: 'empty-state'}, `There is no item ${state.id} in these results.`);
  const item = ITEMS[index];
  if (!withTexts(item)) return loadingTexts();
  const near = neighbours(item, state);
  const to = (id) => ({view: 'item', id, filters: state.filters});
  const where = SEQUENTIAL
    ? [['sequence', link({view: 'items', filters: {seq: item.seq}}, item.seq)], ['position', String(item.pos)]]
    : [['run', link({view: 'items', filters: {run: String(item.run)}}, `run ${item.run}`)], ['question index', String(item.index)]];
  return h('div', {id: 'item', 'data-id': item.id},
    h('div', {class: 'itemnav'},
      link({view: 'items', filters: state.filters}, '\u2190 items'),
      near.prev ? link(to(near.prev), '\u2039 previous') : h('span', {class: 'muted'}, '\u2039 previous'),
      near.next ? link(to(near.next), 'next \u203a') : h('span', {class: 'muted'}, 'next \u203a'),
      h('span', {class: 'muted'}, near.at >= 0 ? `${near.at + 1} of ${fmtInt(near.count)} matching (keys: j / k, Esc)` : 'not among the filtered items')),
    h('h2', null, item.id, ' ', item.excluded ? badge('excluded') : null),
    facts([...where, ['type', item.type], [SEQUENTIAL ? 'level' : 'difficulty', item.difficulty === null ? null : String(item.difficulty)],
      ['created', item.created]]),
    h('h3', null, 'Question'), questionBlock(item),
    h('h3', null, 'Reference answer'),
    item.reference ? textBlock(item.reference, {'data-part': 'reference'}) : h('p', {class: 'note'}, 'None: graded without a reference answer.'),
    item.criteria !== null ? [h('h3', null, 'Grading criteria'), textBlock(item.criteria, {'data-part': 'criteria'})] : null,
    item.notes.length ? [h('h3', null, SEQUENTIAL ? 'Notes' : 'Validation and novelty'), noteFacts(item.notes)] : null,
    item.usage.length ? usageFacts(item.usage) : null,
    h('h2', null, item.answers.length > 1 ? `Answers (${item.answers.length} models)` : 'Answer'),
    item.answers.map((answer, number) => answerBlock(answer, number, number === state.answer)),
    SEQUENTIAL ? historyView(item) : null,
    item.extra.length ? [h('h3', null, 'Other fields'), noteFacts(item.extra)] : null);
}

function sequenceType(seq) {
  const row = DATA.sequences.find((sequence) => sequence.id === seq);
  return row ? row.type : null;
}

// What the student was sent before the question, per paradigm (feedback is EvaLearn's first protocol).
const SHOWN_INTRO = {
  'feedback': 'Before this question the student received its system prompt, then one record per earlier position '
    + 'of the sequence (the question as it saw it, its own answer, the grading criteria, the judge\'s reply), then this question.',
  'zero-shot': 'Zero-shot: the student received its system prompt and this question alone.',
  'few-shot': 'Few-shot: the student received its system prompt, then solved example problems of the same type, each '
    + 'with its standard answer, then this question.',
  'demonstration': 'Demonstration: the student received its system prompt, then the earlier problems of the sequence, '
    + 'each with its standard answer (never its own answers or grades), then this question.',
};

function historyView(item) {
  const paradigm = item.paradigm || 'feedback';
  const prompt = ((DATA.system_prompts || {})[paradigm] || {})[sequenceType(item.seq)];
  return h('div', {class: 'history', id: 'history', 'data-paradigm': paradigm},
    h('h2', null, 'What the model was shown'),
    h('p', {class: 'note'}, SHOWN_INTRO[paradigm] || `Paradigm ${paradigm}.`),
    prompt ? folded('System prompt', textBlock(prompt, {'data-part': 'system-prompt'})) : null,
    paradigm === 'feedback' ? feedbackHistory(item) : null,
    item.shown ? solvedShown(item, paradigm === 'few-shot' ? 'Example' : 'Demonstration record') : null);
}

function solvedShown(item, label) {
  if (!item.shown.length) {
    return h('p', {class: 'note', 'data-history': '0'}, 'Nothing: this was the first question of its sequence.');
  }
  const problems = sharedTexts('problem_texts') || {};
  // The position of this file that answered the problem (in this sequence first), if any did.
  const holding = (problem) => ITEMS.find((other) => other.problem === problem && other.seq === item.seq)
    || ITEMS.find((other) => other.problem === problem);
  return item.shown.map((example, number) => {
    const texts = problems[example.problem];
    const at = holding(example.problem);
    return h('div', {class: 'entry', 'data-history': String(number + 1)},
      h('h3', null, `${label} ${number + 1}: problem ${example.problem}`,
        at ? [' (', link({view: 'item', id: at.id}, at.seq === item.seq ? `position ${at.pos}` : `sequence ${at.seq}, position ${at.pos}`), ')'] : null),
      texts === undefined
        ? h('p', {class: 'note'}, `This problem is not in the results file, so its text cannot be shown here.`)
        : [folded(`Question: ${shorten(texts.question, 100)}`, textBlock(texts.question)),
          folded(`Standard answer (${example.field}): ${shorten(texts.answers[example.field], 80)}`,
            textBlock(texts.answers[example.field]))]);
  });
}

function feedbackHistory(item) {
  const earlier = (BY_SEQUENCE.get(item.seq) || []).filter((other) => other.pos < item.pos && withTexts(other));
  const missing = item.pos - 1 - earlier.length;
  return [
    missing > 0 ? h('p', {class: 'warnings'}, `${missing} earlier position(s) are missing from this file, so the history below is incomplete.`) : null,
    earlier.length ? earlier.map((other, number) => {
      const answer = other.answers[0];
      const verdict = answer.verdicts[0];
      return h('div', {class: 'entry', 'data-history': String(number + 1)},
        h('h3', null, `History record ${number + 1}: `, link({view: 'item', id: other.id}, `position ${other.pos}`), ' ', badge(answer.outcome)),
        folded(`Question: ${shorten(other.question, 100)}`, textBlock(other.question)),
        folded(`Its answer: ${shorten(answer.text, 100)}`, textBlock(answer.text)),
        folded('Grading criteria', textBlock(other.criteria)),
        folded(`Judge's reply: ${verdict ? verdict.verdict : ''}`, textBlock(verdict ? verdict.rationale : '')));
    }) : h('p', {class: 'note', 'data-history': '0'}, 'No earlier records: this was the first question of its sequence.'),
  ];
}
