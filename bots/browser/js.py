"""The JavaScript the browser layer evaluates in pages, one round trip per call.

Each function is sent with its arguments in one `evaluate`: filling a whole form, reading
what a page shows, fetching and parsing a document, all without Playwright's per-action
selector machinery (which is injected anew into every document and costs a round trip per
field). Keep these free of portal knowledge: selectors and names always come as arguments.
"""

from __future__ import annotations

# Helpers shared by every function below; `doc` may be the live document or one parsed
# from fetched HTML, so nothing here may touch `window`.
HELPERS = r"""
const rpaText = el => el ? (el.textContent || '').replace(/\s+/g, ' ').trim() : null;
const rpaQuery = (doc, sel) => { try { return doc.querySelector(sel); } catch (e) { return null; } };
const rpaQueryAll = (doc, sel) => { try { return [...doc.querySelectorAll(sel)]; } catch (e) { return []; } };
const rpaState = (doc, url, probe) => {
  const matched = Object.entries(probe.detectors || {})
    .filter(([kind, sel]) => !!rpaQuery(doc, sel)).map(([kind]) => kind);
  const texts = {};
  for (const [name, sel] of Object.entries(probe.texts || {})) texts[name] = rpaText(rpaQuery(doc, sel));
  const lists = {};
  for (const [name, spec] of Object.entries(probe.lists || {})) {
    lists[name] = rpaQueryAll(doc, spec.selector).map(el => ({
      key: spec.attribute ? el.getAttribute(spec.attribute) : null, text: rpaText(el)}));
  }
  return {url, title: doc.title || '', ready: doc.readyState || 'complete', matched, texts, lists};
};
const rpaTable = (doc, spec) => rpaQueryAll(doc, spec.rows).map(row => {
  const out = {};
  for (const [name, sel] of Object.entries(spec.columns)) out[name] = rpaText(rpaQuery(row, sel));
  return out;
});
"""

STATE = "(args) => {" + HELPERS + r"""
  const submitted = !!window.__rpaSubmitted;
  const ready = document.readyState !== 'loading' && !submitted
    && (!args.ready || !!rpaQuery(document, args.ready));
  return {...rpaState(document, location.href, args.probe), formReady: ready, submitted};
}"""

FILL = "(args) => {" + HELPERS + r"""
  if (document.readyState === 'loading' || window.__rpaSubmitted
      || (args.ready && !rpaQuery(document, args.ready))) {
    return {ready: false, problems: [], submitted: false};
  }
  const problems = [];
  const fire = el => {
    el.dispatchEvent(new Event('input', {bubbles: true}));
    el.dispatchEvent(new Event('change', {bubbles: true}));
  };
  for (const f of args.fields) {
    if (f.kind === 'radio') {
      const group = rpaQueryAll(document, f.selector);
      const hit = group.find(el => el.value === f.value);
      if (!group.length) problems.push({field: f.name, problem: 'missing', detail: f.selector});
      else if (!hit) problems.push({field: f.name, problem: 'no_option', detail: group.map(el => el.value).join(', ')});
      else { hit.checked = true; fire(hit); }
      continue;
    }
    const el = rpaQuery(document, f.selector);
    if (!el) { problems.push({field: f.name, problem: 'missing', detail: f.selector}); continue; }
    if (f.kind === 'checkbox') { el.checked = !!f.value; fire(el); continue; }
    if (f.kind === 'select') {
      const options = [...el.options];
      const hit = options.find(o => f.by === 'label' ? rpaText(o) === f.value : o.value === f.value);
      if (!hit) problems.push({field: f.name, problem: 'no_option', detail: options.map(o => o.value).filter(v => v).join(', ')});
      else { el.value = hit.value; fire(el); }
      continue;
    }
    const text = f.value == null ? '' : String(f.value);
    if (el.maxLength > 0 && text.length > el.maxLength) {
      problems.push({field: f.name, problem: 'too_long', detail: String(el.maxLength)});
      continue;
    }
    el.value = text;
    fire(el);
  }
  let submitted = false;
  if (!problems.length && args.submit) {
    const button = rpaQuery(document, args.submit);
    if (!button) problems.push({field: null, problem: 'missing', detail: args.submit});
    else {
      window.__rpaSubmitted = true;
      // Clicked after this evaluate returns: the page is about to navigate away.
      setTimeout(() => button.click(), 0);
      submitted = true;
    }
  }
  return {ready: true, problems, submitted};
}"""

MARK_SUBMITTED = "() => { window.__rpaSubmitted = true; }"

TABLE = "(args) => {" + HELPERS + "  return rpaTable(document, args.table);\n}"

FETCH = "async (args) => {" + HELPERS + r"""
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), args.timeoutMs);
  const init = {method: args.method, credentials: 'same-origin', redirect: 'follow',
                signal: controller.signal};
  if (args.body) init.body = new URLSearchParams(args.body);
  let response, html;
  try {
    response = await fetch(args.url, init);
    html = await response.text();
  } catch (e) {
    return {error: String(e && e.name === 'AbortError' ? 'timed out' : e)};
  } finally {
    clearTimeout(timer);
  }
  const doc = new DOMParser().parseFromString(html, 'text/html');
  return {status: response.status, url: response.url, state: rpaState(doc, response.url, args.probe),
          rows: args.table ? rpaTable(doc, args.table) : null};
}"""

HARVEST = "(args) => {" + HELPERS + r"""
  const button = rpaQuery(document, args.submit);
  const form = button ? button.form : null;
  if (!form) return null;
  const hidden = rpaQueryAll(form, 'input[type=hidden]').filter(el => el.name)
    .map(el => [el.name, el.value]);
  const fields = {};
  for (const f of args.fields) {
    const all = rpaQueryAll(document, f.selector);
    const el = all[0];
    if (!el || !el.name) { fields[f.name] = null; continue; }
    const info = {param: el.name, on: el.value || 'on', maxLength: el.maxLength > 0 ? el.maxLength : null,
                  options: null, labels: null};
    if (el.tagName === 'SELECT') {
      info.options = [...el.options].map(o => o.value).filter(v => v);
      info.labels = Object.fromEntries([...el.options].map(o => [rpaText(o), o.value]));
    } else if (el.type === 'radio') {
      info.options = all.map(r => r.value);
    }
    fields[f.name] = info;
  }
  return {action: form.action, method: (form.getAttribute('method') || 'get').toUpperCase(),
          hidden, fields, submitter: button.name ? [button.name, button.value] : null};
}"""

FETCH_HIDDEN = "async (args) => {" + HELPERS + r"""
  let response, html;
  try {
    response = await fetch(args.url, {credentials: 'same-origin'});
    html = await response.text();
  } catch (e) {
    return {error: String(e)};
  }
  const doc = new DOMParser().parseFromString(html, 'text/html');
  const button = rpaQuery(doc, args.submit);
  const hidden = button && button.form ? rpaQueryAll(button.form, 'input[type=hidden]')
    .filter(el => el.name).map(el => [el.name, el.value]) : null;
  return {status: response.status, url: response.url, hidden,
          state: rpaState(doc, response.url, args.probe)};
}"""

SNAPSHOT = r"""(args) => {
  const hide = new Set();
  for (const sel of ['input[type=password]', ...args.sensitive]) {
    try { document.querySelectorAll(sel).forEach(el => hide.add(el)); } catch (e) {}
  }
  const live = [...document.querySelectorAll('input, textarea, select')];
  const clone = document.documentElement.cloneNode(true);
  const copies = [...clone.querySelectorAll('input, textarea, select')];
  live.forEach((el, i) => {
    const copy = copies[i];
    if (!copy) return;
    const secret = hide.has(el);
    if (el.tagName === 'TEXTAREA') copy.textContent = secret ? '***' : el.value;
    else if (el.tagName === 'SELECT') [...copy.options].forEach((o, j) => {
      if (el.options[j] && el.options[j].selected) o.setAttribute('selected', ''); else o.removeAttribute('selected');
    });
    else if (el.type === 'checkbox' || el.type === 'radio') {
      if (el.checked) copy.setAttribute('checked', ''); else copy.removeAttribute('checked');
    } else copy.setAttribute('value', secret ? '***' : el.value);
  });
  // The file is for a person to open: no scripts, no event handlers.
  clone.querySelectorAll('script').forEach(el => el.remove());
  clone.querySelectorAll('*').forEach(el => [...el.attributes]
    .filter(a => a.name.toLowerCase().startsWith('on')).forEach(a => el.removeAttribute(a.name)));
  return '<!DOCTYPE html>\n' + clone.outerHTML;
}"""
