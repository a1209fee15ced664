"use strict";
// Filters: a finding is shown when its severity is ticked and, if a practice is chosen,
// one of its practices matches. Groups left with nothing visible are hidden too.
(function () {
  const form = document.getElementById("filters");
  if (!form) return;
  const findings = Array.from(document.querySelectorAll("article.finding"));
  const severityGroups = Array.from(document.querySelectorAll(".severity-group"));
  const practiceGroups = Array.from(document.querySelectorAll(".practice-group"));
  const shownCount = document.getElementById("shown-count");
  const practiceSelect = document.getElementById("practice-filter");

  function apply() {
    const started = performance.now();
    const severities = new Set(
      Array.from(form.querySelectorAll("input[name=severity]:checked"), (box) => box.value)
    );
    const practice = practiceSelect.value;
    let shown = 0;
    for (const finding of findings) {
      const visible = severities.has(finding.dataset.severity) &&
        (practice === "" || finding.dataset.practices.split(" ").includes(practice));
      finding.hidden = !visible;
      if (visible) shown += 1;
    }
    for (const group of severityGroups) {
      group.hidden = group.querySelector("article.finding:not([hidden])") === null;
    }
    for (const group of practiceGroups) {
      group.hidden = group.querySelector(".severity-group:not([hidden])") === null;
    }
    shownCount.textContent = String(shown);
    // Read by the browser test to report how long a filter takes to update the page;
    // reading offsetHeight forces the layout, so the figure includes it.
    void document.body.offsetHeight;
    window.nodewardLastFilterMs = performance.now() - started;
  }

  form.addEventListener("change", apply);
  form.addEventListener("submit", (event) => event.preventDefault());
  // Clicking a scorecard row filters the findings to that practice.
  for (const row of document.querySelectorAll(".scorecard tbody tr")) {
    row.addEventListener("click", () => {
      const slug = row.dataset.practice;
      const known = Array.from(practiceSelect.options).some((o) => o.value === slug);
      practiceSelect.value = known ? slug : "";
      apply();
      document.getElementById("findings").scrollIntoView();
    });
  }
})();
