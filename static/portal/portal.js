/* Partnerskabsportalen: progressive enhancement only. Every page works without it. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  document.addEventListener("DOMContentLoaded", function () {
    if (window.DKFDS && typeof window.DKFDS.init === "function") {
      window.DKFDS.init();
    }
    var box = document.querySelector("[data-job-poll]");
    if (box) {
      pollJob(box);
    }
  });

  function pollJob(box) {
    var url = box.getAttribute("data-job-status-url");
    var label = box.querySelector(".job-status-label");
    var text = box.querySelector(".job-progress-text");
    var bar = box.querySelector(".job-progress");
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (label) { label.textContent = data.status_label; }
          if (bar) { bar.value = data.percent; bar.textContent = data.percent + " %"; }
          if (text && data.total) {
            text.textContent = data.done.toLocaleString("da-DK") + " af " + data.total.toLocaleString("da-DK");
          }
          if (data.finished) {
            window.location.reload();
          } else {
            window.setTimeout(tick, 1500);
          }
        })
        .catch(function () { window.setTimeout(tick, 5000); });
    }
    window.setTimeout(tick, 1000);
  }
})();
