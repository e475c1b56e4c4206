// Plan editor: the Form / Advanced (TOML) tabs switch without a reload (the links work
// without script too), and the first field with an error gets the focus.
"use strict";
(function () {
  const tabs = document.querySelectorAll(".tabs a[data-tab]");
  for (const a of tabs) {
    a.addEventListener("click", (e) => {
      e.preventDefault();
      for (const b of tabs) {
        const on = b === a;
        b.classList.toggle("on", on);
        b.setAttribute("aria-selected", on ? "true" : "false");
      }
      for (const p of document.querySelectorAll(".tabpanel")) p.hidden = p.dataset.panel !== a.dataset.tab;
      history.replaceState(null, "", "?tab=" + a.dataset.tab);
    });
  }
  const bad = document.querySelector("[aria-invalid=true]");
  if (bad) { bad.focus({preventScroll: true}); bad.scrollIntoView({block: "center"}); }
})();
