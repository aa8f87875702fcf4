"use strict";
(() => {
  const C = window.CONSOLE;
  const T = C.texts;
  const $ = (sel, root) => (root || document).querySelector(sel);
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
  const hhmm = (m) => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
  if (location.search.includes("token=")) history.replaceState(null, "", location.pathname);

  function toast(text) {
    const el = $("#toast"); el.textContent = text; el.hidden = false;
    clearTimeout(toast.timer); toast.timer = setTimeout(() => { el.hidden = true; }, 5000);
  }
  const flash = sessionStorage.getItem("carebot.flash");
  if (flash) { sessionStorage.removeItem("carebot.flash"); toast(flash); }

  async function post(action, body) {
    const r = await fetch(`/console/api/groups/${encodeURIComponent(C.group)}/rota/${action}`, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": C.csrf },
      body: JSON.stringify(body),
    });
    const answer = await r.json().catch(() => ({ ok: false, error: `HTTP ${r.status}` }));
    if (!r.ok || !answer.ok) throw new Error(answer.error || `HTTP ${r.status}`);
    return answer.change;
  }

  function done(change) {
    sessionStorage.setItem("carebot.flash", T.changed.replace("{summary}", change.summary));
    location.reload();
  }

  function options(select, items, selected) {
    select.innerHTML = items.map(([v, label]) => `<option value="${esc(v)}"${v === selected ? " selected" : ""}>${esc(label)}</option>`).join("");
  }
  const times = [];
  for (let m = C.opens; m <= C.closes; m += 30) times.push([hhmm(m), hhmm(m)]);

  function showError(form, err) { const p = $(".error", form); p.textContent = err.message; p.hidden = false; }

  const addDialog = $("#add-dialog");
  const addForm = $("#add-form");
  function openAdd(day, minute) {
    const start = Math.max(C.opens, Math.min(C.closes - 60, Math.floor(minute / 60) * 60));
    addForm.date.value = day;
    options(addForm.start, times.slice(0, -1), hhmm(start));
    options(addForm.end, times.slice(1), hhmm(Math.min(C.closes, start + 120)));
    options(addForm.member_id, C.counsellors, (C.counsellors[0] || [""])[0]);
    $(".error", addForm).hidden = true;
    addDialog.showModal();
  }
  addForm.addEventListener("submit", async (e) => {
    if (e.submitter && e.submitter.value !== "add") return;
    e.preventDefault();
    try {
      done(await post("add", { date: addForm.date.value, start: addForm.start.value, end: addForm.end.value, member_id: addForm.member_id.value }));
    } catch (err) { showError(addForm, err); }
  });

  const shiftDialog = $("#shift-dialog");
  const shiftForm = $("#shift-form");
  let current = null;
  function openShift(el) {
    current = { day: el.closest(".col-body").dataset.day, member: el.dataset.member, start: el.dataset.start, end: el.dataset.end };
    $(".title", shiftForm).textContent = `${el.dataset.name} · ${current.day} ${current.start}-${current.end}`;
    options(shiftForm.member_b, C.counsellors.filter(([id]) => id !== current.member), null);
    $(".error", shiftForm).hidden = true;
    shiftDialog.showModal();
  }
  shiftForm.addEventListener("submit", async (e) => {
    const which = e.submitter && e.submitter.value;
    if (which !== "remove" && which !== "swap") return;
    e.preventDefault();
    const span = { date: current.day, start: current.start, end: current.end };
    try {
      if (which === "remove") done(await post("remove", { ...span, member_id: current.member }));
      else done(await post("swap", { ...span, member_a: current.member, member_b: shiftForm.member_b.value }));
    } catch (err) { showError(shiftForm, err); }
  });

  // On a narrow screen the week scrolls sideways: start at today (or the week's first day).
  function scrollToToday() {
    const box = $("#grid-scroll"); const today = $(".day.today", box);
    if (!box || !today || box.scrollWidth <= box.clientWidth) return;
    box.scrollLeft = today.offsetLeft - $(".gutter", box).offsetWidth;
  }
  scrollToToday();

  document.addEventListener("click", async (e) => {
    if (e.target.id === "add-shift") {
      const day = C.week.includes(C.today) ? C.today : C.week[0];
      openAdd(day, day === C.today ? C.now_minute + 60 : C.opens);
      return;
    }
    const shift = e.target.closest(".shift");
    if (shift) { openShift(shift); return; }
    const body = e.target.closest(".col-body.editable");
    if (body) {
      const rect = body.getBoundingClientRect();
      const minute = C.opens + ((e.clientY - rect.top) / rect.height) * (C.closes - C.opens);
      openAdd(body.dataset.day, minute);
      return;
    }
    if (e.target.id === "undo") {
      try { done(await post("undo", {})); } catch (err) { toast(err.message); }
      return;
    }
    const conv = e.target.closest(".open-conv");
    if (conv) {
      const dlg = $("#conv-dialog");
      $(".title", dlg).textContent = conv.dataset.staff;
      const r = await fetch(`/console/api/groups/${encodeURIComponent(C.group)}/conversations/${conv.dataset.id}`, { credentials: "same-origin" });
      const data = await r.json();
      $(".messages", dlg).innerHTML = r.ok
        ? data.messages.map((m) => `<p><b>${esc(m.sender_name)}</b> <time class="muted" datetime="${esc(m.received_at)}">${esc(m.day === C.today ? m.time : `${m.day.slice(5)} ${m.time}`)}</time><br>${m.text_removed ? `<i class="muted">${esc(T.text_removed)}</i>` : esc(m.text)}</p>`).join("")
        : `<p class="error">${esc(data.error)}</p>`;
      dlg.showModal();
    }
  });
  document.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && e.target.classList && e.target.classList.contains("shift")) openShift(e.target);
  });

  // Keep the page current (duty, queue, the now line) without losing an open dialog.
  setInterval(async () => {
    if (document.querySelector("dialog[open]") || document.hidden) return;
    const r = await fetch(location.href, { credentials: "same-origin" });
    if (!r.ok) return;
    const doc = new DOMParser().parseFromString(await r.text(), "text/html");
    const scrolled = $("#grid-scroll") ? $("#grid-scroll").scrollLeft : 0;
    for (const id of ["duty", "rota", "queue", "report", "changes"]) {
      const fresh = doc.getElementById(id); const old = document.getElementById(id);
      if (fresh && old) old.replaceWith(fresh);
    }
    if ($("#grid-scroll")) $("#grid-scroll").scrollLeft = scrolled;
    const clock = doc.getElementById("clock"); if (clock) $("#clock").textContent = clock.textContent;
  }, 30000);
})();
