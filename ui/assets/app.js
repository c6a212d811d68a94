// vrs workspace: progressive enhancement only; every page works without this file.
// Served from 'self' under a CSP without inline script.
"use strict";

// Confirm before a destructive action: <form data-confirm="message">.
document.addEventListener("submit", (e) => {
  const f = e.target;
  if (f instanceof HTMLFormElement && f.dataset.confirm && !window.confirm(f.dataset.confirm)) {
    e.preventDefault();
  }
});

// A chart and its table: <figure class="chart"> with a button[data-toggle] switches the
// view between the drawing and the table (both are in the page; the table is the data).
document.addEventListener("click", (e) => {
  const b = e.target.closest("button[data-toggle]");
  if (!b) return;
  const fig = b.closest("figure");
  if (!fig) return;
  const showing = fig.classList.toggle("as-table");
  b.setAttribute("aria-pressed", showing ? "true" : "false");
});

// Live progress: <div data-poll="/url"> is replaced by the HTML the URL answers, every
// half second, until that HTML carries no data-poll of its own.
function poll(el) {
  const url = el.dataset.poll;
  if (!url) return;
  setTimeout(async () => {
    try {
      const r = await fetch(url, { credentials: "same-origin" });
      if (!r.ok) return;
      const html = await r.text();
      const t = document.createElement("template");
      t.innerHTML = html.trim();
      const next = t.content.firstElementChild;
      if (!next) return;
      el.replaceWith(next);
      poll(next);
    } catch (_) {
      poll(el);
    }
  }, 500);
}
document.querySelectorAll("[data-poll]").forEach(poll);

// Repeated groups of a form (route legs, person groups): button[data-add] clones the
// last <fieldset> of its group, renumbering the field names' index.
document.addEventListener("click", (e) => {
  const b = e.target.closest("button[data-add]");
  if (!b) return;
  e.preventDefault();
  const group = document.getElementById(b.dataset.add);
  if (!group) return;
  const items = group.querySelectorAll(":scope > fieldset");
  const last = items[items.length - 1];
  if (!last) return;
  const n = items.length;
  const copy = last.cloneNode(true);
  const from = new RegExp("\\[" + (n - 1) + "\\]");
  copy.querySelectorAll("[name],[id],[for],legend").forEach((x) => {
    for (const a of ["name", "id", "for"]) {
      const v = x.getAttribute(a);
      if (v) x.setAttribute(a, v.replace(from, "[" + n + "]").replace(new RegExp("-" + (n - 1) + "(-|$)"), "-" + n + "$1"));
    }
    if (x.tagName === "LEGEND") x.textContent = x.textContent.replace(/\d+$/, String(n + 1));
    if (x.tagName === "INPUT" || x.tagName === "TEXTAREA") x.value = "";
    if (x.tagName === "SELECT") x.selectedIndex = 0;
  });
  copy.querySelectorAll(".error").forEach((x) => x.remove());
  group.insertBefore(copy, b);
});
