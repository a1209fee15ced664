"use strict";
// Filters: a finding is shown when its severity is ticked and, if a practice is chosen,
// one of its practices matches. Groups left with nothing visible are hidden too, and when
// nothing is left at all an empty state offers to reset the filters.
(function () {
  const form = document.getElementById("filters");
  if (!form) return;
  const findings = Array.from(document.querySelectorAll("article.finding"));
  const severityGroups = Array.from(document.querySelectorAll(".severity-group"));
  const practiceGroups = Array.from(document.querySelectorAll(".practice-group"));
  const shownCount = document.getElementById("shown-count");
  const practiceSelect = document.getElementById("practice-filter");
  const noMatch = document.getElementById("no-match");

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
    noMatch.hidden = shown > 0 || findings.length === 0;
    // Read by the browser test to report how long a filter takes to update the page;
    // reading offsetHeight forces the layout, so the figure includes it.
    void document.body.offsetHeight;
    window.nodewardLastFilterMs = performance.now() - started;
  }

  form.addEventListener("change", apply);
  document.getElementById("reset-filters").addEventListener("click", () => {
    for (const box of form.querySelectorAll("input[name=severity]")) box.checked = true;
    practiceSelect.value = "";
    apply();
  });
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

// The route table (collapsed by default): a text filter over each row's words.
(function () {
  const input = document.getElementById("route-filter");
  if (!input) return;
  const rows = Array.from(document.querySelectorAll("tr.route"));
  const texts = rows.map((row) => row.textContent.toLowerCase());
  const count = document.getElementById("route-count");
  const noMatch = document.getElementById("no-route-match");
  input.addEventListener("input", () => {
    const words = input.value.toLowerCase().split(/\s+/).filter((w) => w !== "");
    let shown = 0;
    rows.forEach((row, i) => {
      const visible = words.every((w) => texts[i].includes(w));
      row.hidden = !visible;
      if (visible) shown += 1;
    });
    count.textContent = String(shown);
    noMatch.hidden = shown > 0;
  });
})();
