"""The JavaScript `map draft` runs in a portal's pages: an inventory of forms and fields
with stable selectors, the reference shown after a save, a results table."""

from __future__ import annotations

STABLE = r"""
const rpaStable = (el, doc) => {
  const unique = s => { try { return doc.querySelectorAll(s).length === 1; } catch (e) { return false; } };
  const tag = el.tagName.toLowerCase();
  if (el.id && unique('#' + CSS.escape(el.id))) return '#' + CSS.escape(el.id);
  if (el.getAttribute('name')) {
    const s = `${tag}[name='${el.getAttribute('name')}']`;
    if (unique(s) || el.type === 'radio') return s;
  }
  for (const cls of el.classList) { const s = `${tag}.${CSS.escape(cls)}`; if (unique(s)) return s; }
  const parts = [];
  for (let e = el; e && e.nodeType === 1 && e !== doc.documentElement; e = e.parentElement) {
    if (e !== el && e.id && unique('#' + CSS.escape(e.id))) { parts.unshift('#' + CSS.escape(e.id)); break; }
    let i = 1;
    for (let s = e.previousElementSibling; s; s = s.previousElementSibling) if (s.tagName === e.tagName) i++;
    parts.unshift(`${e.tagName.toLowerCase()}:nth-of-type(${i})`);
  }
  return parts.join(' > ');
};
"""

INVENTORY = "() => {" + STABLE + r"""
  const label = el => {
    if (el.id) {
      const l = document.querySelector(`label[for='${CSS.escape(el.id)}']`);
      if (l && l.textContent.trim()) return l.textContent.replace(/\s+/g, ' ').trim();
    }
    const cell = el.closest('td');
    const prev = cell && cell.previousElementSibling;
    if (prev && prev.textContent.trim()) return prev.textContent.replace(/\s+/g, ' ').trim();
    return el.getAttribute('placeholder') || el.getAttribute('title') || '';
  };
  const skip = ['hidden', 'submit', 'button', 'reset', 'image', 'file'];
  return [...document.forms].map(f => {
    const seen = new Set();
    const fields = [];
    for (const e of f.elements) {
      const name = e.getAttribute('name');
      if (!name || skip.includes(e.type) || e.tagName === 'BUTTON' || e.tagName === 'FIELDSET') continue;
      if (seen.has(name)) continue;
      seen.add(name);
      const radios = e.type === 'radio' ? [...f.querySelectorAll(`input[type=radio][name='${name}']`)] : null;
      fields.push({
        name, id: e.id || '', tag: e.tagName.toLowerCase(), type: e.type || '',
        selector: radios ? `input[name='${name}']` : rpaStable(e, document),
        label: label(radios ? radios[0] : e), required: e.required || /\*\s*$/.test(label(e)),
        maxLength: e.maxLength > 0 ? e.maxLength : null, placeholder: e.getAttribute('placeholder') || '',
        options: e.tagName === 'SELECT' ? [...e.options].map(o => [o.value, o.textContent.trim()]).filter(o => o[0])
                 : radios ? radios.map(r => [r.value, label(r)]) : null,
      });
    }
    const buttons = [...f.querySelectorAll('input[type=submit], button, input[type=button], input[type=image]')]
      .filter(b => b.type !== 'reset')
      .map(b => ({selector: rpaStable(b, document), text: (b.value || b.textContent || '').trim(),
                  type: b.type, onclick: b.getAttribute('onclick') || ''}));
    return {selector: rpaStable(f, document), onsubmit: f.getAttribute('onsubmit') || '',
            password: !!f.querySelector('input[type=password]'), fields, buttons,
            lang: document.documentElement.lang || ''};
  });
}"""

REFERENCE = "(args) => {" + STABLE + r"""
  const known = new Set(args.known.map(v => String(v).toLowerCase()));
  const token = /\b[A-Z]{1,6}[-\/]?\d[\dA-Z\/-]{2,}\b/g;
  const all = [...document.body.querySelectorAll('*')].filter(e => e.children.length <= 2);
  for (const el of all) {
    const text = [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join(' ');
    for (const m of text.match(token) || []) {
      if (known.has(m.toLowerCase()) || !/\d{3}/.test(m)) continue;
      let box = el;
      while (box.parentElement && !box.id && box.parentElement !== document.body) box = box.parentElement;
      const confirmed = box.id ? '#' + CSS.escape(box.id) : rpaStable(box, document);
      let reference = rpaStable(el, document);
      for (const cls of el.classList) {
        const s = `${confirmed} .${CSS.escape(cls)}`;
        if (document.querySelectorAll(s).length === 1) { reference = s; break; }
      }
      return {token: m, confirmed, reference};
    }
  }
  return null;
}"""

RESULTS = "(args) => {" + STABLE + r"""
  const norm = t => (t || '').replace(/\s+/g, ' ').trim();
  const rows = [...document.querySelectorAll('tr')].filter(r =>
    [...r.children].some(c => norm(c.textContent) === args.key));
  if (!rows.length) return null;
  const row = rows[0];
  const table = row.closest('table');
  const tableSel = table ? rpaStable(table, document) : 'table';
  const rowSel = row.classList.length ? `${tableSel} tr.${CSS.escape(row.classList[0])}` : `${tableSel} tr:has(td)`;
  const header = table ? [...table.querySelectorAll('tr')].find(r => r.querySelector('th')) : null;
  const titles = header ? [...header.children].map(c => norm(c.textContent)) : [];
  const columns = [...row.children].map((cell, i) => ({
    title: titles[i] || `column_${i + 1}`,
    selector: cell.classList.length ? `td.${CSS.escape(cell.classList[0])}` : `td:nth-child(${i + 1})`,
    text: norm(cell.textContent)}));
  return {rows: rowSel, columns};
}"""
