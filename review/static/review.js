// baocao review: the document page's behaviour, and nothing else.
// Select a fact (click, j/k), fill the one edit form with its fields, show its page image
// with its box, highlight a check's facts, add a missed fact from a text selection.
// No framework, no inline script (the CSP forbids it); every page works without this file.
"use strict";

(function () {
  const ws = document.getElementById("workspace");
  if (!ws) return;
  const docId = ws.dataset.doc;
  const scale = parseFloat(ws.dataset.scale || "1.5");
  const isPdf = ws.dataset.format === "pdf";
  const items = Array.from(document.querySelectorAll("#facts-panel li.fi"));
  const byId = new Map(items.map((li) => [li.dataset.f, li]));
  const checks = Array.from(document.querySelectorAll("#checks li.check"));
  const failed = checks.filter((c) => c.dataset.status === "fail");
  const editor = document.getElementById("editor");
  const form = document.getElementById("edit-form");
  const adder = document.getElementById("adder");
  const FIELDS = ["kind", "value", "denominator", "unit", "label", "indicator", "period", "subject"];
  let current = -1;
  let failedAt = -1;

  const $ = (id) => document.getElementById(id);
  const cp = (s) => Array.from(s).length; // Python counts code points, JS UTF-16 units

  function clear(cls) {
    document.querySelectorAll("." + cls).forEach((el) => el.classList.remove(cls));
  }

  function select(li, scroll) {
    if (!li) return;
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
  }

  function fill(li) {
    adder.hidden = true;
    $("hint").hidden = true;
    editor.hidden = false;
    form.action = "/doc/" + docId + "/fact/" + li.dataset.key;
    $("e-version").value = li.dataset.v;
    $("e-id").textContent = li.dataset.f;
    $("e-text").textContent = li.dataset.text;
    $("e-status").textContent = li.dataset.status;
    $("e-link").href = "/doc/" + docId + "/fact/" + li.dataset.key;
    FIELDS.forEach((name) => { $("e-" + name).value = li.dataset[name] || ""; });
    $("e-reason").value = "";
    const was = $("e-was");
    was.hidden = !li.dataset.was;
    was.textContent = li.dataset.was ? "Trích xuất ban đầu: " + li.dataset.was : "";
    const list = $("e-checks");
    list.replaceChildren();
    checks.filter((c) => c.dataset.facts.split(" ").includes(li.dataset.f)).forEach((c) => {
      const row = c.cloneNode(true);
      row.removeAttribute("id");
      row.classList.add("mini");
      row.addEventListener("click", () => highlightCheck(c));
      list.appendChild(row);
    });
  }

  let shown = null; // the fact whose box the page image shows

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
  }

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
  items.forEach((li) => li.querySelector("a.fl").addEventListener("click", (ev) => {
    ev.preventDefault();
    select(li);
  }));
  $("doctext").addEventListener("click", (ev) => {
    const mark = ev.target.closest("mark.fact");
    if (mark && window.getSelection().isCollapsed) select(byId.get(mark.dataset.f), false);
  });
  checks.forEach((c) => c.addEventListener("click", () => highlightCheck(c)));

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
    openAdder(start, start + cp(text), text);
  });

  function openAdder(start, end, text) {
    editor.hidden = true;
    $("hint").hidden = true;
    adder.hidden = false;
    $("a-start").value = start;
    $("a-end").value = end;
    $("a-selected").value = text;
    $("a-text").textContent = text;
    $("a-value").value = text;
    $("a-label").focus();
  }
  $("a-cancel").addEventListener("click", () => { adder.hidden = true; });

  // ── keyboard ──────────────────────────────────────────────────────────────────────
  function step(delta) {
    const next = Math.min(items.length - 1, Math.max(0, current + delta));
    if (items[next]) select(items[next]);
  }

  document.addEventListener("keydown", (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const typing = ev.target.closest("input, select, textarea");
    if (typing) {
      if (ev.key === "Escape") ev.target.blur();
      return;
    }
    const keys = {
      j: () => step(1), ArrowDown: () => step(1), k: () => step(-1), ArrowUp: () => step(-1),
      a: () => current >= 0 && $("e-accept").click(),
      x: () => current >= 0 && $("e-reject").click(),
      e: () => { if (current >= 0) { $("e-value").focus(); $("e-value").select(); } },
      n: () => {
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

  const wanted = ws.dataset.selected && document.getElementById("fi-" + ws.dataset.selected);
  if (wanted) select(wanted);
})();
