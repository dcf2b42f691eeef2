// Inbox keyboard shortcuts: j/k move, Enter opens, a approves, r rejects (focus on comment).
(function () {
  let index = -1;
  const rows = () => Array.from(document.querySelectorAll("#inbox-list tr.inbox-row"));
  function select(i) {
    const all = rows();
    if (!all.length) return;
    index = Math.max(0, Math.min(i, all.length - 1));
    all.forEach((r, n) => r.classList.toggle("selected", n === index));
    const link = all[index].querySelector("a");
    link.focus();
    link.click();
  }
  document.addEventListener("keydown", function (e) {
    if (e.target.closest("input, textarea, select") || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "j") select(index + 1);
    else if (e.key === "k") select(index - 1);
    else if (e.key === "a" || e.key === "r") {
      const button = document.querySelector(`#detail-panel [data-shortcut="${e.key}"]`);
      if (!button) return;
      if (e.key === "r") document.querySelector("#detail-panel textarea").focus();
      else button.click();
    } else return;
    e.preventDefault();
  });
})();
