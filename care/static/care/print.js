// The pre-visit summary's Print button. The CSP allows no inline script, so it is wired here.
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-print]")) {
    button.addEventListener("click", () => window.print());
  }
});
