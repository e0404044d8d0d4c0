// The enrollment form's body outline: a click on a region ticks (or unticks) the pain-site
// checkbox of the same value, and ticking a checkbox colours its regions. The checkboxes
// remain the keyboard and screen-reader way in; the drawing only mirrors them.
document.addEventListener("DOMContentLoaded", () => {
  const outline = document.querySelector(".body-outline.picker");
  if (!outline) return;
  const boxes = document.querySelectorAll('input[type="checkbox"][name="pain_sites"]');
  const box = (site) => Array.from(boxes).find((b) => b.value === site);
  const paint = () => {
    outline.querySelectorAll(".region[data-site]").forEach((region) => {
      const b = box(region.dataset.site);
      region.classList.toggle("on", Boolean(b && b.checked));
    });
  };
  outline.addEventListener("click", (event) => {
    const region = event.target.closest(".region[data-site]");
    const b = region && box(region.dataset.site);
    if (!b) return;
    b.checked = !b.checked;
    b.dispatchEvent(new Event("change", { bubbles: true }));
  });
  boxes.forEach((b) => b.addEventListener("change", paint));
  paint();
});
