/* Partnerskabsportalen: progressive enhancement only. Every page works without it. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  document.addEventListener("DOMContentLoaded", function () {
    if (window.DKFDS && typeof window.DKFDS.init === "function") {
      window.DKFDS.init();
    }
    focusErrorSummary();
    var box = document.querySelector("[data-job-poll]");
    if (box) {
      pollJob(box);
    }
  });

  // The form's error summary (templates/includes/error_summary.html) takes the focus when
  // the page loads, so a screen reader reads the errors first. DKFDS's error-summary module
  // does it too; this covers a page where that script did not run.
  function focusErrorSummary() {
    var summary = document.querySelector("[data-module='error-summary']");
    if (summary && document.activeElement !== summary) {
      summary.focus();
    }
  }

  // Before an irreversible action (partnership/confirmation.py): a form with data-confirm
  // asks its question; yes sends the form with confirmed=1, no leaves the page as it is.
  // Without JavaScript the server asks on a page of its own.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (!question || form.querySelector("input[name='confirmed']")) {
      return;
    }
    if (!window.confirm(question)) {
      event.preventDefault();
      return;
    }
    var confirmed = document.createElement("input");
    confirmed.type = "hidden";
    confirmed.name = "confirmed";
    confirmed.value = "1";
    form.appendChild(confirmed);
  });

  // The summary above a long list of checkboxes (django/forms/widgets/multiple_input.html)
  // follows the boxes as they are ticked.
  document.addEventListener("change", function (event) {
    var choice = event.target.closest && event.target.closest(".option-choice");
    var summary = choice && choice.querySelector("[data-option-summary]");
    if (!summary || event.target.type !== "checkbox") {
      return;
    }
    summary.querySelectorAll(".option-summary-item").forEach(function (item) { item.remove(); });
    var none = summary.querySelector(".option-summary-none");
    choice.querySelectorAll("input[type='checkbox']:checked").forEach(function (box) {
      var label = choice.querySelector("label[for='" + box.id + "']");
      var item = document.createElement("span");
      item.className = "option-summary-item";
      item.textContent = label ? label.textContent : box.value;
      summary.insertBefore(item, none);
    });
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
