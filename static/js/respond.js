/* Respondent pages: progressive enhancement only. Without this file every page works by
   plain POST and redirect. With it: autosave, instant show/hide of questions and live
   messages (both computed by the server's autosave endpoint, which stays the authority),
   a dots counter, a slider for dyads and a triangle for triads. No framework, no CDN. */
(function () {
  "use strict";
  var $ = function (sel, root) { return (root || document).querySelector(sel); };
  var $$ = function (sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); };
  /* Messages come translated from the page (data-msg-* attributes, {name} placeholders). */
  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (all, name) { return name in values ? values[name] : all; });
  }

  function onceForms() {
    $$("form[data-once]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (form.dataset.sent) { event.preventDefault(); return; }
        form.dataset.sent = "1";
        var button = $("button[type=submit]", form);
        if (button) { setTimeout(function () { button.disabled = true; }, 0); }
      });
    });
  }

  function dots(box) {
    var budget = parseInt(box.dataset.budget, 10) || 0;
    var out = $("[data-dots-left]", box);
    function update() {
      var used = 0;
      $$("input[type=text]", box).forEach(function (input) {
        var n = parseInt(input.value, 10);
        if (!isNaN(n) && n > 0 && !input.name.endsWith("__ns")) { used += n; }
      });
      var left = budget - used;
      out.textContent = left >= 0
        ? fill(left === 1 ? box.dataset.msgOne : box.dataset.msgOther, { n: left })
        : fill(box.dataset.msgOver, { used: used, budget: budget, over: -left });
      out.classList.toggle("over", left < 0);
    }
    box.addEventListener("input", update);
    update();
  }

  function dyad(box) {
    var range = $(".dyad-range", box);
    var radios = $$(".dyad-points input[type=radio]", box);
    if (!range || !radios.length) { return; }
    var key = box.dataset.dyad;
    function describe() {
      range.setAttribute("aria-valuetext", fill(range.dataset.valuetext, { pct: Math.round(range.value * 100) }));
    }
    range.hidden = false;
    box.classList.add("js-dyad");
    radios.forEach(function (r) { r.removeAttribute("name"); r.tabIndex = -1; });
    if (range.dataset.answered) { range.name = key; }
    range.addEventListener("input", function () { range.name = key; describe(); });
    describe();
  }

  var SVGNS = "http://www.w3.org/2000/svg";
  function triad(box) {
    var holder = $("[data-triangle]", box);
    var inputs = $$(".shares input", box);
    var total = $("[data-triad-total]", box);
    if (!holder || inputs.length !== 3) { return; }
    /* Corners follow the reading order of the share boxes: top, then start, then end. */
    var rtl = getComputedStyle(box).direction === "rtl";
    var corners = rtl ? [[150, 12], [288, 250], [12, 250]] : [[150, 12], [12, 250], [288, 250]];
    var svg = document.createElementNS(SVGNS, "svg");
    svg.setAttribute("viewBox", "0 0 300 262");
    svg.setAttribute("aria-hidden", "true");
    var tri = document.createElementNS(SVGNS, "polygon");
    tri.setAttribute("points", corners.map(function (c) { return c.join(","); }).join(" "));
    tri.setAttribute("fill", "#f3f2f1");
    tri.setAttribute("stroke", "#1b1f23");
    tri.setAttribute("stroke-width", "2");
    var dot = document.createElementNS(SVGNS, "circle");
    dot.setAttribute("r", "10");
    dot.setAttribute("fill", "#1b1f23");
    svg.appendChild(tri);
    svg.appendChild(dot);
    holder.appendChild(svg);
    holder.hidden = false;
    function shares() { return inputs.map(function (i) { var n = parseFloat(i.value); return isNaN(n) ? 0 : n; }); }
    function draw() {
      var s = shares(); var sum = s[0] + s[1] + s[2];
      total.textContent = fill(total.dataset.msgTotal, { total: Math.round(sum * 10) / 10 }) +
        (Math.abs(sum - 100) > 0.1 ? " " + total.dataset.msgNeeds : "");
      if (sum <= 0) { dot.setAttribute("visibility", "hidden"); return; }
      dot.setAttribute("visibility", "visible");
      var x = 0, y = 0;
      for (var k = 0; k < 3; k++) { x += corners[k][0] * s[k] / sum; y += corners[k][1] * s[k] / sum; }
      dot.setAttribute("cx", x); dot.setAttribute("cy", y);
    }
    function place(event) {
      var box2 = svg.getBoundingClientRect();
      var px = (event.clientX - box2.left) * 300 / box2.width;
      var py = (event.clientY - box2.top) * 262 / box2.height;
      var a = corners[0], b = corners[1], c = corners[2];
      var det = (b[1] - c[1]) * (a[0] - c[0]) + (c[0] - b[0]) * (a[1] - c[1]);
      var l1 = ((b[1] - c[1]) * (px - c[0]) + (c[0] - b[0]) * (py - c[1])) / det;
      var l2 = ((c[1] - a[1]) * (px - c[0]) + (a[0] - c[0]) * (py - c[1])) / det;
      var ls = [l1, l2, 1 - l1 - l2].map(function (v) { return Math.max(0, v); });
      var sum = ls[0] + ls[1] + ls[2];
      var pct = ls.map(function (v) { return Math.round(v / sum * 100); });
      pct[2] = 100 - pct[0] - pct[1];
      inputs.forEach(function (input, k) { input.value = pct[k]; });
      draw();
      inputs[0].dispatchEvent(new Event("change", { bubbles: true }));
    }
    svg.addEventListener("pointerdown", function (e) { place(e); svg.setPointerCapture(e.pointerId); });
    svg.addEventListener("pointermove", function (e) { if (e.buttons) { place(e); } });
    box.addEventListener("input", draw);
    draw();
  }

  function autosave(form) {
    var url = form.dataset.autosave;
    var status = $("[data-autosave-status]", form);
    var token = $("input[name=csrf_token]", form);
    var touched = {};
    var timer = null, busy = false, again = false, stopped = false;

    function keyOf(el) { var q = el.closest(".q"); return q ? q.dataset.key : null; }
    function apply(data) {
      var visible = {};
      (data.visible || []).forEach(function (k) { visible[k] = true; });
      $$(".q[data-key]", form).forEach(function (q) {
        var show = !!visible[q.dataset.key];
        if (q.hidden === !show) { return; }
        q.hidden = !show;
        $$("input, select, textarea", q).forEach(function (el) { el.disabled = !show; });
      });
      $$(".q[data-key]", form).forEach(function (q) {
        var live = $("[data-live-error]", q);
        var message = (data.errors || {})[q.dataset.key];
        if (!live) { return; }
        if (message && touched[q.dataset.key]) { live.textContent = message; live.hidden = false; }
        else { live.textContent = ""; live.hidden = true; }
      });
    }
    function send() {
      if (stopped) { return; }
      if (busy) { again = true; return; }
      busy = true;
      var body = new FormData(form);
      body.delete("action");
      fetch(url, { method: "POST", body: body, credentials: "same-origin",
                   headers: { "X-CSRFToken": token ? token.value : "", "Accept": "application/json" } })
        .then(function (r) {
          if (r.status === 409 || r.status === 400) { stopped = r.status === 409; return null; }
          return r.ok ? r.json() : null;
        })
        .then(function (data) {
          if (data) { apply(data); if (status) { status.textContent = status.dataset.msgSaved; } }
        })
        .catch(function () { if (status) { status.textContent = status.dataset.msgOffline; } })
        .then(function () { busy = false; if (again) { again = false; schedule(300); } });
    }
    function schedule(delay) { clearTimeout(timer); timer = setTimeout(send, delay); }
    form.addEventListener("change", function (e) { var k = keyOf(e.target); if (k) { touched[k] = true; } schedule(250); });
    form.addEventListener("input", function () { schedule(3000); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var summary = $("[data-error-summary]");
    if (summary) { summary.focus(); }
    onceForms();
    $$("[data-dots]").forEach(dots);
    $$("[data-dyad]").forEach(dyad);
    $$("[data-triad]").forEach(triad);
    var form = $("form[data-autosave]");
    if (form) { autosave(form); }
  });
})();
