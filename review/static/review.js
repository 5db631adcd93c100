// baocao review: the document page's behaviour, and nothing else.
// Select a fact (click, j/k), fill the one edit form with its fields, decide with one key
// (accept, save, reject: the decision is sent with fetch, the page updated in place and the
// next undecided fact shown), skip, undo, accept the rest of a section, filter and search the
// facts, comment on a fact, show its page image with its box, highlight a check's facts, add
// a missed fact from a text selection. Typed input is never lost: a decision that would drop
// unsaved edits is refused until the reviewer saves (Enter) or drops them (Esc, confirmed).
// No framework, no inline script (the CSP forbids it); every page works without this file:
// the forms post and the server answers with a page.
"use strict";

(function () {
  const ws = document.getElementById("workspace");
  if (!ws) return;
  const docId = ws.dataset.doc;
  const scale = parseFloat(ws.dataset.scale || "1.5");
  const isPdf = ws.dataset.format === "pdf";
  const $ = (id) => document.getElementById(id);
  const list = $("facts-list");
  const checksList = $("checks");
  const editor = $("editor");
  const form = $("edit-form");
  const adder = $("adder");
  const csrf = form.querySelector("input[name=csrf]").value;
  const FIELDS = ["kind", "value", "denominator", "unit", "label", "indicator", "period", "subject"];
  const LABEL = {};
  $("f-status").querySelectorAll("option").forEach((o) => { LABEL[o.value] = o.textContent; });
  let items = [];
  let byId = new Map();
  let current = -1;
  let failedAt = -1;
  let original = null;      // the selected fact's fields as shown: what "unsaved" compares with
  let rejecting = false;    // x pressed: the reason field is the reject's, Enter rejects
  let busy = false;         // a decision is on its way
  let lastDecision = null;  // {key, version} of this page's last decision (undo sends it)
  const cp = (s) => Array.from(s).length; // Python counts code points, JS UTF-16 units

  function refreshItems() {
    items = Array.from(list.querySelectorAll("li.fi"));
    byId = new Map(items.map((li) => [li.dataset.f, li]));
  }
  refreshItems();

  function clear(cls) {
    document.querySelectorAll("." + cls).forEach((el) => el.classList.remove(cls));
  }

  function visible(li) { return !li.hidden && !li.closest(".group[hidden]"); }

  // ── unsaved input ─────────────────────────────────────────────────────────────────
  function values() {
    const out = {};
    FIELDS.forEach((name) => { out[name] = $("e-" + name).value; });
    return out;
  }

  function dirty() {
    if (!original || editor.hidden) return false;
    const now = values();
    return FIELDS.some((name) => now[name].trim() !== original[name].trim());
  }

  function firstChanged() {
    const now = values();
    return FIELDS.find((name) => now[name].trim() !== original[name].trim());
  }

  function restore() {
    if (!original) return;
    FIELDS.forEach((name) => { $("e-" + name).value = original[name]; });
  }

  function say(text, kind) {
    const box = $("e-error");
    box.hidden = !text;
    box.textContent = text || "";
    box.className = "notice " + (kind || "error");
  }

  // Refuse what would drop typed edits; keep the edit open on the first changed field.
  function guard() {
    if (!dirty()) return true;
    say("Có thay đổi chưa lưu: Enter để lưu, Esc để bỏ thay đổi.", "warn");
    const name = firstChanged();
    if (name) $("e-" + name).focus();
    return false;
  }

  function setRejecting(on) {
    rejecting = on;
    editor.classList.toggle("rejecting", on);
    $("e-reject").textContent = on ? "Loại (Enter)" : "Không phải số liệu (x)";
  }

  // ── selecting a fact ──────────────────────────────────────────────────────────────
  function select(li, scroll, force) {
    if (!li) return false;
    if (!force && items[current] !== li && !guard()) return false;
    clear("sel");
    current = items.indexOf(li);
    li.classList.add("sel");
    const mark = $("m-" + li.dataset.f);
    if (mark) {
      mark.classList.add("sel");
      if (scroll !== false) mark.scrollIntoView({ block: "center" });
    }
    li.scrollIntoView({ block: "nearest" });
    fill(li);
    showPage(li);
    return true;
  }

  function fill(li) {
    adder.hidden = true;
    $("hint").hidden = true;
    editor.hidden = false;
    say("");
    setRejecting(false);
    // setAttribute: form.action is the buttons named "action" (DOM named properties)
    form.setAttribute("action", "/doc/" + docId + "/fact/" + li.dataset.key);
    $("e-version").value = li.dataset.v;
    $("e-id").textContent = li.dataset.f;
    $("e-text").textContent = li.dataset.text;
    $("e-status").textContent = LABEL[li.dataset.status] || li.dataset.status;
    $("e-link").href = "/doc/" + docId + "/fact/" + li.dataset.key;
    FIELDS.forEach((name) => { $("e-" + name).value = li.dataset[name] || ""; });
    original = values();
    $("e-reason").value = "";
    const was = $("e-was");
    was.hidden = !li.dataset.was;
    was.textContent = li.dataset.was ? "Trích xuất ban đầu: " + li.dataset.was : "";
    miniChecks(li);
    loadComments(li);
  }

  function miniChecks(li) {
    const box = $("e-checks");
    box.replaceChildren();
    checksList.querySelectorAll("li.check").forEach((c) => {
      if (!(c.dataset.facts || "").split(" ").includes(li.dataset.f)) return;
      const row = c.cloneNode(true);
      row.removeAttribute("id");
      row.classList.add("mini");
      row.dataset.for = c.id;
      box.appendChild(row);
    });
  }
  $("e-checks").addEventListener("click", (ev) => {
    const row = ev.target.closest("li.check");
    if (row && $(row.dataset.for)) highlightCheck($(row.dataset.for));
  });

  // ── the page image ────────────────────────────────────────────────────────────────
  let shown = null; // the fact whose box the page image shows
  // twice the column's width by default: a page at fit width is too small to read; the
  // reviewer's choice is kept for the tab (sessionStorage)
  let zoom = parseFloat(sessionStorage.getItem("baocao-zoom") || "2") || 2;

  function placeBox() {
    const img = $("pageimg"), box = $("factbox");
    const b = shown ? (shown.dataset.bbox || "").split(",").map(parseFloat) : [];
    if (b.length !== 4 || !img.complete || !img.naturalWidth) { box.hidden = true; return; }
    const w = img.naturalWidth / scale, h = img.naturalHeight / scale;
    box.hidden = false;
    box.style.left = (100 * b[0] / w) + "%";
    box.style.top = (100 * b[1] / h) + "%";
    box.style.width = (100 * (b[2] - b[0]) / w) + "%";
    box.style.height = (100 * (b[3] - b[1]) / h) + "%";
    const scroller = $("pagescroll");
    scroller.scrollTop = Math.max(0, box.offsetTop - scroller.clientHeight / 3);
    scroller.scrollLeft = Math.max(0, box.offsetLeft - scroller.clientWidth / 4);
  }

  function setZoom(z) {
    zoom = Math.min(4, Math.max(1, z));
    sessionStorage.setItem("baocao-zoom", String(zoom));
    $("pagebox").style.width = (100 * zoom) + "%";
    placeBox();
  }
  $("pagebox").style.width = (100 * zoom) + "%";
  $("z-fit").addEventListener("click", () => setZoom(1));
  $("z-in").addEventListener("click", () => setZoom(zoom + 0.5));
  $("z-out").addEventListener("click", () => setZoom(zoom - 0.5));

  function showPage(li) {
    const panel = $("pageview");
    if (!isPdf || !li.dataset.page) { panel.hidden = true; shown = null; return; }
    panel.hidden = false;
    shown = li;
    const img = $("pageimg");
    const src = "/doc/" + docId + "/page/" + li.dataset.page;
    $("pagelink").href = src;
    if (img.getAttribute("src") !== src) {
      $("factbox").hidden = true;
      img.setAttribute("src", src);
    } else {
      placeBox();
    }
  }
  $("pageimg").addEventListener("load", placeBox);

  function highlightCheck(c) {
    clear("inchk");
    clear("active");
    c.classList.add("active");
    const ids = c.dataset.facts.split(" ");
    ids.forEach((id) => {
      const mark = $("m-" + id);
      if (mark) mark.classList.add("inchk");
      const li = byId.get(id);
      if (li) li.classList.add("inchk");
    });
    const first = $("m-" + ids[0]);
    if (first) first.scrollIntoView({ block: "center" });
    if (byId.get(ids[0])) select(byId.get(ids[0]), false);
  }

  // ── clicks ────────────────────────────────────────────────────────────────────────
  list.addEventListener("click", (ev) => {
    const link = ev.target.closest("a.fl");
    if (!link) return;
    ev.preventDefault();
    select(link.closest("li.fi"));
  });
  $("doctext").addEventListener("click", (ev) => {
    const mark = ev.target.closest("mark.fact");
    if (mark && window.getSelection().isCollapsed) select(byId.get(mark.dataset.f), false);
  });
  checksList.addEventListener("click", (ev) => {
    const c = ev.target.closest("li.check");
    if (c) highlightCheck(c);
  });

  // ── decisions, sent with fetch; the page is updated in place ──────────────────────
  async function post(url, fields) {
    const body = new URLSearchParams();
    Object.entries(fields).forEach(([k, v]) => body.append(k, v));
    body.set("csrf", csrf);
    const response = await fetch(url, {
      method: "POST", body, credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    if (!response.ok || !data || data.ok === false) {
      let text = (data && data.error) || ("Lỗi " + response.status + ": hãy tải lại trang.");
      if (data && data.other) {
        text += " — " + data.other.actor + " đã sửa: " +
          data.other.diffs.map((d) => d[0] + ": " + d[1] + " → " + d[2]).join("; ");
      }
      const error = new Error(text);
      error.data = data;
      throw error;
    }
    return data;
  }

  function apply(data) {
    replaceFacts(data.facts || []);
    if (data.checks_html !== undefined) checksList.innerHTML = data.checks_html;
    $("n-checks").textContent = data.n_checks;
    $("n-failed").textContent = data.failed;
    const failed = $("failed-count");
    failed.textContent = data.failed + " kiểm tra sai";
    failed.classList.toggle("bad", data.failed > 0);
    $("n-decided").textContent = data.decided.toLocaleString("vi-VN");
    $("progress-bar").value = data.decided;
    const state = $("review-state");
    state.textContent = data.state_label;
    state.dataset.state = data.state;
    state.className = "state st-" + data.state;
    $("review-version").value = data.review_version;
    notice(data);
    updateCounts();
    refreshRest();
    if (filtering()) applyFilters();
  }

  // each section's "accept the rest" button counts the facts still undecided in it
  function refreshRest() {
    list.querySelectorAll("div.group").forEach((g) => {
      const form = g.querySelector("form.rest");
      if (!form) return;
      const n = g.querySelectorAll('li.fi[data-status="extracted"]').length;
      if (n === 0) form.remove();
      else form.querySelector("button.rest-btn").textContent = "Chấp nhận " + n + " còn lại";
    });
  }

  function filtering() {
    return $("q").value.trim() || $("f-status").value || $("f-kind").value ||
      $("f-low").checked || $("f-ocr").checked || $("f-flag").checked;
  }

  function replaceFacts(facts) {
    facts.forEach((f) => {
      const old = list.querySelector("#fi-" + f.key);
      const tmp = document.createElement("template");
      tmp.innerHTML = f.html;
      const li = tmp.content.firstElementChild;
      if (old && li) {
        if (old.classList.contains("sel")) li.classList.add("sel");
        li.hidden = old.hidden;
        old.replaceWith(li);
      }
      const mark = $("m-" + f.id);
      if (mark) mark.className = f.mark + (mark.classList.contains("sel") ? " sel" : "");
    });
    refreshItems();
  }

  function notice(data) {
    const live = $("live");
    live.replaceChildren();
    if (!data.rechecked) return;
    const box = document.createElement("div");
    box.className = "notice ok";
    box.id = "rerun";
    box.append("Đã lưu; kiểm tra đã chạy lại: còn ");
    const b = document.createElement("b");
    b.textContent = data.failed;
    box.append(b, " kiểm tra sai.");
    if (data.changes && data.changes.length) {
      const ul = document.createElement("ul");
      data.changes.forEach((c) => {
        const li = document.createElement("li");
        li.className = "chg";
        li.dataset.rule = c.rule;
        li.dataset.before = c.before || "";
        li.dataset.after = c.after || "";
        li.textContent = (c.rule_label || c.rule) + ": " + (c.before_label || "—") + " → " +
          (c.after_label || "—") + " " + c.explanation;
        ul.appendChild(li);
      });
      box.appendChild(ul);
    }
    live.appendChild(box);
  }

  function nextUndecided(from) {
    const n = items.length;
    for (let i = 1; i <= n; i++) {
      const li = items[(from + i + n) % n];
      if (li && li.dataset.status === "extracted" && !li.classList.contains("pending") &&
          visible(li) && items.indexOf(li) !== from) {
        return li;
      }
    }
    return null;
  }

  // Decisions go out one after another (the server locks the document anyway); the next
  // undecided fact is shown at once, the decided one marked pending until the answer
  // updates it, its checks and the counts. A refused decision brings its fact back with
  // what was typed, unless the reviewer is typing in another one.
  let chain = Promise.resolve();

  function decide(action) {
    if (current < 0) return chain;
    const li = items[current];
    const key = li.dataset.key, fid = li.dataset.f;
    const url = form.getAttribute("action");
    const fields = { action, version: $("e-version").value, reason: $("e-reason").value };
    FIELDS.forEach((name) => { fields[name] = $("e-" + name).value; });
    li.classList.add("pending");
    original = null;
    const active = document.activeElement;
    if (active && active.closest && active.closest("#edit-form")) active.blur();
    const next = nextUndecided(current);
    if (next) select(next, true, true);
    else { fill(li); say("Đã xử lý hết các số liệu đang hiện.", "ok"); }
    chain = chain.then(() => send(url, fields, key, fid));
    return chain;
  }

  async function send(url, fields, key, fid) {
    try {
      const data = await post(url, fields);
      const li = list.querySelector("#fi-" + key);
      if (data.unchanged) {
        if (li) li.classList.remove("pending");
        return;
      }
      apply(data);
      const done = list.querySelector("#fi-" + key);
      lastDecision = { key, version: done ? done.dataset.v : "" };
      const sel = items[current];
      if (sel && sel.dataset.key === key && !dirty()) fill(sel); // back on it: new version
    } catch (e) {
      // a conflict sends the fact as stored now (the other's change, its new version)
      if (e.data && e.data.facts) replaceFacts(e.data.facts);
      const li = list.querySelector("#fi-" + key);
      if (li) { li.classList.remove("pending"); li.classList.add("refused"); }
      if (li && !dirty()) {
        select(li, true, true);
        FIELDS.forEach((name) => { $("e-" + name).value = fields[name]; });
        $("e-reason").value = fields.reason;
      }
      say(e.message + " (số liệu " + fid + ")");
    }
  }

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const action = ev.submitter ? ev.submitter.value : "correct";
    if (action === "correct") { if (!dirty()) { say("Không có thay đổi nào để lưu.", "warn"); return; } }
    else if (action === "accept" && !guard()) return;
    decide(action);
  });

  function undo() { chain = chain.then(undoNow); return chain; }

  async function undoNow() {
    if (busy) return;
    busy = true;
    try {
      const fields = lastDecision ? { key: lastDecision.key, version: lastDecision.version } : {};
      const data = await post("/doc/" + docId + "/undo", fields);
      apply(data);
      lastDecision = null;
      const li = data.keys && data.keys.length ? list.querySelector("#fi-" + data.keys[0]) : null;
      if (li) select(li, true, true);
      say("Đã hoàn tác quyết định cuối.", "ok");
    } catch (e) {
      if (editor.hidden) window.alert(e.message); else say(e.message);
    } finally {
      busy = false;
    }
  }
  $("undo-form").addEventListener("submit", (ev) => { ev.preventDefault(); if (guard()) undo(); });

  // "accept the rest of this section": every undecided fact of the group, one batch
  list.addEventListener("submit", async (ev) => {
    const rest = ev.target.closest("form.rest");
    if (!rest) return;
    ev.preventDefault();
    if (busy || !guard()) return;
    const group = rest.closest("div.group");   // not the h4.group the button sits in
    const keys = Array.from(group.querySelectorAll("li.fi"))
      .filter((li) => li.dataset.status === "extracted").map((li) => li.dataset.key);
    if (!keys.length) return;
    if (!window.confirm("Chấp nhận " + keys.length + " số liệu chưa xử lý của mục này?")) return;
    await chain;
    busy = true;
    try {
      const data = await post(rest.getAttribute("action"),
        { section: group.dataset.section, keys: keys.join(" ") });
      apply(data);
      rest.remove();
      lastDecision = null;
      if (current >= 0 && items[current]) select(items[current], false, true);
    } catch (e) {
      window.alert(e.message);
    } finally {
      busy = false;
    }
  });

  // ── comments on the selected fact ─────────────────────────────────────────────────
  let commentsFor = null;

  function showComment(c) {
    const li = document.createElement("li");
    const who = document.createElement("b");
    who.textContent = c.author;
    const when = document.createElement("small");
    when.textContent = " " + c.at;
    const body = document.createElement("p");
    body.textContent = c.body;
    li.append(who, when, body);
    $("c-list").appendChild(li);
    $("c-count").textContent = $("c-list").children.length;
  }

  async function loadComments(li) {
    const key = li.dataset.key;
    commentsFor = key;
    $("c-list").replaceChildren();
    $("c-count").textContent = "0";
    $("comment-form").setAttribute("action", "/doc/" + docId + "/fact/" + key + "/comment");
    try {
      const r = await fetch("/doc/" + docId + "/fact/" + key + "/comments",
        { credentials: "same-origin", headers: { Accept: "application/json" } });
      const data = await r.json();
      if (commentsFor !== key) return;
      (data.comments || []).forEach(showComment);
    } catch (e) { /* the fact page lists them too */ }
  }

  $("comment-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const text = $("c-body").value.trim();
    if (!text || busy) return;
    try {
      const data = await post($("comment-form").getAttribute("action"), { body: text });
      showComment(data.comment);
      $("c-body").value = "";
    } catch (e) { say(e.message); }
  });

  // ── filters and search over the facts list ────────────────────────────────────────
  const fold = (s) => (s || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "")
    .replace(/đ/g, "d").replace(/Đ/g, "d").toLowerCase();
  let haystack = new WeakMap();

  function textOf(li) {
    let t = haystack.get(li);
    if (t === undefined) {
      const d = li.dataset;
      t = fold([d.f, d.text, d.value, d.unit, d.label, d.subject, d.indicator, d.period].join(" "));
      haystack.set(li, t);
    }
    return t;
  }

  function applyFilters() {
    const q = fold($("q").value.trim());
    const status = $("f-status").value, kind = $("f-kind").value;
    const low = $("f-low").checked, ocr = $("f-ocr").checked, flag = $("f-flag").checked;
    let shownCount = 0;
    items.forEach((li) => {
      const d = li.dataset;
      const ok = (!status || d.status === status) && (!kind || d.kind === kind) &&
        (!low || d.low) && (!ocr || d.ocr) && (!flag || d.flag) && (!q || textOf(li).includes(q));
      li.hidden = !ok;
      if (ok) shownCount++;
    });
    list.querySelectorAll("div.group").forEach((g) => {
      g.hidden = !g.querySelector("li.fi:not([hidden])");
    });
    const filtered = q || status || kind || low || ocr || flag;
    $("f-count").textContent = filtered ? shownCount + " / " + items.length + " số liệu" : "";
    $("f-count").dataset.shown = shownCount;
  }

  function updateCounts() {
    const by = {};
    const kinds = {};
    items.forEach((li) => {
      by[li.dataset.status] = (by[li.dataset.status] || 0) + 1;
      kinds[li.dataset.kind] = (kinds[li.dataset.kind] || 0) + 1;
    });
    $("f-status").querySelectorAll("option").forEach((o) => {
      if (o.value) o.textContent = LABEL[o.value] + " (" + (by[o.value] || 0) + ")";
    });
    $("f-kind").querySelectorAll("option").forEach((o) => {
      if (!o.dataset.name) o.dataset.name = o.textContent;
      if (o.value) o.textContent = o.dataset.name + " (" + (kinds[o.value] || 0) + ")";
    });
    const count = (name) => items.filter((li) => li.dataset[name]).length;
    [["f-low", "low"], ["f-ocr", "ocr"], ["f-flag", "flag"]].forEach(([id, name]) => {
      const label = $(id).parentElement;
      let n = label.querySelector(".n");
      if (!n) { n = document.createElement("span"); n.className = "n"; label.appendChild(n); }
      n.textContent = " (" + count(name) + ")";
    });
  }

  $("filters").addEventListener("input", applyFilters);
  $("filters").addEventListener("change", applyFilters);
  $("filters").addEventListener("submit", (ev) => ev.preventDefault());
  updateCounts();

  // ── adding a missed fact: the selection's span in the canonical text ──────────────
  function offsetIn(container, node, offset) {
    let n = 0;
    const walker = document.createTreeWalker(container, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const t = walker.currentNode;
      if (t === node) return n + cp(t.data.slice(0, offset));
      n += cp(t.data);
    }
    return null;
  }

  $("doctext").addEventListener("mouseup", () => {
    const sel = window.getSelection();
    if (sel.isCollapsed || sel.rangeCount !== 1) return;
    const range = sel.getRangeAt(0);
    const a = range.startContainer, b = range.endContainer;
    if (a.nodeType !== Node.TEXT_NODE || b.nodeType !== Node.TEXT_NODE) return;
    const box = a.parentElement.closest("[data-o]");
    if (!box || box !== b.parentElement.closest("[data-o]")) return;
    let text = range.toString();
    let start = offsetIn(box, a, range.startOffset);
    if (start === null || !text.trim() || cp(text) > 200) return;
    const lead = text.length - text.trimStart().length;
    start += cp(text.slice(0, lead));
    text = text.trim();
    start += parseInt(box.dataset.o, 10);
    const block = box.closest("[id^='b-']");
    openAdder(start, start + cp(text), text, block ? block.id.slice(2) : null);
  });

  // The facts around a selection: of its block, nearest first (before it on a tie).
  function neighbours(start, end, block) {
    const near = items.filter((li) => li.dataset.status !== "rejected" &&
      (block === null || li.dataset.b === block));
    const dist = (li) => {
      const s = +li.dataset.start, e = +li.dataset.end;
      return e <= start ? start - e : s >= end ? s - end + 0.5 : 0;
    };
    return near.sort((x, y) => dist(x) - dist(y));
  }

  function sectionBefore(start) {
    let found = "";
    items.forEach((li) => { if (+li.dataset.start <= start) found = li.dataset.section || found; });
    return found;
  }

  function openAdder(start, end, text, block) {
    if (!guard()) return;
    editor.hidden = true;
    $("hint").hidden = true;
    adder.hidden = false;
    $("a-start").value = start;
    $("a-end").value = end;
    $("a-selected").value = text;
    $("a-text").textContent = text;
    FIELDS.forEach((name) => { $("a-" + name).value = ""; });
    $("a-value").value = text;
    $("a-kind").value = "count";
    // a fact already there (even one set aside): offer to edit it rather than add a duplicate
    const overlap = items.find((li) => +li.dataset.start < end && start < +li.dataset.end);
    $("a-overlap").hidden = !overlap;
    $("a-add").disabled = !!overlap;
    if (overlap) {
      $("a-overlap-id").textContent = overlap.dataset.f + " (" + overlap.dataset.text + ")";
      $("a-edit").onclick = () => select(overlap, true, true);
      $("a-edit").focus();
      return;
    }
    // pre-fill from the facts around it: unit, period and kind of the nearest that has them
    const around = neighbours(start, end, block);
    const pick = (name) => { const li = around.find((x) => x.dataset[name]); return li ? li.dataset[name] : ""; };
    if (/%\s*$/.test(text)) {
      $("a-kind").value = "percentage";
      $("a-unit").value = "%";
    } else {
      const kind = pick("kind");
      if (kind && kind !== "date" && kind !== "deadline") $("a-kind").value = kind;
      $("a-unit").value = pick("unit");
    }
    $("a-period").value = pick("period");
    const section = (around[0] && around[0].dataset.section) || sectionBefore(start);
    $("a-section").textContent = section ? "(mục " + section + ")" : "";
    $("a-label").focus();
  }
  $("a-cancel").addEventListener("click", () => { adder.hidden = true; });

  function skip() {
    if (!guard()) return;
    const next = nextUndecided(current);
    if (next) select(next, true, true);
    else say("Không còn số liệu chưa xử lý nào đang hiện.", "ok");
  }
  $("e-skip").addEventListener("click", skip);

  // ── keyboard ──────────────────────────────────────────────────────────────────────
  function step(delta) {
    const shownItems = items.filter(visible);
    if (!shownItems.length) return;
    const at = shownItems.indexOf(items[current]);
    const next = at < 0 ? (delta > 0 ? 0 : shownItems.length - 1)
      : Math.min(shownItems.length - 1, Math.max(0, at + delta));
    select(shownItems[next]);
  }

  function escape(target) {
    if (rejecting) { setRejecting(false); target.blur(); say(""); return; }
    if (dirty()) {
      if (!window.confirm("Bỏ các thay đổi chưa lưu của số liệu này?")) return; // keep editing
      restore();
      say("");
    }
    target.blur();
  }

  function enter(target) {
    if (rejecting) { decide("reject"); return; }           // the reject's reason: reject
    if (dirty()) { decide("correct"); return; }            // save, then the next fact
    say(target.id === "e-reason" ? "Lý do chỉ được lưu cùng một quyết định: a, x hoặc sửa rồi Enter."
      : "Không có thay đổi nào để lưu.", "warn");          // Enter without a change: nothing
  }

  document.addEventListener("keydown", (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const t = ev.target;
    if (t.closest && t.closest("input, select, textarea")) {
      if (t.closest("#edit-form") && t.tagName !== "TEXTAREA") {
        if (ev.key === "Escape") { ev.preventDefault(); escape(t); }
        else if (ev.key === "Enter") { ev.preventDefault(); enter(t); }
      } else if (ev.key === "Escape") {
        t.blur();
      } else if (ev.key === "Enter" && t.closest("#filters")) {
        ev.preventDefault();
      }
      return;
    }
    const keys = {
      j: () => step(1), ArrowDown: () => step(1), k: () => step(-1), ArrowUp: () => step(-1),
      a: () => { if (current >= 0 && guard()) decide("accept"); },
      x: () => {
        if (current < 0 || !guard()) return;
        setRejecting(true);
        say("Gõ lý do loại rồi Enter; Esc để thôi.", "warn");
        $("e-reason").focus();
      },
      e: () => { if (current >= 0) { $("e-value").focus(); $("e-value").select(); } },
      s: skip,
      u: () => { if (guard()) undo(); },
      "/": () => $("q").focus(),
      n: () => {
        const failed = Array.from(checksList.querySelectorAll("li.check[data-status=fail]"));
        if (!failed.length) return;
        failedAt = (failedAt + 1) % failed.length;
        failed[failedAt].scrollIntoView({ block: "nearest" });
        failed[failedAt].focus();
        highlightCheck(failed[failedAt]);
      },
    };
    if (keys[ev.key]) {
      ev.preventDefault();
      keys[ev.key]();
    }
  });

  window.addEventListener("beforeunload", (ev) => {
    if (dirty()) { ev.preventDefault(); ev.returnValue = ""; }
  });

  const wanted = ws.dataset.selected && document.getElementById("fi-" + ws.dataset.selected);
  if (wanted) select(wanted, true, true);
})();
