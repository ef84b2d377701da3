// "Print this result" buttons: the page has a print style sheet; the button only opens the dialog.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
