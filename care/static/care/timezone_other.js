// The enrollment form's time zone: the full list shows only once "Other…" is chosen from the
// short one. Without this script both lists show, and the form reads them the same way.
document.addEventListener("DOMContentLoaded", () => {
  const short = document.querySelector('select[name="timezone"]');
  const other = document.querySelector('select[name="timezone_other"]');
  const row = other && other.closest(".form-row");
  if (!short || !row) return;
  const show = () => {
    row.hidden = short.value !== "other";
  };
  short.addEventListener("change", () => {
    show();
    if (!row.hidden) other.focus();
  });
  show();
});
