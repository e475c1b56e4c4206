// Session playback: the stored landmark stream as an animated skeleton (no video).
"use strict";
(async function () {
  const canvas = document.getElementById("playback");
  const btn = document.getElementById("play"), scrub = document.getElementById("scrub");
  const clock = document.getElementById("clock");
  const r = await fetch("/api/sessions/" + encodeURIComponent(canvas.dataset.session) + "/skeleton",
    {credentials: "same-origin"});
  const data = await r.json();
  const frames = data.frames;
  canvas.height = Math.round(canvas.width / (data.aspect || 4 / 3));
  if (!frames.length) { drawSkeleton(canvas, null, []); clock.textContent = "no landmarks stored"; return; }
  scrub.max = String(frames.length - 1);
  let i = 0, playing = true, start = performance.now() - frames[0].t * 1000;
  function show(k) { const f = frames[k]; drawSkeleton(canvas, f.pose, f.hands); scrub.value = String(k); clock.textContent = f.t.toFixed(1) + " s"; }
  function tick(now) {
    if (playing) {
      const t = (now - start) / 1000;
      while (i < frames.length - 1 && frames[i + 1].t <= t) i++;
      show(i);
      if (i >= frames.length - 1) { playing = false; btn.textContent = "Play"; }
    }
    requestAnimationFrame(tick);
  }
  btn.addEventListener("click", () => {
    playing = !playing; btn.textContent = playing ? "Pause" : "Play";
    if (playing) { if (i >= frames.length - 1) i = 0; start = performance.now() - frames[i].t * 1000; }
  });
  scrub.addEventListener("input", () => { i = Number(scrub.value); show(i); start = performance.now() - frames[i].t * 1000; });
  show(0); requestAnimationFrame(tick);
})();
