// "Print" buttons: <button data-print>. A script file rather than an onclick attribute, which
// the Content Security Policy refuses (docs/authentication.md).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
