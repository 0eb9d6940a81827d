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
