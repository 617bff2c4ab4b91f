// Equity Hub page behaviour. Loaded as a file (CSP forbids inline scripts); pages work without it.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") && target.form) {
      target.form.submit();
    }
  });
  // After htmx swaps in new results, tell screen readers how many there are.
  document.addEventListener("htmx:afterSwap", function (event) {
    var status = document.getElementById("results-status");
    var source = event.detail.target && event.detail.target.querySelector("[data-result-summary]");
    if (status && source) {
      status.textContent = source.getAttribute("data-result-summary");
    }
  });
})();
