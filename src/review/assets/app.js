/* formocr review: the flagged fields of a database, document by document.
 * Every value shown comes from the public: it is only ever set as text
 * (textContent, input.value), never as HTML. */
'use strict';

const token = new URLSearchParams(location.search).get('token') || '';
let current = null;   /* the document shown: {id, fields: [...]} */
let rows = [];        /* one per flagged field: {field, el, input, decided} */
let busy = false;

/* aria-busy while a decision is saved or a document loaded: assistive
 * technology (and a test) know when the page has settled */
function setBusy(b) {
  busy = b;
  document.body.setAttribute('aria-busy', b ? 'true' : 'false');
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

function showError(message) {
  const e = document.getElementById('error');
  e.textContent = message;
  e.hidden = !message;
}

async function api(path, body) {
  const init = body === undefined ? {} : {
    method: 'POST',
    headers: {'Content-Type': 'application/json', 'X-Formocr-Token': token},
    body: JSON.stringify(body),
  };
  const sep = path.includes('?') ? '&' : '?';
  const r = await fetch(path + sep + 'token=' + encodeURIComponent(token), init);
  const data = await r.json().catch(() => ({error: r.statusText}));
  if (!r.ok) throw new Error(data.error || r.statusText);
  return data;
}

function setCounter(left) {
  document.getElementById('counter').textContent =
      left.fields + (left.fields === 1 ? ' field' : ' fields') + ' left in ' +
      left.documents + (left.documents === 1 ? ' document' : ' documents');
}

function focusRow(i) {
  if (i < 0 || i >= rows.length) return;
  rows.forEach((r, k) => r.el.classList.toggle('current', k === i));
  rows[i].input.focus();
  rows[i].input.select();
}

function nextOpen(from) {
  for (let k = 1; k <= rows.length; k++) {
    const i = (from + k) % rows.length;
    if (!rows[i].decided) return i;
  }
  return -1;
}

async function decide(i, unreadable) {
  if (busy) return;
  const row = rows[i];
  /* Enter on what cannot be taken as shown asks for a value instead: an
   * empty box of a required field (a reflexive Enter would settle it
   * empty), or a value the database holds otherwise than shown */
  if (!unreadable && row.input.value === row.field.value &&
      ((row.field.status === 'missing' && row.input.value === '') || row.field.altered)) {
    row.verdict.textContent = row.field.altered
        ? 'this value is not shown as stored: type it, or F2 if unreadable'
        : 'required: type the value, or F2 if unreadable';
    return;
  }
  setBusy(true);
  try {
    const body = {document: current.id, field: row.field.name};
    if (unreadable) body.unreadable = true; else body.value = row.input.value;
    const res = await api('/api/decide', body);
    row.decided = true;
    row.el.classList.add('decided');
    row.verdict.textContent = unreadable ? 'marked unreadable' :
        (row.input.value === row.field.value ? 'accepted' : 'corrected');
    setCounter(res.left);
    showError('');
    const n = nextOpen(i);
    if (n < 0) await load(current.id); else focusRow(n);
  } catch (e) {
    showError('Not saved: ' + e.message);
  } finally {
    setBusy(false);
  }
}

function render(doc) {
  current = doc;
  rows = [];
  document.getElementById('doc-title').textContent = doc.file;
  document.getElementById('doc-meta').textContent =
      'template ' + doc.template + ' · pages ' + doc.first_page + '–' + doc.last_page +
      ' · document ' + doc.id;
  const form = document.getElementById('fields');
  form.replaceChildren();
  doc.fields.forEach((f, i) => {
    const box = el('div', 'field');
    const head = el('p');
    head.append(el('span', 'name', f.name));
    if (f.label) head.append(' — ', el('span', 'label', f.label));
    box.append(head);
    const img = el('img');
    img.alt = 'the field on the scan';
    img.src = '/api/crop?document=' + encodeURIComponent(doc.id) + '&field=' +
        encodeURIComponent(f.name) + '&token=' + encodeURIComponent(token);
    /* no image: the server says why (the scan not where it was read,
     * changed since...) */
    img.addEventListener('error', () => {
      const why = el('p', 'reason', 'no image of this field');
      img.replaceWith(why);
      fetch(img.src).then((r) => r.json()).then((j) => {
        if (j && j.error) why.textContent = 'no image of this field: ' + j.error;
      }).catch(() => {});
    });
    box.append(img);
    box.append(el('p', 'reason', f.reason || f.status));
    box.append(el('p', 'meta', 'read: “' + (f.raw ?? '') + '” · confidence ' +
        Number(f.confidence).toFixed(1) + ' · status ' + f.status));
    /* a text area, so that a value of several lines keeps them:
     * Shift+Enter starts a new line */
    const input = el('textarea');
    f.value = f.value ?? '';
    const lines = f.value.split('\n').length;
    input.rows = Math.min(Math.max(lines, 1), 8);
    input.spellcheck = false;
    input.value = f.value;
    input.setAttribute('aria-label', f.name);
    input.dataset.field = f.name;
    box.append(input);
    const button = el('button', null, 'Unreadable (F2)');
    button.type = 'button';
    button.addEventListener('click', () => decide(i, true));
    box.append(button);
    const verdict = el('p', 'verdict');
    box.append(verdict);
    form.append(box);
    const row = {field: f, el: box, input, verdict, decided: false};
    rows.push(row);
    input.addEventListener('focus', () => rows.forEach((r, k) => r.el.classList.toggle('current', k === i)));
    input.addEventListener('keydown', (ev) => {
      /* the arrows move between fields, except inside a value of
       * several lines, where they move between its lines */
      const multi = input.value.includes('\n');
      if (ev.key === 'Enter' && !ev.shiftKey) { ev.preventDefault(); decide(i, false); }
      else if (ev.key === 'F2') { ev.preventDefault(); decide(i, true); }
      else if (ev.key === 'PageDown') { ev.preventDefault(); if (!busy) load(current.id); }
      else if (ev.key === 'ArrowDown' && !multi) { ev.preventDefault(); focusRow(Math.min(i + 1, rows.length - 1)); }
      else if (ev.key === 'ArrowUp' && !multi) { ev.preventDefault(); focusRow(Math.max(i - 1, 0)); }
    });
  });
  document.getElementById('document').hidden = false;
  focusRow(0);
}

async function load(after) {
  const outer = busy;
  if (!outer) setBusy(true);
  try {
    const res = await api('/api/next?after=' + encodeURIComponent(after || 0));
    setCounter(res.left);
    if (!res.document) {
      document.getElementById('document').hidden = true;
      document.getElementById('done').hidden = false;
      current = null;
      return;
    }
    document.getElementById('done').hidden = true;
    render(res.document);
  } catch (e) {
    showError(e.message);
  } finally {
    if (!outer) setBusy(false);
  }
}

document.getElementById('fields').addEventListener('submit', (ev) => ev.preventDefault());
load(0);
