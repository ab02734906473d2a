(function () {
  "use strict";
  var PAGE = 100;
  var fields = JSON.parse(document.getElementById("run-fields").textContent);
  var rows = JSON.parse(document.getElementById("runs-data").textContent);
  var F = {};
  fields.forEach(function (name, i) { F[name] = i; });
  var NUMERIC = { id: true, seconds: true, done: true, exceptions: true, open: true };
  var view = { text: "", recipe: "", state: "", detail: false, key: "id", desc: true, page: 0 };
  var shown = rows;

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (cls) { node.className = cls; }
    return node;
  }

  function stateClass(state) {
    if (state.indexOf("running (not finished") === 0) { return "st-stale"; }
    return "st-" + state.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  }

  function duration(seconds) {
    if (seconds === null) { return ""; }
    if (seconds < 1) { return (seconds * 1000).toFixed(0) + " ms"; }
    if (seconds < 120) { return seconds.toFixed(1) + " s"; }
    if (seconds < 7200) { return (seconds / 60).toFixed(1) + " min"; }
    return (seconds / 3600).toFixed(1) + " h";
  }

  function fillSelect(id, index) {
    var select = document.getElementById(id);
    var seen = {};
    rows.forEach(function (row) { seen[row[index]] = true; });
    Object.keys(seen).sort().forEach(function (value) {
      var option = el("option", value);
      option.value = value;
      select.appendChild(option);
    });
  }

  var HAY = typeof WeakMap === "function" ? new WeakMap() : null;
  function haystack(row) {
    // Built once per run, not on every keystroke: the list can hold 20,000 runs.
    var found = HAY && HAY.get(row);
    if (!found) {
      found = [row[F.id], row[F.recipe], row[F.state], row[F.trigger], row[F.started],
               row[F.summary], row[F.error]].join(" ").toLowerCase();
      if (HAY) { HAY.set(row, found); }
    }
    return found;
  }

  function matches(row) {
    if (view.recipe && row[F.recipe] !== view.recipe) { return false; }
    if (view.state && row[F.state] !== view.state) { return false; }
    if (view.detail && !row[F.detail]) { return false; }
    if (!view.text) { return true; }
    return haystack(row).indexOf(view.text) !== -1;
  }

  function compare(a, b) {
    var i = F[view.key];
    var x = a[i], y = b[i];
    if (x === y) { return b[F.id] - a[F.id]; }
    if (x === null) { return 1; }
    if (y === null) { return -1; }
    var order = NUMERIC[view.key] ? x - y : String(x).localeCompare(String(y));
    return view.desc ? -order : order;
  }

  function row(data) {
    var tr = document.createElement("tr");
    var idCell = el("td", null, "num");
    if (data[F.detail]) {
      var link = el("a", data[F.id]);
      link.href = "#run-" + data[F.id];
      idCell.appendChild(link);
    } else {
      idCell.textContent = String(data[F.id]);
      idCell.title = "summary only here; full detail: runner.py show " + data[F.id];
    }
    tr.appendChild(idCell);
    tr.appendChild(el("td", data[F.recipe]));
    var stateCell = el("td");
    stateCell.appendChild(el("span", data[F.state], "badge " + stateClass(data[F.state])));
    tr.appendChild(stateCell);
    tr.appendChild(el("td", data[F.trigger]));
    tr.appendChild(el("td", data[F.started], "when"));
    tr.appendChild(el("td", duration(data[F.seconds]), "num"));
    tr.appendChild(el("td", data[F.done], "num"));
    tr.appendChild(el("td", data[F.exceptions], "num"));
    tr.appendChild(el("td", data[F.open], "num"));
    tr.appendChild(el("td", data[F.summary], "summary"));
    tr.appendChild(el("td", data[F.error], "error"));
    return tr;
  }

  function render() {
    shown = rows.filter(matches).sort(compare);
    var pages = Math.max(1, Math.ceil(shown.length / PAGE));
    view.page = Math.min(view.page, pages - 1);
    var start = view.page * PAGE;
    var body = document.querySelector("#run-table tbody");
    var fragment = document.createDocumentFragment();
    shown.slice(start, start + PAGE).forEach(function (data) { fragment.appendChild(row(data)); });
    body.replaceChildren(fragment);
    var end = Math.min(start + PAGE, shown.length);
    document.getElementById("run-count").textContent = shown.length === 0
      ? "No run matches."
      : "Showing " + (start + 1) + "–" + end + " of " + shown.length.toLocaleString("en") +
        " matching runs (" + rows.length.toLocaleString("en") + " listed).";
    document.getElementById("run-count").dataset.matching = String(shown.length);
    document.getElementById("page").textContent = "page " + (view.page + 1) + " of " + pages;
    document.getElementById("prev").disabled = view.page === 0;
    document.getElementById("next").disabled = view.page >= pages - 1;
    document.querySelectorAll("#run-table th[data-key]").forEach(function (th) {
      th.classList.remove("sorted-asc", "sorted-desc");
      if (th.dataset.key === view.key) { th.classList.add(view.desc ? "sorted-desc" : "sorted-asc"); }
    });
  }

  function on(id, event, handler) { document.getElementById(id).addEventListener(event, handler); }

  fillSelect("f-recipe", F.recipe);
  fillSelect("f-state", F.state);
  on("q", "input", function (e) { view.text = e.target.value.trim().toLowerCase(); view.page = 0; render(); });
  on("f-recipe", "change", function (e) { view.recipe = e.target.value; view.page = 0; render(); });
  on("f-state", "change", function (e) { view.state = e.target.value; view.page = 0; render(); });
  on("f-detail", "change", function (e) { view.detail = e.target.checked; view.page = 0; render(); });
  on("prev", "click", function () { view.page -= 1; render(); });
  on("next", "click", function () { view.page += 1; render(); });
  document.querySelectorAll("#run-table th[data-key]").forEach(function (th) {
    th.addEventListener("click", function () {
      var key = th.dataset.key;
      view.desc = view.key === key ? !view.desc : NUMERIC[key] === true;
      view.key = key;
      render();
    });
  });
  render();

  // Log lines: the lowest level shown, and every step's lines opened or closed at once.
  var LEVELS = ["TRACE", "DEBUG", "INFO", "SUCCESS", "WARNING", "ERROR", "CRITICAL"];
  function showLevels() {
    var lowest = LEVELS.indexOf(document.getElementById("log-level").value);
    document.querySelectorAll(".log-line").forEach(function (line) {
      line.hidden = LEVELS.indexOf(line.dataset.level) < lowest;
    });
  }
  on("log-level", "change", showLevels);
  function openAll(open) {
    document.querySelectorAll("#details details").forEach(function (d) { d.open = open; });
  }
  on("expand-all", "click", function () { openAll(true); });
  on("collapse-all", "click", function () { openAll(false); });
  showLevels();

  // The review list: search every column of the items listed.
  var reviewRows = Array.prototype.slice.call(document.querySelectorAll("#review-items tbody tr"));
  function searchReview() {
    var input = document.getElementById("review-q");
    if (!input) { return; }
    var text = input.value.trim().toLowerCase();
    var matching = 0;
    reviewRows.forEach(function (tr) {
      var hit = !text || tr.textContent.toLowerCase().indexOf(text) !== -1;
      tr.hidden = !hit;
      if (hit) { matching += 1; }
    });
    var count = document.getElementById("review-count");
    count.textContent = matching + " of " + reviewRows.length + " items";
    count.dataset.matching = String(matching);
  }
  if (document.getElementById("review-q")) { on("review-q", "input", searchReview); searchReview(); }
})();
