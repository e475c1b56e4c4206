// Live stations page: one card per station, updated from /ws/live; actions POST with the CSRF token.
"use strict";
(function () {
  const root = document.getElementById("stations");
  const status = document.getElementById("live-status");
  const csrf = root.dataset.csrf;
  const cards = new Map();
  const sound = document.getElementById("alert-sound");
  const seen = new Map();  // station -> the alert keys it had at its last update
  let audio = null, announced = 0;
  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const k in (attrs || {})) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;  // textContent: never HTML
    return e;
  }
  async function send(name, action, value) {
    const body = new URLSearchParams({csrf_token: csrf, action: action, value: value || ""});
    const r = await fetch("/api/stations/" + encodeURIComponent(name) + "/command",
      {method: "POST", body: body, credentials: "same-origin"});
    const j = await r.json().catch(() => ({ok: false, error: "bad answer"}));
    const what = action === "difficulty" ? "make " + value : action;
    cards.get(name).msg.textContent = j.ok ? ("sent: " + what) : ("not sent: " + j.error);
  }
  // New alerts: a short beep (Web Audio, generated here) and a notification when allowed.
  function beep() {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      if (audio.state === "suspended") audio.resume();
      const o = audio.createOscillator(), g = audio.createGain(), t = audio.currentTime;
      o.type = "sine"; o.frequency.setValueAtTime(880, t); o.frequency.setValueAtTime(660, t + 0.15);
      g.gain.setValueAtTime(0.0001, t); g.gain.exponentialRampToValueAtTime(0.3, t + 0.02);
      g.gain.exponentialRampToValueAtTime(0.0001, t + 0.35);
      o.connect(g).connect(audio.destination); o.start(t); o.stop(t + 0.4);
    } catch (e) { /* no audio device: the notification and the card still show it */ }
  }
  function announce(name, alert) {
    announced += 1; document.body.dataset.alertsAnnounced = String(announced);
    if (!sound || !sound.checked) return;
    beep();
    if ("Notification" in window && Notification.permission === "granted") {
      try { new Notification("NeuroPlay: " + name, {body: alert.sentence, tag: name + ":" + alert.kind}); }
      catch (e) { /* some browsers only notify from a service worker */ }
    }
  }
  if (sound) {
    sound.checked = localStorage.getItem("np-alert-sound") === "1";
    sound.addEventListener("change", () => {
      localStorage.setItem("np-alert-sound", sound.checked ? "1" : "0");
      if (sound.checked) {
        beep();  // a user gesture: the audio may start now, and a test beep says it works
        if ("Notification" in window && Notification.permission === "default") Notification.requestPermission();
      }
    });
  }
  function card(name) {
    if (cards.has(name)) return cards.get(name);
    const none = document.getElementById("no-stations"); if (none) none.remove();
    const box = el("div", {class: "station", id: "station-" + name, "data-station": name});
    const title = el("h2", {}, name); const badge = el("span", {class: "badge"}, "");
    const chip = el("span", {class: "chip on_track"}, "");
    title.append(" ", chip, " ", badge);
    const alerts = el("ul", {class: "alerts", role: "status"});
    const canvas = el("canvas", {width: "320", height: "240"});
    const dl = el("dl");
    const actions = el("div", {class: "actions"});
    const mk = (label, action, value, cls) => {
      const b = el("button", {type: "button", "data-action": action, class: cls || ""}, label);
      b.addEventListener("click", () => send(name, action, value)); actions.append(b);
    };
    mk("Pause", "pause"); mk("Resume", "resume"); mk("Easier", "difficulty", "easier");
    mk("Harder", "difficulty", "harder"); mk("Stop", "stop", "", "stop");
    const note = el("input", {placeholder: "note for this session", maxlength: "500", class: "note"});
    const nb = el("button", {type: "button", "data-action": "note"}, "Add note");
    nb.addEventListener("click", () => { if (note.value.trim()) { send(name, "note", note.value); note.value = ""; } });
    const msg = el("div", {class: "muted small msg"}, "");
    box.append(title, alerts, canvas, dl, actions, el("div", {class: "row"}), msg);
    box.lastChild.previousSibling.append(note, nb);
    root.append(box);
    const c = {box, badge, chip, alerts, canvas, dl, msg}; cards.set(name, c); return c;
  }
  function alertItem(m, a) {  // the sentence, then one click to act on it
    const li = el("li", {class: a.severity, "data-kind": a.kind || ""});
    li.append(el("span", {class: "say"}, (a.severity === "urgent" ? "!! " : "! ") + a.sentence));
    if (m.connected && a.kind !== "offline") {
      const acts = el("span", {class: "quick"});
      const q = (label, action, value) => {
        const b = el("button", {type: "button", "data-quick": action + (value ? "-" + value : "")}, label);
        b.addEventListener("click", () => send(m.name, action, value)); acts.append(b);
      };
      q("Pause", "pause"); q("Make easier", "difficulty", "easier");
      li.append(acts);
    }
    return li;
  }
  function fmt(v) {
    if (v === null || v === undefined) return "-";
    if (typeof v === "number") return Number.isInteger(v) ? String(v) : v.toFixed(2);
    if (typeof v === "object") return Object.entries(v).map(([k, x]) => k + "=" + fmt(x)).join(", ");
    return String(v);
  }
  function fmtCheckin(v) {  // the rest-break pain check reads as a sentence, not a record
    if (!v || v.phase !== "in_session") return fmt(v);
    return "pain now " + v.nrs + (v.pre_pain === null || v.pre_pain === undefined ? "" : " (before: " + v.pre_pain + ")")
      + (v.drop_levels ? " - paused, one level easier" : "");
  }
  function update(m) {
    const c = card(m.name), s = m.state || {};
    c.box.classList.toggle("offline", !m.connected);
    c.badge.textContent = !m.connected ? "offline" : (s.paused ? "paused" : "playing");
    c.badge.className = "badge" + (!m.connected ? " off" : (s.paused ? " paused" : ""));
    const t = m.triage || {severity: "on_track", label: "On track", rank: 2, alerts: []};
    // colour + icon + word (never colour alone), the alerts as sentences, most in need first
    c.chip.className = "chip " + t.severity;
    c.chip.replaceChildren(el("span", {class: "icon", "aria-hidden": "true"},
      {urgent: "!!", review: "!", on_track: "\u2713"}[t.severity] || "?"), " " + t.label);
    const shown = JSON.stringify([m.connected, t.alerts]);  // rebuilt only on a change, so a
    if (c.shown !== shown) {                                 // button is not replaced mid-click
      c.alerts.replaceChildren(...t.alerts.map((a) => alertItem(m, a)));
      c.shown = shown;
    }
    const keys = new Set(t.alerts.map((a) => a.kind + ":" + a.severity));
    const before = seen.get(m.name) || new Set();
    for (const a of t.alerts) if (!before.has(a.kind + ":" + a.severity)) announce(m.name, a);
    seen.set(m.name, keys);
    c.box.classList.toggle("alert", t.severity === "urgent");
    c.box.dataset.severity = t.severity;
    c.box.dataset.rank = String(t.rank * 1000 - t.alerts.length);
    for (const b of c.box.querySelectorAll("button, input")) b.disabled = !m.connected;
    sortCards();
    c.dl.replaceChildren();
    const rows = [["patient", m.patient], ["exercise", s.exercise || m.exercise], ["dose", s.dose],
      ["success", s.success_rate === undefined ? null : Math.round(100 * s.success_rate) + " %"],
      ["check-in", fmtCheckin(s.checkin)], ["tracking", s.tracking === undefined ? null : Math.round(100 * s.tracking) + " %"],
      ["trunk lean", s.trunk_lean && s.trunk_lean.run ? s.trunk_lean.run + " reach(es) in a row" + (s.trunk_lean.deg ? ", up to " + Math.round(s.trunk_lean.deg) + " degrees" : "") : null],
      ["last note", s.note]];
    for (const [k, v] of rows) { c.dl.append(el("dt", {}, k), el("dd", {"data-field": k}, fmt(v))); }
    drawSkeleton(c.canvas, s.skeleton || null, s.hands || []);
  }
  function sortCards() {  // most in need first; the DOM moves only when the order changes
    const now = [...root.querySelectorAll(".station")];
    const want = [...now].sort((a, b) => (Number(a.dataset.rank) - Number(b.dataset.rank))
      || a.dataset.station.localeCompare(b.dataset.station));
    if (want.some((x, i) => x !== now[i])) root.append(...want);
  }
  function connect() {
    const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/live");
    ws.onopen = () => { status.textContent = "live"; };
    ws.onmessage = (e) => { const m = JSON.parse(e.data); if (m.type === "station") update(m); };
    ws.onclose = () => { status.textContent = "disconnected; retrying..."; setTimeout(connect, 1000); };
  }
  connect();
})();
