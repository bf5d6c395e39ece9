// Study groups: progress bars take their width from data-width (no inline styles: the CSP forbids them).
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll(".progress-bar[data-width]").forEach((bar) => {
    const value = Math.max(0, Math.min(100, Number(bar.dataset.width) || 0));
    bar.style.width = `${value}%`;
  });
});
