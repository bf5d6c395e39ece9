// nmt-cert: small behaviours, no inline scripts (the Content-Security-Policy forbids them).
document.addEventListener("DOMContentLoaded", () => {
  // Buttons that copy a value shown once (API tokens, calendar feed URLs).
  document.querySelectorAll("[data-copy-target]").forEach((button) => {
    button.addEventListener("click", () => {
      const target = document.querySelector(button.dataset.copyTarget);
      if (target && navigator.clipboard) {
        navigator.clipboard.writeText(target.textContent.trim());
        button.textContent = "Copied";
      }
    });
  });
  // Forms that ask for confirmation before a consequential action.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
});
// htmx sends the CSRF token with every request it makes.
document.body.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector("meta[name=csrf-token]");
  if (token) event.detail.headers["X-CSRFToken"] = token.content;
});
// What htmx polls (job progress) is replaced whole on each poll, and a live region that is itself
// replaced is not read out. So swapped-in elements carry their state in data-announce, and one live
// region that stays in the page (base.html) says it when it changes. Sections that load by htmx are
// marked aria-busy until their content has arrived.
const announcements = () =>
  new Set(Array.from(document.querySelectorAll("[data-announce]"), (el) => el.dataset.announce));
let announced = announcements();
document.body.addEventListener("htmx:afterSettle", (event) => {
  if (event.detail.target) event.detail.target.removeAttribute("aria-busy");
  const now = announcements();
  const fresh = Array.from(now).filter((text) => !announced.has(text));
  const region = document.getElementById("live-announcer");
  if (region && fresh.length) region.textContent = fresh.join(" ");
  announced = now;
});
// A table wider than the screen scrolls sideways inside .table-responsive. When nothing in it can take
// focus, the keyboard could not scroll it: such a box becomes a named, focusable region while (and only
// while) it overflows.
const keyboardScrollableTables = () => {
  document.querySelectorAll(".table-responsive").forEach((box) => {
    const overflows = box.scrollWidth > box.clientWidth + 1;
    if (overflows && !box.hasAttribute("tabindex")) {
      const caption = box.querySelector("caption");
      box.tabIndex = 0;
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", caption ? caption.textContent.trim() : "Table (scrolls sideways)");
      box.dataset.scrollRegion = "1";
    } else if (!overflows && box.dataset.scrollRegion) {
      ["tabindex", "role", "aria-label", "data-scroll-region"].forEach((name) => box.removeAttribute(name));
    }
  });
};
document.addEventListener("DOMContentLoaded", keyboardScrollableTables);
document.body.addEventListener("htmx:afterSettle", keyboardScrollableTables);
let resizeTimer;
window.addEventListener("resize", () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(keyboardScrollableTables, 150);
});
