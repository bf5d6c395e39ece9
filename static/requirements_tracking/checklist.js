// Progress bars take their width from data-percent (no inline styles: the CSP forbids them).
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll(".progress-bar[data-percent]").forEach((bar) => {
    const value = Math.max(0, Math.min(100, parseInt(bar.dataset.percent, 10) || 0));
    bar.style.width = `${value}%`;
  });
});
