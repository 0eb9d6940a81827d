// Progressive enhancement only: every page works without it.
// On the intake form, show only the sections the chosen procedures need.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-intake]");
  if (!form) return;
  const variants = JSON.parse(form.dataset.variants);
  const update = () => {
    const chosen = form.querySelector("input[name=variant]:checked");
    const procedures = chosen ? variants[chosen.value] : [];
    form.querySelectorAll("[data-procedures]").forEach((section) => {
      const needs = section.dataset.procedures.split(" ").filter(Boolean);
      section.hidden = needs.length > 0 && !needs.some((code) => procedures.includes(code));
    });
  };
  form.addEventListener("change", update);
  update();
});

// An error summary (intake): focus it when the page opens, so a screen reader reads it and the
// keyboard starts there; each link puts the focus in the field it names, scrolled into view
// with its label.
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector("[data-error-summary]");
  if (!summary) return;
  summary.focus();
  summary.addEventListener("click", (event) => {
    const link = event.target.closest("a[href^='#']");
    if (!link) return;
    const target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target) return;
    event.preventDefault();
    const around = target.closest(".field, fieldset") || target;
    around.scrollIntoView();
    target.focus({ preventScroll: true });
  });
});
